#!/usr/bin/python3
"""Per-device training and scoring baseline in plain scikit-learn: the script a data scientist would write.

Training (default): reads a fleet data set with pandas, groups it by device and trains one model
per device in parallel with joblib, scores a holdout, pickles each model, reports timings and errors.
Scoring (--score): reads a data set, groups it by device, loads each device's pickle from
--models-dir once and predicts all of that device's rows; reports timings (no output file
unless --out is given). --max-devices N restricts either mode to the first N devices (sorted).

Example (Beijing air quality, 12 stations, time-ordered holdout):
  /usr/bin/python3 bench/sklearn_baseline.py \
      --data '/work/shared/data/beijing-air-quality/*.csv.gz' --device-column station \
      --features TEMP,PRES,DEWP,RAIN,WSPM --label PM2.5 --time-column No \
      --algorithm random_forest --n-estimators 100 --max-depth 10 --models-dir /tmp/models --json
  /usr/bin/python3 bench/sklearn_baseline.py --score --models-dir /tmp/models \
      --data '/work/shared/data/beijing-air-quality/*.csv.gz' --device-column station \
      --features TEMP,PRES,DEWP,RAIN,WSPM --json [--out /tmp/predictions.csv]
"""
import argparse, glob, json, math, os, pickle, re, resource, statistics, sys, time

import numpy as np
import pandas as pd
import sklearn
from joblib import Parallel, delayed
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

# RandomForestRegressor accepts NaN features only from scikit-learn 1.4 on.
SK_VERSION = tuple(int(p) for p in re.findall(r"\d+", sklearn.__version__)[:2])
RF_HANDLES_NAN = SK_VERSION >= (1, 4)


# Default workers for --score: sequential. Measured on 2 CPUs (200 devices x 100 rows and
# 10 x 5000 rows, all three algorithms) it beat 2 joblib workers every time, e.g. GBT 0.53 s vs
# 1.20 s, Ridge 0.11 s vs 1.31 s, RF 1.44 s vs 1.64 s: loading and predicting one small model
# takes ~0.5-120 ms, less than starting workers and shipping rows to them. --jobs N overrides.
SCORE_DEFAULT_JOBS = 1


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, nargs="+",
                   help="csv, csv.gz or parquet file(s); globs allowed; several files are concatenated")
    p.add_argument("--device-column", required=True)
    p.add_argument("--features", required=True, help="comma-separated feature columns")
    p.add_argument("--label", help="label column (training only)")
    p.add_argument("--algorithm", choices=["random_forest", "gradient_boosting", "linear"])  # training only
    p.add_argument("--n-estimators", type=int, default=100, help="trees (RF) / max_iter (GBT)")
    p.add_argument("--max-depth", type=int, default=None)
    p.add_argument("--learning-rate", type=float, default=0.1, help="gradient_boosting only")
    p.add_argument("--alpha", type=float, default=1.0, help="linear (Ridge) only")
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--time-column", default=None,
                   help="time-ordered holdout: last fraction of each device's rows by this column")
    p.add_argument("--max-devices", type=int, help="use only the first N devices in sorted order")
    p.add_argument("--jobs", type=int, default=None,
                   help=f"joblib workers (default: all CPUs for training, {SCORE_DEFAULT_JOBS} for --score)")
    p.add_argument("--models-dir", help="one <device>.pkl per device: written by training, read by --score")
    p.add_argument("--score", action="store_true", help="predict --data with --models-dir, no training")
    p.add_argument("--out", help="--score only: write record_id (or row index),device,prediction CSV")
    p.add_argument("--json", action="store_true", help="print one JSON line of results")
    a = p.parse_args()
    if a.score and not a.models_dir:
        p.error("--score needs --models-dir")
    if not a.score and not (a.label and a.algorithm):
        p.error("training needs --label and --algorithm")
    if a.jobs is None:
        a.jobs = SCORE_DEFAULT_JOBS if a.score else os.cpu_count()
    return a


def read_data(patterns, columns, optional=()):
    """Read and concatenate all files: only the needed columns, plus the `optional` ones that a CSV
    file has. Parquet needs pyarrow/fastparquet (not installed here: use CSV / CSV.gz)."""
    paths = sorted(p for pat in patterns for p in (glob.glob(pat) or [pat]))
    wanted = set(columns) | set(optional)
    frames = []
    for path in paths:
        if path.endswith((".parquet", ".pq")):
            frames.append(pd.read_parquet(path, columns=columns))  # ImportError if no engine
        else:  # "NA"/"" become NaN by default
            frames.append(pd.read_csv(path, usecols=lambda c: c in wanted))
    data = pd.concat(frames, ignore_index=True)
    missing = [c for c in columns if c not in data.columns]
    if missing:
        sys.exit(f"columns not found in {paths}: {missing}")
    return data, len(paths)


def load(a, columns, optional=()):
    """Read the data, then apply --max-devices: keep only the first N devices in sorted order (the
    order groupby uses), keeping the original row index. The timing includes the filter.
    Returns data, number of files, number of devices in the files, seconds."""
    t0 = time.perf_counter()
    data, n_files = read_data(a.data, columns, optional)
    devices = np.sort(data[a.device_column].dropna().unique())
    if a.max_devices is not None and a.max_devices < len(devices):
        data = data[data[a.device_column].isin(devices[:a.max_devices])]
    return data, n_files, len(devices), time.perf_counter() - t0


def safe_name(device):
    """Model file name for a device; training and scoring must agree on it."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(device)) + ".pkl"


def make_model(a):
    if a.algorithm == "random_forest":
        return RandomForestRegressor(n_estimators=a.n_estimators, max_depth=a.max_depth,
                                     n_jobs=1, random_state=42)
    if a.algorithm == "gradient_boosting":  # handles NaN natively
        return HistGradientBoostingRegressor(max_iter=a.n_estimators, max_depth=a.max_depth,
                                             learning_rate=a.learning_rate, random_state=42)
    return Ridge(alpha=a.alpha)


def train_device(device, df, a, features):
    """Clean, split, fit, score and pickle one device's model; return its metrics."""
    n_in = len(df)
    df = df.dropna(subset=[a.label])
    if a.algorithm == "linear" or (a.algorithm == "random_forest" and not RF_HANDLES_NAN):
        df = df.dropna(subset=features)
    if len(df) < 2:
        return {"device": str(device), "rows_in": n_in, "rows_used": len(df), "skipped": True}
    if a.time_column:  # time-ordered holdout: last rows of the device's history
        df = df.sort_values(a.time_column, kind="stable")
        n_test = max(1, math.ceil(len(df) * a.test_fraction))
        train, test = df.iloc[:-n_test], df.iloc[-n_test:]
    else:
        train, test = train_test_split(df, test_size=a.test_fraction, random_state=42)
    model = make_model(a).fit(train[features].to_numpy(np.float64), train[a.label].to_numpy(np.float64))
    y, pred = test[a.label].to_numpy(np.float64), model.predict(test[features].to_numpy(np.float64))
    mse = float(mean_squared_error(y, pred))
    if a.models_dir:
        with open(os.path.join(a.models_dir, safe_name(device)), "wb") as f:
            pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
    return {"device": str(device), "rows_in": n_in, "rows_used": len(df), "train_rows": len(train),
            "test_rows": len(test), "mse": mse, "rmse": math.sqrt(mse),
            "mae": float(mean_absolute_error(y, pred)),
            "r2": float(r2_score(y, pred)) if len(test) > 1 else float("nan"), "skipped": False}


def score_device(device, df, a, features, keep_predictions):
    """Load one device's pickle once and predict all its rows. Rows with missing features are
    not predicted by models that cannot take NaN (Ridge, RF before sklearn 1.4); nor are the
    rows of a device that has no model file."""
    path = os.path.join(a.models_dir, safe_name(device))
    have_model = os.path.exists(path)
    X = df[features].to_numpy(np.float64)
    pred, ok = np.full(len(X), np.nan), np.zeros(len(X), bool)
    if have_model:
        with open(path, "rb") as f:
            model = pickle.load(f)
        handles_nan = isinstance(model, HistGradientBoostingRegressor) or (
            isinstance(model, RandomForestRegressor) and RF_HANDLES_NAN)
        ok = np.ones(len(X), bool) if handles_nan else ~np.isnan(X).any(axis=1)
        if ok.any():
            pred[ok] = model.predict(X[ok])
    r = {"rows": len(df), "predicted": int(ok.sum()), "no_model": not have_model}
    if keep_predictions:  # only kept when --out is given
        ids = df["record_id"].to_numpy() if "record_id" in df.columns else df.index.to_numpy()
        r["frame"] = pd.DataFrame({"record_id": ids, "device": device, "prediction": pred})
    return r


def shutdown_workers(jobs):
    """Shut the joblib (loky) workers down so their peak RSS lands in RUSAGE_CHILDREN.
    Not with jobs == 1: get_reusable_executor() would start a worker pool just to stop it."""
    if jobs == 1:
        return
    try:
        from joblib.externals.loky import get_reusable_executor
        get_reusable_executor().shutdown(wait=True)
    except Exception:
        pass


def peak_rss():  # ru_maxrss is in KiB on Linux. Children: ~33 MB even with no workers, from a
    # short-lived subprocess that `import pandas` starts here.
    mb = lambda who: round(resource.getrusage(who).ru_maxrss / 1024, 1)
    return {"peak_rss_self_mb": mb(resource.RUSAGE_SELF),
            "peak_rss_children_mb": mb(resource.RUSAGE_CHILDREN)}


def run_parallel(fn, groups, jobs, *args):
    """fn(device, rows, *args) for every device group; joblib workers unless jobs == 1."""
    if jobs == 1:  # plain loop, no worker processes
        return [fn(dev, g, *args) for dev, g in groups]
    return Parallel(n_jobs=jobs)(delayed(fn)(dev, g, *args) for dev, g in groups)


def score(a, features):
    optional = ["record_id"] if a.out else []  # the id column is only needed for --out
    data, n_files, devices_total, read_s = load(a, [a.device_column, *features], optional)

    # The timed part: group by device, load each model once, predict all its rows.
    t0 = time.perf_counter()
    groups = data.groupby(a.device_column, sort=True)
    results = run_parallel(score_device, groups, a.jobs, a, features, bool(a.out))
    score_s = time.perf_counter() - t0
    shutdown_workers(a.jobs)

    t0, write_s = time.perf_counter(), None
    if a.out and results:  # every row; the prediction is empty where a row was not predicted
        pd.concat([r["frame"] for r in results]).to_csv(a.out, index=False)
        write_s = round(time.perf_counter() - t0, 4)

    records = sum(r["rows"] for r in results)
    return {
        "mode": "score", "sklearn_version": sklearn.__version__, "jobs": a.jobs, "files": n_files,
        "devices": len(results), "devices_total": devices_total,
        "devices_without_model": sum(r["no_model"] for r in results),
        "records": records, "records_predicted": sum(r["predicted"] for r in results),
        "read_seconds": round(read_s, 4), "score_seconds": round(score_s, 4),
        "records_per_second": round(records / score_s, 1) if score_s else None,
        "devices_per_second": round(len(results) / score_s, 3) if score_s else None,
        "out": a.out, "write_seconds": write_s, **peak_rss()}, None


def train(a, features):
    columns = list(dict.fromkeys([a.device_column, *features, a.label]
                                 + ([a.time_column] if a.time_column else [])))
    if a.models_dir:
        os.makedirs(a.models_dir, exist_ok=True)
    data, n_files, devices_total, read_s = load(a, columns)

    # The timed part: group by device and train every device in parallel.
    t0 = time.perf_counter()
    groups = data.groupby(a.device_column, sort=True)
    results = run_parallel(train_device, groups, a.jobs, a, features)
    train_s = time.perf_counter() - t0
    shutdown_workers(a.jobs)

    done = [r for r in results if not r["skipped"]]
    mses, rows = [r["mse"] for r in done], len(data)
    return {
        "mode": "train", "algorithm": a.algorithm, "sklearn_version": sklearn.__version__,
        "jobs": a.jobs, "files": n_files, "devices": len(results), "devices_total": devices_total,
        "devices_trained": len(done), "rows": rows, "rows_used": sum(r["rows_used"] for r in results),
        "read_seconds": round(read_s, 4), "train_seconds": round(train_s, 4),
        "devices_per_second": round(len(results) / train_s, 3) if train_s else None,
        "rows_per_second": round(rows / train_s, 1) if train_s else None,
        "mean_holdout_mse": statistics.fmean(mses) if mses else None,
        "median_holdout_mse": statistics.median(mses) if mses else None,
        "holdout": f"time-ordered by {a.time_column}" if a.time_column else "random (seed 42)",
        "test_fraction": a.test_fraction, **peak_rss(),
        "nan_handling": {
            "random_forest": "native NaN support" if RF_HANDLES_NAN else
                f"rows with missing features dropped (sklearn {sklearn.__version__} < 1.4: RF rejects NaN)",
            "gradient_boosting": "native NaN support",
            "linear": "rows with missing features dropped"}[a.algorithm],
    }, results


def main():
    a = parse_args()
    features = [f.strip() for f in a.features.split(",") if f.strip()]
    out, results = score(a, features) if a.score else train(a, features)
    if a.json:
        print(json.dumps(out))
        return
    for k, v in out.items():
        print(f"{k:>22}: {v}")
    if results is None:  # scoring: no per-device metrics
        return
    print("\nper device:")
    for r in results:
        if r["skipped"]:
            print(f"  {r['device']:>16}  skipped ({r['rows_used']} usable rows)")
        else:
            print(f"  {r['device']:>16}  used {r['rows_used']:>7}/{r['rows_in']:<7} mse {r['mse']:.4f}"
                  f"  rmse {r['rmse']:.4f}  mae {r['mae']:.4f}  r2 {r['r2']:.4f}")


if __name__ == "__main__":
    sys.exit(main())
