"""bench/fleet_evidence.py: do fleet models (train --fleet stack) predict better than one model per device alone?

Run with /usr/bin/python3 (standard library only):

    /usr/bin/python3 bench/fleet_evidence.py [--out DIR] [--devices 2000] [--skip-beijing] [--algorithms linear,random_forest]

1. Synthetic: `fleetml generate --profile heterogeneous` (seed 42; as CSV, which this script reads),
   `train --fleet stack --algorithm linear --time-column hour`, then `score --use device|fleet|hierarchical|stack|chosen`
   of the later rows. Per use, the MSE (a) on the records the device models alone predict, (b) on every record it
   predicts, with its coverage, and (c) on the records of devices the training file does not have.
2. Beijing (../shared/data/beijing-air-quality, 12 stations): a derived CSV in which 4 stations keep only their
   first 300 hours (new devices), `train --fleet stack` for labels PM2.5 and O3 with linear and random_forest
   device models, time-ordered holdout by year,month,day,hour. The session's test MSE table, the chosen counts,
   the per-station test MSE, and the 4 cut stations' remaining hours scored with every --use.

Every fleet session is set beside a plain session (--fleet none) of the same data and test rows: the baseline a
user has without --fleet (its device models also train on the rows a fleet session keeps for validation).

Everything is printed as Markdown and written to DIR/fleet_evidence.md; data, stores, logs and predictions stay
in DIR (default bench/out/fleet).
"""
import argparse, csv, glob, gzip, json, os, re, subprocess, sys, time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLEETML = os.path.join(HERE, "fleetml")
BEIJING = os.path.join(os.path.dirname(HERE), "shared", "data", "beijing-air-quality")
USES = ["device", "fleet", "hierarchical", "stack", "chosen"]
MODELS = USES  # the rows of the session's test MSE table
SYNTH = ["--device-column", "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label"]
BJ_FEATURES = "TEMP,PRES,DEWP,RAIN,WSPM"
BJ_TIME = "year,month,day,hour"
CUT_HOURS = 300
CUT_STATIONS = ["Changping", "Guanyuan", "Nongzhanguan", "Tiantan"]  # every third station by name, from the second

OUT = []  # the Markdown report, line by line


def say(text=""):
    print(text, flush=True)
    OUT.append(text)


def run(cmd, log):
    """Runs a fleetml command; returns (stdout, wall seconds). Exits with the log on failure."""
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - start
    with open(log, "w") as f:
        f.write(" ".join(cmd) + "\n" + p.stdout + p.stderr)
    if p.returncode != 0:
        sys.exit(f"fleet_evidence: failed with exit {p.returncode} ({log}):\n{p.stdout}\n{p.stderr}")
    return p.stdout, wall


def train(name, data, cols, algorithm, store, extra=(), fleet="stack"):
    results = f"{name}-results.csv"
    out, wall = run([FLEETML, "train", "--data", data] + cols + ["--algorithm", algorithm, "--fleet", fleet,
                                                                  "--store", store, "--experiment", name, "--out", results]
                    + list(extra), f"{name}-train.log")
    session = re.search(r"session (\S+)", out).group(1)
    shown, _ = run([FLEETML, "sessions", "show", session, "--store", store, "--json"], f"{name}-show.log")
    with open(results, newline="") as f:
        devices = list(csv.DictReader(f))
    print(f"  trained {name}: session {session} in {wall:.1f} s", flush=True)
    return session, json.loads(shown), devices, wall


def plain_test(results):
    """Test MSE of a plain session's device models (train --out): weighted by test rows, and the median over devices."""
    ok = [(float(r["mse"]), int(r["n_test"])) for r in results if r["status"] == "OK" and r["mse"] and int(r["n_test"]) > 0]
    rows = sum(n for _, n in ok)
    mses = sorted(m for m, _ in ok)
    median = (mses[(len(mses) - 1) // 2] + mses[len(mses) // 2]) / 2 if mses else None
    return dict(mse=sum(m * n for m, n in ok) / rows if rows else None, median_mse=median, devices=len(ok), rows=rows)


def score(name, data, session, store, use, keep):
    pred = f"{name}-pred-{use}.csv"
    out, wall = run([FLEETML, "score", "--data", data, "--session", session, "--store", store, "--use", use,
                     "--keep", keep, "--out", pred], f"{name}-score-{use}.log")
    preds = {}
    with open(pred, newline="") as f:
        for r in csv.DictReader(f):
            preds[r["record_id"]] = (r["device_id"], float(r["prediction"]) if r["prediction"] else None,
                                     float(r[keep]) if r[keep] else None, r["model"].split("/")[0])
    return preds, wall


def mse(preds, records):
    """MSE over the records (ids) that have a prediction and a label: (mse, predicted, total with a label)."""
    se, n, total = 0.0, 0, 0
    for rid in records:
        _, p, y, _ = preds[rid]
        if y is None:
            continue
        total += 1
        if p is not None:
            se += (p - y) ** 2
            n += 1
    return (se / n if n else None), n, total


def fmt(v):
    if v is None:
        return "-"
    return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.4f}"


def pct(v, base):
    return "-" if v is None or not base else f"{100 * (v / base - 1):+.1f}%"


def test_table(shown, plain):
    """The session's 'test MSE by model' (sessions show --json: fleet.test_mse), as Markdown, with the device models of
    a plain session (--fleet none, same data and test rows: its device models also train on the 20% that a fleet
    session keeps for validation) as the baseline a user has without --fleet."""
    fleet = shown["fleet"]
    rows = {(r["model"], r["scope"]): r for r in fleet["test_mse"]}
    dev_own = rows[("device", "own")]
    say("| model | MSE (own) | median (own) | devices (own) | rows (own) | MSE (all) | median (all) | devices (all) | rows (all) "
        "| MSE (own) vs device | MSE (own) vs plain session |")
    say("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    table = [("device, plain session (`--fleet none`)", plain, None)] + [(m, rows.get((m, "own")), rows.get((m, "all"))) for m in MODELS]
    for m, o, a in table:
        if not o:
            continue
        all_cells = [fmt(a["mse"]), fmt(a["median_mse"]), f"{a['devices']:,}", f"{a['rows']:,}"] if a else ["-"] * 4
        say(f"| {m} | {fmt(o['mse'])} | {fmt(o['median_mse'])} | {o['devices']:,} | {o['rows']:,} | "
            + " | ".join(all_cells) + f" | {pct(o['mse'], dev_own['mse'])} | {pct(o['mse'], plain['mse'])} |")
    chosen = fleet.get("chosen", {})
    say("")
    say(f"chosen per device: {', '.join(f'{k} {v:,}' for k, v in chosen.items())} (of {sum(chosen.values()):,}); "
        f"fleet model: {fleet['algorithm']} on {fleet['sample_rows']:,} sampled training rows (at most {fleet['quota']:,} a device)")
    say("")


def score_table(name, data, session, plain, store, keep, groups):
    """Scores `data` with every --use (then the plain session's device models) and prints the MSE of each group of
    records. groups = [(title, select)], where select(device_id, device-only prediction) says whether a record belongs
    to the group (device-only scores first)."""
    say("| --use | " + " | ".join(f"MSE {t} | predicted" for t, _ in groups) + " | records by model | score s |")
    say("| --- | " + " | ".join("--- | ---" for _ in groups) + " | --- | --- |")
    result, members = {}, None
    for use, sid, row in [(u, session, u) for u in USES] + [("device", plain, "device, plain session")]:
        preds, wall = score(name if sid == session else name + "-plain", data, sid, store, use, keep)
        if members is None:  # use == "device"
            members = [[rid for rid, (d, p, _, _) in preds.items() if select(d, p)] for _, select in groups]
        cells = []
        for (title, _), ids in zip(groups, members):
            m, n, total = mse(preds, ids)
            cells.append(f"{fmt(m)} | {n:,} of {total:,}")
            result[(row, title)] = m
        by_model = {}
        for _, p, _, model in preds.values():
            if p is not None:
                by_model[model] = by_model.get(model, 0) + 1
        say(f"| {row} | " + " | ".join(cells) + f" | {', '.join(f'{k} {v:,}' for k, v in sorted(by_model.items()))} | {wall:.1f} |")
    say("")
    return result


def synthetic(devices):
    store = "store-synthetic"
    say(f"## Synthetic: heterogeneous fleet, {devices:,} devices (seed 42), linear device models")
    say("")
    # CSV, so that this script (standard library only) reads the training file's devices and the later rows' labels
    if not os.path.exists("synthetic-later.csv"):
        run([FLEETML, "generate", "--profile", "heterogeneous", "--devices", str(devices), "--seed", "42",
             "--out", "synthetic-fleet.csv", "--later", "synthetic-later.csv"], "synthetic-generate.log")
    with open("synthetic-fleet.csv", newline="") as f:
        training = [(r["device_id"], float(r["label"])) for r in csv.DictReader(f)]
    trained_ids = {d for d, _ in training}
    mean_label = sum(y for _, y in training) / len(training)
    session, shown, _, wall = train("synthetic", "synthetic-fleet.csv", SYNTH, "linear", store, ["--time-column", "hour"])
    plain, _, plain_results, plain_wall = train("synthetic-plain", "synthetic-fleet.csv", SYNTH, "linear", store,
                                                ["--time-column", "hour"], "none")
    s = shown["summary"]
    say(f"`fleetml train --data synthetic-fleet.csv --fleet stack --algorithm linear --time-column hour` ({shown['n_rows']:,} rows, "
        f"{shown['n_devices']:,} devices: {s['ok']:,} with a model of their own, {s['failed']:,} without (failed); "
        f"session {session}, {wall:.1f} s whole command; the same without --fleet: {plain_wall:.1f} s). Test MSE by model (each device's last 20% by hour, "
        f"weighted by rows; median over devices; own = devices with a model of their own, all = every device):")
    say("")
    test_table(shown, plain_test(plain_results))

    with open("synthetic-later.csv", newline="") as f:
        later = [(r["device_id"], float(r["label"])) for r in csv.DictReader(f)]
    unseen_devices = len({d for d, _ in later} - trained_ids)
    say(f"Later rows (`synthetic-later.csv`: each device's next rows and {unseen_devices:,} unseen devices), scored with "
        f"`fleetml score --use U --keep label`: MSE on (a) the records device-only predicts, (b) all records, "
        f"(c) records of unseen devices; 'predicted' is records predicted of records in the group:")
    say("")
    result = score_table("synthetic", "synthetic-later.csv", session, plain, store, "label",
                         [("(a) device-predicted", lambda d, p: p is not None), ("(b) all", lambda d, p: True),
                          ("(c) unseen devices", lambda d, p: d not in trained_ids)])
    a, b = result[("device, plain session", "(a) device-predicted")], result[("chosen", "(a) device-predicted")]
    base_all = sum((y - mean_label) ** 2 for _, y in later) / len(later)
    unseen = [y for d, y in later if d not in trained_ids]
    base_unseen = sum((y - mean_label) ** 2 for y in unseen) / max(1, len(unseen))
    say(f"On the records device models predict, chosen's MSE is {pct(b, a)} against the plain session's device models'. For scale: predicting "
        f"every later record with the mean training label ({mean_label:.3f}) gives MSE {fmt(base_all)} on all records and "
        f"{fmt(base_unseen)} on the unseen devices' records.")
    say("")


def beijing_data():
    """beijing-cut.csv: the 12 stations, 4 of them cut to their first CUT_HOURS hours (new devices);
    beijing-cut-later.csv: the hours those 4 stations lost."""
    files = sorted(glob.glob(os.path.join(BEIJING, "*.csv.gz")))
    if len(files) != 12:
        sys.exit(f"fleet_evidence: expected 12 station files in {BEIJING}, found {len(files)}")
    if os.path.exists("beijing-cut-later.csv"):
        return
    with open("beijing-cut.csv.tmp", "w", newline="") as cut, open("beijing-cut-later.csv.tmp", "w", newline="") as later:
        wc, wl = csv.writer(cut), csv.writer(later)
        header = None
        for path in files:
            with gzip.open(path, "rt", newline="") as f:
                r = csv.reader(f)
                h = next(r)
                if header is None:
                    header = h
                    wc.writerow(h)
                    wl.writerow(h)
                elif h != header:
                    sys.exit(f"fleet_evidence: {path} has other columns")
                station = h.index("station")
                for i, row in enumerate(r):
                    (wl if row[station] in CUT_STATIONS and i >= CUT_HOURS else wc).writerow(row)
    os.replace("beijing-cut.csv.tmp", "beijing-cut.csv")
    os.replace("beijing-cut-later.csv.tmp", "beijing-cut-later.csv")


def beijing(algorithms):
    store = "store-beijing"
    say("## Beijing: 12 air-quality stations, 4 of them cut to their first 300 hours")
    say("")
    say(f"`beijing-cut.csv`: the 12 station files, with {', '.join(CUT_STATIONS)} cut to their first {CUT_HOURS} hours "
        f"(March 2013: new devices); features {BJ_FEATURES}, device column station, holdout each station's last 20% by "
        f"{BJ_TIME} (so the cut stations are tested on hours 241-300 of March 2013, the others on Sep 2016-Feb 2017), "
        f"validation 20% before it. Rows with a missing label are not used.")
    say("")
    beijing_data()
    summary = []
    for label in ["PM2.5", "O3"]:
        for algorithm in algorithms:
            name = f"beijing-{label}-{algorithm}"
            cols = ["--device-column", "station", "--features", BJ_FEATURES, "--label", label, "--time-column", BJ_TIME]
            session, shown, results, wall = train(name, "beijing-cut.csv", cols, algorithm, store)
            plain, _, plain_results, plain_wall = train(name + "-plain", "beijing-cut.csv", cols, algorithm, store, (), "none")
            say(f"### {label}, device models `{algorithm}` (session {session}, {wall:.1f} s whole command; "
                f"without --fleet {plain_wall:.1f} s)")
            say("")
            base = plain_test(plain_results)
            test_table(shown, base)
            rows = {(r["model"], r["scope"]): r for r in shown["fleet"]["test_mse"]}
            summary.append((label, algorithm, base, rows[("device", "all")], rows[("chosen", "all")], rows[("fleet", "all")]))
            plain_mse = {r["device_id"]: (float(r["mse"]) if r["mse"] else None) for r in plain_results}
            say("Test MSE per station (cut stations marked *):")
            say("")
            say("| station | rows trained | test rows | device, plain session | device | fleet | hierarchical | stack | chosen "
                "| chosen vs plain |")
            say("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
            for r in results:
                v = {m: (float(r[f"{m}_mse"]) if r.get(f"{m}_mse") else None) for m in ["fleet", "hierarchical", "stack"]}
                v["device"] = float(r["mse"]) if r["mse"] else None
                c = v.get(r["chosen"])
                p = plain_mse.get(r["device_id"])
                say(f"| {r['device_id']}{' *' if r['device_id'] in CUT_STATIONS else ''} | {int(r['n_used']):,} | {int(r['n_test']):,} | "
                    f"{fmt(p)} | {fmt(v['device'])} | {fmt(v['fleet'])} | {fmt(v['hierarchical'])} | {fmt(v['stack'])} | "
                    f"{r['chosen']} {fmt(c)} | {pct(c, p)} |")
            say("")
            say(f"The cut stations' other {35064 - CUT_HOURS:,} hours each (`beijing-cut-later.csv`, April 2013-Feb 2017), scored "
                f"with every --use (a forecast for new devices from {CUT_HOURS} hours of their own):")
            say("")
            score_table(name, "beijing-cut-later.csv", session, plain, store, label,
                        [("cut stations, later hours", lambda d, p: True)])
    say("### Beijing in short: test MSE (all 12 stations, weighted by rows; median over stations), chosen against the "
        "plain session's device models")
    say("")
    say("| label | device models | plain session | device (fleet session) | fleet | chosen | chosen vs plain | plain median | chosen median |")
    say("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, algorithm, p, d, c, f in summary:
        say(f"| {label} | {algorithm} | {fmt(p['mse'])} | {fmt(d['mse'])} | {fmt(f['mse'])} | {fmt(c['mse'])} | {pct(c['mse'], p['mse'])} | "
            f"{fmt(p['median_mse'])} | {fmt(c['median_mse'])} |")
    say("")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "bench", "out", "fleet"), help="work directory (default bench/out/fleet)")
    ap.add_argument("--devices", type=int, default=2000, help="devices of the synthetic fleet (default 2000)")
    ap.add_argument("--algorithms", default="linear,random_forest", help="Beijing device algorithms (default linear,random_forest)")
    ap.add_argument("--skip-beijing", action="store_true", help="the synthetic part only")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    os.chdir(a.out)
    subprocess.run([FLEETML, "--version"], check=True, stdout=subprocess.DEVNULL)  # builds on first use
    started = time.monotonic()
    version = subprocess.run([FLEETML, "--version"], capture_output=True, text=True).stdout.strip()
    say(f"# Fleet models: evidence ({version}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores)")
    say("")
    synthetic(a.devices)
    if not a.skip_beijing:
        beijing([x for x in a.algorithms.split(",") if x])
    say(f"Reproduce: `/usr/bin/python3 bench/fleet_evidence.py --out {a.out} --devices {a.devices}` "
        f"({time.monotonic() - started:.0f} s this run); data, stores, logs and predictions are in {a.out}.")
    with open("fleet_evidence.md", "w") as f:
        f.write("\n".join(OUT) + "\n")
    print(f"\nwritten to {os.path.join(a.out, 'fleet_evidence.md')}")


if __name__ == "__main__":
    main()
