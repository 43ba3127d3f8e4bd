"""bench/run: runs every workload with fleetml, the bare algorithm and scikit-learn, and prints a Markdown table.

fleetml is timed as a user runs it: the whole `fleetml train|score` command (JVM start, reading, training,
storing, tracking, writing). scikit-learn (bench/sklearn_baseline.py) is timed for reading plus its
per-device loop. The bare algorithm (bench/Bare.java) is timed for its loop over in-memory arrays only.
Peak memory is the process's maximum resident set (for scikit-learn: its largest worker or itself).
"""
import argparse, json, os, platform, re, subprocess, sys, time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLEETML = os.path.join(HERE, "fleetml")
JAR = os.path.join(HERE, "fleetml-cli", "target", "fleetml.jar")
SKLEARN = os.path.join(HERE, "bench", "sklearn_baseline.py")
BARE = os.path.join(HERE, "bench", "Bare.java")
SYNTH = ["--device-column", "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label"]
BEIJING = os.path.join(os.path.dirname(HERE), "shared", "data", "beijing-air-quality")
SPARK = "fleetml on Spark local[2]"
STACK = "fleetml --fleet stack"
STACK_TARGET = 1.5  # --fleet stack costs at most 1.5× the plain linear training of the same fleet (wall time)
REAL = ["--device-column", "station", "--features", "TEMP,PRES,DEWP,RAIN,WSPM", "--label", "PM2.5", "--time-column", "No"]


REPEAT = 1
SESSIONS = {}  # workload name -> the session its latest fleetml run trained


def side_by_side(*measures):
    """Takes every measurement REPEAT times in turns (fleetml, bare, scikit-learn, fleetml, ...), so that each
    engine meets the machine's fast and slow minutes alike; returns each one's run with the median work time."""
    runs = [[] for _ in measures]
    for _ in range(REPEAT):
        for i, measure in enumerate(measures):
            runs[i].append(measure())
    return [sorted(r, key=lambda x: x["work"])[len(r) // 2] for r in runs]


def timed(cmd, log, env=None):
    """Runs cmd under /usr/bin/time; returns (stdout, wall seconds, peak MB)."""
    start = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "PEAK_KB %M"] + cmd, capture_output=True, text=True, env=env)
    wall = time.monotonic() - start
    with open(log, "w") as f:
        f.write(" ".join(cmd) + "\n" + p.stdout + p.stderr)
    if p.returncode != 0:
        sys.exit(f"bench: failed ({log}):\n{p.stdout}\n{p.stderr}")
    peak = int(re.search(r"PEAK_KB (\d+)", p.stderr).group(1)) / 1024
    return p.stdout, wall, peak


def generate(out, devices, rows, seed=42):
    if not os.path.exists(out):
        subprocess.run([FLEETML, "generate", "--devices", str(devices), "--rows-per-device", str(rows), "--out", out,
                        "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)


def fleetml_train(name, data, cols, algorithm, params, store, extra=(), engine="fleetml"):
    results = f"{name}-results.csv"
    cmd = [FLEETML, "train", "--data", data] + cols + ["--algorithm", algorithm, "--store", store, "--experiment", name,
                                                       "--out", results] + list(extra)
    for p in params:
        cmd += ["--param", p]
    out, wall, peak = timed(cmd, f"{name}-fleetml.log")
    session = re.search(r"session (\S+)", out).group(1)
    SESSIONS[name] = session
    work = float(re.search(r"· ([\d.]+) s \(", out).group(1))
    import csv
    with open(results) as f:
        rows = list(csv.DictReader(f))
    mses = [float(r["mse"]) for r in rows if r["status"] == "OK" and r["mse"]]
    return dict(engine=engine, devices=len(rows), rows=sum(int(r["n_rows"]) for r in rows), wall=wall, work=work, peak=peak,
                mse=sum(mses) / len(mses), session=session)


def fleetml_spark_train(name, data, cols, algorithm, params, store):
    """The same training on Spark local[2] (./fleetml spark train): what Spark's scheduling costs on one machine."""
    cmd = [FLEETML, "spark", "train", "--master", "local[2]", "--data", data] + cols + ["--algorithm", algorithm, "--store", store,
                                                                                          "--experiment", name + "-spark"]
    for p in params:
        cmd += ["--param", p]
    out, wall, peak = timed(cmd, f"{name}-spark.log")
    session = re.search(r"session (\S+)", out).group(1)
    work = float(re.search(r"· ([\d.]+) s", out).group(1))
    import sqlite3
    with sqlite3.connect(os.path.join(store, "fleetml.db")) as db:
        devices, rows, mse = db.execute("SELECT count(*), sum(n_rows), avg(mse) FROM device_runs WHERE session_id = ? AND status = 'OK'",
                                        (session,)).fetchone()
    return dict(engine=SPARK, devices=devices, rows=rows, wall=wall, work=work, peak=peak, mse=mse, session=session)


def fleetml_score(name, data, session, store):
    out, wall, peak = timed([FLEETML, "score", "--data", data, "--session", session, "--store", store, "--out",
                             f"{name}-predictions.parquet"], f"{name}-fleetml.log")
    m = re.search(r"scored ([\d,]+) of ([\d,]+) records \(([\d,]+) devices\) with session \S+ in ([\d.]+) s", out)
    return dict(engine="fleetml", devices=int(m.group(3).replace(",", "")), rows=int(m.group(2).replace(",", "")), wall=wall,
                work=float(m.group(4)), peak=peak, mse=None)


def bare(name, mode, store, session, data, max_devices=None):
    out, wall, peak = timed(["java", "-cp", JAR, BARE, mode, store, session, data] + ([str(max_devices)] if max_devices else []),
                            f"{name}-bare.log")
    j = json.loads(out.strip().splitlines()[-1])
    return dict(engine="bare", devices=j["devices"], rows=j["rows"], wall=j["seconds"], work=j["seconds"], peak=peak,
                mse=j.get("mean_holdout_mse"))


def sklearn(name, args):
    out, wall, peak = timed(["/usr/bin/python3", SKLEARN, "--json"] + args, f"{name}-sklearn.log")
    j = json.loads(out.strip().splitlines()[-1])
    loop = j.get("train_seconds", j.get("score_seconds"))
    rows = j.get("rows", j.get("records"))
    return dict(engine="scikit-learn", devices=j["devices"], rows=rows, wall=j["read_seconds"] + loop, work=loop,
                peak=max(j.get("peak_rss_self_mb", 0), j.get("peak_rss_children_mb", 0)), mse=j.get("mean_holdout_mse"))


def main():
    ap = argparse.ArgumentParser(description="fleetml benchmark suite")
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke test of the harness")
    ap.add_argument("--out", default=os.path.join(HERE, "bench", "out"), help="work directory (data, logs, results.md)")
    ap.add_argument("--repeat", type=int, default=1, help="take every measurement N times, the engines in turns, and report the median run")
    a = ap.parse_args()
    global REPEAT
    REPEAT = max(1, a.repeat)
    os.makedirs(a.out, exist_ok=True)
    os.chdir(a.out)
    q = a.quick
    seed_devices, seed_rows = (4, 5_000) if q else (10, 100_000)
    fleet_devices = 2_000 if q else 100_000
    sk_linear, sk_forest = (500, 100) if q else (5_000, 1_000)  # scikit-learn runs on a subset: its rate is compared
    bare_forest = None if q else 20_000  # so does the bare forest loop, one device at a time
    tag = "quick" if q else "full"
    store = f"store-{tag}"
    generate(f"seed-{tag}.parquet", seed_devices, seed_rows)
    generate(f"seed-{tag}.csv", seed_devices, seed_rows)
    generate(f"fleet-{tag}.parquet", fleet_devices, 100)
    generate(f"fleet-sk-{tag}.csv", sk_linear, 100)
    rows = []

    def workload(name, data, runs):
        for r in runs:
            r["workload"], r["data"] = name, data
            rows.append(r)
            print(f"  {name:14} {r['engine']:14} {r['wall']:8.2f} s", flush=True)

    seed_rf = ["n_estimators=100", "max_depth=8"]
    print("seed ...", flush=True)
    runs = side_by_side(
        lambda: fleetml_train("seed", f"seed-{tag}.parquet", SYNTH, "random_forest", seed_rf, store),
        lambda: fleetml_spark_train("seed", f"seed-{tag}.parquet", SYNTH, "random_forest", seed_rf, store),
        lambda: bare("seed", "train", store, SESSIONS["seed"], f"seed-{tag}.parquet"),
        lambda: sklearn("seed", ["--data", f"seed-{tag}.csv"] + SYNTH + ["--algorithm", "random_forest", "--n-estimators", "100",
                                                                          "--max-depth", "8", "--models-dir", f"sk-seed-{tag}"]))
    workload("seed", f"{seed_devices} × {seed_rows:,}", runs)
    seed_session = runs[0]["session"]

    print("fleet ...", flush=True)
    # --fleet stack on the same data right after the plain linear training, in turns with it: their ratio is this run's
    runs = side_by_side(
        lambda: fleetml_train("fleet-linear", f"fleet-{tag}.parquet", SYNTH, "linear", [], store),
        lambda: fleetml_train("fleet-stack", f"fleet-{tag}.parquet", SYNTH, "linear", [], store, ["--fleet", "stack"], STACK),
        lambda: bare("fleet-linear", "train", store, SESSIONS["fleet-linear"], f"fleet-{tag}.parquet"),
        lambda: sklearn("fleet-linear", ["--data", f"fleet-sk-{tag}.csv"] + SYNTH + ["--algorithm", "linear", "--models-dir", f"sk-linear-{tag}"]))
    workload("fleet linear", f"{fleet_devices:,} × 100", [runs[0]] + runs[2:])
    workload("fleet stack", f"{fleet_devices:,} × 100", [runs[1]])
    linear_session = runs[0]["session"]
    workload("fleet forest", f"{fleet_devices:,} × 100", side_by_side(
        lambda: fleetml_train("fleet-forest", f"fleet-{tag}.parquet", SYNTH, "random_forest", ["n_estimators=20", "max_depth=6"], store),
        lambda: bare("fleet-forest", "train", store, SESSIONS["fleet-forest"], f"fleet-{tag}.parquet", bare_forest),
        lambda: sklearn("fleet-forest", ["--data", f"fleet-sk-{tag}.csv"] + SYNTH + ["--algorithm", "random_forest", "--n-estimators", "20",
                                                                                  "--max-depth", "6", "--max-devices", str(sk_forest)])))

    print("score ...", flush=True)
    workload("score linear", f"{fleet_devices:,} × 100", side_by_side(
        lambda: fleetml_score("score-linear", f"fleet-{tag}.parquet", linear_session, store),
        lambda: bare("score-linear", "score", store, linear_session, f"fleet-{tag}.parquet"),
        lambda: sklearn("score-linear", ["--score", "--data", f"fleet-sk-{tag}.csv", "--device-column", "device_id",
                                         "--features", "feature_1,feature_2,feature_3", "--models-dir", f"sk-linear-{tag}"])))
    workload("score forests", f"{seed_devices} × {seed_rows:,}", side_by_side(
        lambda: fleetml_score("score-seed", f"seed-{tag}.parquet", seed_session, store),
        lambda: bare("score-seed", "score", store, seed_session, f"seed-{tag}.parquet"),
        lambda: sklearn("score-seed", ["--score", "--data", f"seed-{tag}.csv", "--device-column", "device_id",
                                       "--features", "feature_1,feature_2,feature_3", "--models-dir", f"sk-seed-{tag}"])))

    print("real ...", flush=True)
    beijing = os.path.join(BEIJING, "*.csv.gz")
    workload("real", "12 stations, Beijing", side_by_side(
        lambda: fleetml_train("real", beijing, REAL, "gradient_boosting", [], store),
        lambda: bare("real", "train", store, SESSIONS["real"], beijing),
        lambda: sklearn("real", ["--data", beijing] + REAL + ["--algorithm", "gradient_boosting", "--n-estimators", "100",
                                                                "--max-depth", "3", "--learning-rate", "0.1"])))

    print("store ...", flush=True)
    table = report(rows, tag) + store_listings(tag, 10_000 if q else 1_000_000)
    with open("results.md", "w") as out:
        out.write(table)
    print("\n" + table)
    print(f"written to {os.path.join(a.out, 'results.md')}")


def report(rows, tag):
    def fmt(v, d=2):
        return "-" if v is None else (f"{v:,.0f}" if v >= 1000 else f"{v:.{d}f}")

    lines = [f"fleetml benchmark ({tag} run{f', median of {REPEAT} runs each' if REPEAT > 1 else ''}), "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, Java: {java_version()}",
             "",
             "| workload | data | engine | rows | devices | wall s | work s | devices/s | rows/s | peak MB | holdout MSE | scikit-learn ÷ fleetml | fleetml ÷ bare |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    by = {}
    for r in rows:
        by.setdefault(r["workload"], {})[r["engine"]] = r
    for r in rows:
        w = by[r["workload"]]
        sk, ba = w.get("scikit-learn"), w.get("bare")
        speedup = slower = None
        if r["engine"] in ("fleetml", SPARK):
            # rates, not seconds: the baselines may run on a subset of the devices
            rate = r["rows"] / r["work"]
            speedup = rate / (sk["rows"] / sk["work"]) if sk else None
            slower = (ba["rows"] / ba["work"]) / rate if ba else None
        mse = "-" if r["mse"] is None else f"{r['mse']:.5g}"
        speedup = "-" if speedup is None else f"{speedup:.1f}×"
        slower = "-" if slower is None else f"{slower:.2f}"
        lines.append(f"| {r['workload']} | {r['data']} | {r['engine']} | {r['rows']:,} | {r['devices']:,} | {fmt(r['wall'])} | "
                     f"{fmt(r['work'])} | {fmt(r['devices'] / r['work'], 1)} | {fmt(r['rows'] / r['work'], 0)} | {fmt(r['peak'], 0)} | {mse} | "
                     f"{speedup} | {slower} |")
    plain, stack = by.get("fleet linear", {}).get("fleetml"), by.get("fleet stack", {}).get(STACK)
    if plain and stack:
        ratio = stack["wall"] / plain["wall"]
        lines += ["", f"fleet stack ÷ fleet linear (the same fleet, `--algorithm linear` with and without `--fleet stack`, in turns in "
                      f"this run): wall {ratio:.2f}× ({fmt(stack['wall'])} s ÷ {fmt(plain['wall'])} s), work "
                      f"{stack['work'] / plain['work']:.2f}×; target at most {STACK_TARGET}× wall: "
                      f"{'met' if ratio <= STACK_TARGET else 'missed'}. Its holdout MSE is the device models' (fit on 60% of "
                      f"each device's rows, 20% going to validation), not the chosen models'."]
    lines += ["", "wall s: fleetml, the whole command (JVM start included); scikit-learn, reading plus its per-device loop",
              "(interpreter start excluded); bare, its loop over in-memory arrays. work s, which the rates and ratios use:",
              "fleetml, the session's (or scoring's) own time: reading, training or predicting, storing, tracking, writing;",
              "scikit-learn, its per-device loop (reading excluded); bare, its loop. scikit-learn ÷ fleetml compares rows",
              "per second, and fleetml ÷ bare is the bare loop's rows per second over fleetml's (time per row), so either",
              "baseline may run on a subset of the devices. Logs and data are beside results.md.", ""]
    return "\n".join(lines)


def store_listings(tag, devices):
    """What reading a big session costs a user: listing commands on a session of `devices` linear models, each the
    whole command (JVM start included) with a 256 MB heap, the median of REPEAT runs. A device listing is paged,
    filtered and sorted by the store, so its time and memory do not grow with the session."""
    data, store = f"store-fleet-{tag}.parquet", f"store-big-{tag}"
    generate(data, devices, 10)
    out, wall, _ = timed([FLEETML, "train", "--data", data] + SYNTH + ["--algorithm", "linear", "--min-rows", "5", "--store", store,
                                                                       "--experiment", "big"], "store-train.log")
    session = re.search(r"session (\S+)", out).group(1)
    env = dict(os.environ, FLEETML_JAVA_OPTS="-Xmx256m")
    commands = [("fleetml --version (JVM start)", ["--version"]),
                ("sessions", ["sessions"]),
                ("sessions show SESSION", ["sessions", "show", session]),
                ("devices SESSION --limit 5", ["devices", session, "--limit", "5"]),
                ("devices SESSION --sort mse --limit 5", ["devices", session, "--sort", "mse", "--limit", "5"]),
                ("devices SESSION --sort r2 --limit 5", ["devices", session, "--sort", "r2", "--limit", "5"]),
                ("devices SESSION --status FAILED --limit 5", ["devices", session, "--status", "FAILED", "--limit", "5"]),
                (f"devices SESSION --offset {devices // 2:,} --limit 5", ["devices", session, "--offset", str(devices // 2), "--limit", "5"]),
                ("devices SESSION --out all.parquet", ["devices", session, "--limit", "1", "--out", "store-all.parquet"])]
    lines = ["", f"Store listings: one session of {devices:,} linear models (trained in {wall:.1f} s, whole command), "
                 f"every command as a user runs it with FLEETML_JAVA_OPTS=-Xmx256m, median of {REPEAT} run(s)", "",
             "| command | wall s | peak MB |", "| --- | --- | --- |"]
    for label, args in commands:
        runs = [timed([FLEETML] + args + ([] if args == ["--version"] else ["--store", store]), "store-list.log", env) for _ in range(REPEAT)]
        _, w, peak = sorted(runs, key=lambda r: r[1])[len(runs) // 2]
        lines.append(f"| `{label}` | {w:.2f} | {peak:.0f} |")
        print(f"  {label:44} {w:6.2f} s {peak:6.0f} MB", flush=True)
    return "\n".join(lines) + "\n"


def java_version():
    p = subprocess.run(["java", "-version"], capture_output=True, text=True)
    return p.stderr.splitlines()[0] if p.stderr else "?"


if __name__ == "__main__":
    main()
