"""bench/serve: online prediction with `fleetml serve`, measured with wrk on this machine.

1. Load: single-row predictions for devices picked uniformly at random among 100,000 linear device models,
   8 concurrent connections, after a warm-up that loads every model into the cache (target: at least 5,000
   requests/s with p99 under 5 ms).
2. Cold loads: a fresh server over a random_forest fleet; the first request for each of 1,000 random devices
   (nothing of theirs cached; the JVM warmed on other devices), one at a time (target: p99 under 20 ms).
3. Batch: requests of 1,000 rows over 100 devices (rows/s), next to `fleetml score`'s records/s on the same models.
"""
import argparse, http.client, json, os, random, re, subprocess, sys, time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLEETML = os.path.join(HERE, "fleetml")
WRK = os.path.join(HERE, "bench", "wrk")
SYNTH = ["--device-column", "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label"]


def say(what):
    print(f"bench/serve: {what}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"bench/serve: {' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout


def fleet(store, data, devices, rows, algorithm, name):
    """A store with one session of `algorithm` on a generated fleet, registered as NAME@champion (made once, reused)."""
    if not os.path.exists(data):
        run([FLEETML, "generate", "--devices", str(devices), "--rows-per-device", str(rows), "--out", data, "--seed", "42"])
    if not os.path.exists(os.path.join(store, "fleetml.db")) or name not in run([FLEETML, "registry", "list", "--store", store]):
        out = run([FLEETML, "train", "--data", data] + SYNTH + ["--algorithm", algorithm, "--store", store])
        session = re.search(r"session (\S+)", out).group(1)
        run([FLEETML, "registry", "register", session, "--name", name, "--alias", "champion", "--store", store])


class Server:
    def __init__(self, store, cache_mb):
        self.log = open(f"{store}-serve.log", "w")  # not a pipe: a full pipe would stop the server
        self.p = subprocess.Popen([FLEETML, "serve", "--port", "0", "--store", store, "--model-cache-mb", str(cache_mb)],
                                  stdout=subprocess.PIPE, stderr=self.log, text=True)
        import select
        ready, _, _ = select.select([self.p.stdout], [], [], 120)
        line = self.p.stdout.readline() if ready else ""
        m = re.search(r"http://([\d.]+):(\d+)", line)
        if not m:
            self.p.kill()
            sys.exit(f"bench/serve: the server did not start within 2 minutes ({line.strip()}); see {self.log.name}")
        self.host, self.port = m.group(1), int(m.group(2))
        self.url = f"http://{self.host}:{self.port}"

    def stop(self):
        self.p.terminate()
        self.p.wait(60)
        self.log.close()


def wrk(url, script, seconds, connections=8, threads=2, env=None):
    out = run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", os.path.join(WRK, script), url],
              env={**os.environ, **(env or {})})
    def ms(text):
        v, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(v) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]
    pct = {p: ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return dict(rps=rps, p50=pct["50"], p90=pct["90"], p99=pct["99"], non2xx=int(bad.group(1)) if bad else 0,
                socket_errors=errors.group(1) if errors else None, raw=out)


def post(conn, path, rows):
    body = json.dumps({"rows": rows})
    start = time.perf_counter()
    conn.request("POST", path, body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    took = (time.perf_counter() - start) * 1e3
    if r.status != 200:
        sys.exit(f"bench/serve: {path} answered {r.status}: {data[:300]}")
    return took


def row(device):
    return {"device_id": str(device), "feature_1": random.random(), "feature_2": random.random(), "feature_3": random.random()}


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser(description="fleetml serve benchmark")
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke test of the harness")
    ap.add_argument("--out", default=os.path.join(HERE, "bench", "out"), help="work directory")
    ap.add_argument("--seconds", type=int, default=20, help="length of each wrk run")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    os.chdir(a.out)
    q = a.quick
    devices, forest_devices, cold = (2_000, 300, 100) if q else (100_000, 2_000, 1_000)
    seconds = 3 if q else a.seconds
    tag = "quick" if q else "full"
    random.seed(42)
    lines = [f"# fleetml serve, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", ""]

    # 1. load: linear fleet, every model cached after the warm-up
    store, data = f"serve-linear-{tag}", f"fleet-{tag}.parquet"
    fleet(store, data, devices, 100, "linear", "bench")
    say(f"load: {devices:,} linear devices")
    server = Server(store, 4096)
    try:
        path = "/api/v1/models/bench@champion/predict"
        warm = time.monotonic()
        conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
        for start in range(0, devices, 1000):  # every model once, 1,000 devices a request
            post(conn, path, [row(d) for d in range(start, min(devices, start + 1000))])
        warm = time.monotonic() - warm
        say(f"every model loaded in {warm:.1f} s; wrk")
        wrk(server.url + path, "predict_one.lua", max(2, seconds // 4), env={"DEVICES": str(devices)})  # the JIT's warm-up
        one = wrk(server.url + path, "predict_one.lua", seconds, env={"DEVICES": str(devices)})
        batch = wrk(server.url + path, "predict_batch.lua", seconds, env={"DEVICES": str(devices), "ROWS": "1000", "PER": "100"})
        metrics = http.client.HTTPConnection(server.host, server.port, timeout=60)
        metrics.request("GET", "/metrics")
        cache = {k: v for k, v in re.findall(r"^(fleetml_model_cache_\w+)\s+([\d.e+]+)$", metrics.getresponse().read().decode(), re.M)}
    finally:
        server.stop()
    say("fleetml score")
    score = run([FLEETML, "score", "--data", data, "--model", "bench@champion", "--store", store, "--out", f"serve-score-{tag}.parquet"])
    score_rate = float(re.search(r"\(([\d,]+) records/s\)", score).group(1).replace(",", ""))

    # 2. cold loads: a forest fleet, a fresh server, the JVM warmed on devices not measured
    fstore, fdata = f"serve-forest-{tag}", f"fleet-forest-{tag}.parquet"
    fleet(fstore, fdata, forest_devices, 100, "random_forest", "forest")
    say(f"cold loads: {forest_devices:,} forest devices")
    server = Server(fstore, 4096)
    try:
        path = "/api/v1/models/forest@champion/predict"
        ids = list(range(forest_devices))
        random.shuffle(ids)
        measured, others = ids[:cold], ids[cold:]
        say("cold loads: warming the JVM on 200 other devices")
        conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
        for d in others[:200]:
            post(conn, path, [row(d)])
        say(f"cold loads: {cold:,} devices")
        cold_ms = [post(conn, path, [row(d)]) for d in measured]
        again_ms = [post(conn, path, [row(d)]) for d in measured]
    finally:
        server.stop()

    ok = lambda c: "met" if c else "missed"
    lines += [f"machine: {os.cpu_count()} cores; wrk -t2 -c8, {seconds} s a run, on the same machine as the server", "",
              "| measurement | figure | target |", "| --- | --- | --- |",
              f"| single-row predictions, {devices:,} linear devices, all cached (8 connections) | **{one['rps']:,.0f} requests/s**, "
              f"p50 {one['p50']:.2f} ms, p90 {one['p90']:.2f} ms, p99 **{one['p99']:.2f} ms**; non-2xx {one['non2xx']} | "
              f"≥ 5,000/s and p99 < 5 ms: {ok(one['rps'] >= 5000 and one['p99'] < 5)} |",
              f"| cold loads: first request for each of {cold:,} random devices of {forest_devices:,} random_forest devices, one at a time | "
              f"p50 {pct(cold_ms, 50):.2f} ms, p99 **{pct(cold_ms, 99):.2f} ms**, max {max(cold_ms):.2f} ms (the same devices again, cached: "
              f"p99 {pct(again_ms, 99):.2f} ms) | p99 < 20 ms: {ok(pct(cold_ms, 99) < 20)} |",
              f"| batch: 1,000 rows over 100 devices a request (8 connections) | **{batch['rps'] * 1000:,.0f} rows/s** ({batch['rps']:,.1f} "
              f"requests/s, p99 {batch['p99']:.1f} ms); non-2xx {batch['non2xx']} | reported |",
              f"| `fleetml score --model bench@champion` on the {devices * 100:,} records of the same fleet | **{score_rate:,.0f} records/s** | "
              f"reported |",
              "", f"warm-up: every one of the {devices:,} models loaded in {warm:.1f} s (1,000 devices a request); cache after the runs: "
              + ", ".join(f"{k.replace('fleetml_model_cache_', '')} {float(v):,.0f}" for k, v in sorted(cache.items()))]
    text = "\n".join(lines) + "\n"
    with open(f"serve-{tag}.md", "w") as f:
        f.write(text)
    print(text)
    if one["non2xx"] or batch["non2xx"]:
        sys.exit("bench/serve: some requests failed")


if __name__ == "__main__":
    main()
