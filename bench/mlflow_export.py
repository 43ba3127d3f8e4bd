"""bench/mlflow_export: nested runs per second of `fleetml mlflow export` against a local MLflow-protocol server.

No MLflow server can be installed on these machines, so the server is fleetml's MLflow protocol stand-in (the test
scope's MlflowStandIn: MLflow's messages parsed strictly, runs kept in memory) started as its own process on this
machine. Each nested run is three requests (runs/create, runs/log-batch, runs/update), as against a real server.

1. Export with --nested all into a fresh experiment, three times (target: at least 500 nested runs/s).
2. The same export again: finds every run and creates none (the idempotent re-run), timed.
3. The default policy (failed + 100 worst) on the same session, timed.
"""
import argparse, glob, os, re, select, subprocess, sys, time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLEETML = os.path.join(HERE, "fleetml")
SYNTH = ["--device-column", "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label"]


def say(what):
    print(f"bench/mlflow_export: {what}", file=sys.stderr, flush=True)


def run(cmd):
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"bench/mlflow_export: {' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout, time.time() - t


class StandIn:
    def __init__(self, log):
        jars = glob.glob(os.path.join(HERE, "fleetml-mlflow", "target", "fleetml-mlflow-*-tests.jar"))
        if not jars:
            sys.exit("bench/mlflow_export: the stand-in's jar is missing; build with: mvn -q -B -DskipTests install")
        cp = os.pathsep.join([os.path.join(HERE, "fleetml-cli", "target", "fleetml.jar"), jars[0]])
        self.log = open(log, "w")
        self.p = subprocess.Popen(["java", "-cp", cp, "io.fleetml.mlflow.MlflowStandIn", "0"], stdout=subprocess.PIPE, stderr=self.log, text=True)
        ready, _, _ = select.select([self.p.stdout], [], [], 60)
        line = self.p.stdout.readline() if ready else ""
        m = re.search(r"(http://[\d.]+:\d+)", line)
        if not m:
            self.p.kill()
            sys.exit(f"bench/mlflow_export: the stand-in did not start ({line.strip()}); see {log}")
        self.url = m.group(1)

    def stop(self):
        self.p.terminate()
        self.p.wait(30)
        self.log.close()


def export(store, session, url, experiment, nested):
    out, seconds = run([FLEETML, "mlflow", "export", session, "--tracking-uri", url, "--experiment", experiment, "--nested", nested,
                        "--store", store])
    m = re.search(r"nested runs \(--nested \S+, of ([\d,]+) devices\): ([\d,]+): ([\d,]+) created, ([\d,]+) completed, ([\d,]+) already there"
                  r"(?: in ([\d.]+) s \(([\d,.]+) runs/s\))?", out)
    req = re.search(r"([\d,]+) requests \(([\d,]+) retried\) in ([\d.]+) s", out)
    num = lambda s: float(s.replace(",", "")) if s else 0.0
    return dict(selected=num(m.group(2)), created=num(m.group(3)), existing=num(m.group(5)), nested_s=num(m.group(6)),
                rate=num(m.group(7)), requests=num(req.group(1)), retried=num(req.group(2)), export_s=num(req.group(3)), command_s=seconds)


def main():
    ap = argparse.ArgumentParser(description="fleetml mlflow export benchmark")
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke test of the harness")
    ap.add_argument("--out", default=os.path.join(HERE, "bench", "out"), help="work directory")
    a = ap.parse_args()
    devices = 2000 if a.quick else 20000
    rounds = 1 if a.quick else 3
    work = os.path.join(a.out, "mlflow")
    os.makedirs(work, exist_ok=True)
    data = os.path.join(work, f"fleet-{devices}.csv.gz")
    store = os.path.join(work, f"store-{devices}")
    if not os.path.exists(data):
        run([FLEETML, "generate", "--devices", str(devices), "--rows-per-device", "40", "--out", data, "--seed", "42"])
    if not os.path.exists(os.path.join(store, "fleetml.db")):
        say(f"training {devices:,} linear devices")
        run([FLEETML, "train", "--data", data] + SYNTH + ["--algorithm", "linear", "--store", store])
    out, _ = run([FLEETML, "sessions", "--store", store])
    session = re.search(r"(\d{8}-\d{6}-[0-9a-f]{4})", out).group(1)
    server = StandIn(os.path.join(work, "standin.log"))
    try:
        say(f"stand-in at {server.url}; session {session}")
        tag = time.strftime("%H%M%S")
        alls = []
        for i in range(rounds):
            r = export(store, session, server.url, f"bench-{tag}-{i}", "all")
            say(f"--nested all #{i + 1}: {r['created']:,.0f} nested runs in {r['nested_s']:.2f} s = {r['rate']:,.0f}/s "
                f"({r['requests']:,.0f} requests, {r['retried']:.0f} retried; whole export {r['export_s']:.2f} s, command {r['command_s']:.2f} s)")
            alls.append(r)
        again = export(store, session, server.url, f"bench-{tag}-0", "all")
        say(f"the same export again: {again['created']:.0f} created, {again['existing']:,.0f} already there, {again['requests']:,.0f} requests, "
            f"export {again['export_s']:.2f} s")
        default = export(store, session, server.url, f"bench-{tag}-default", "default")
        say(f"--nested default: {default['created']:,.0f} nested runs, export {default['export_s']:.2f} s")
    finally:
        server.stop()
    rates = sorted(r["rate"] for r in alls)
    print(f"| `--nested all`, {devices:,} devices, {rounds} exports into fresh experiments | **{rates[len(rates) // 2]:,.0f} nested runs/s** "
          f"(median; {', '.join(f'{x:,.0f}' for x in rates)}) | >= 500/s: **{'met' if rates[len(rates) // 2] >= 500 else 'missed'}** |")
    print(f"| the same export again (idempotent: every run found) | {again['created']:.0f} created, {again['requests']:,.0f} requests, "
          f"{again['export_s']:.2f} s | reported |")
    print(f"| `--nested default` (failed + 100 worst) | {default['created']:,.0f} nested runs, {default['export_s']:.2f} s | reported |")


if __name__ == "__main__":
    main()
