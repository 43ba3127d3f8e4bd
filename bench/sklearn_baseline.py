#!/usr/bin/python3
"""Per-device training baseline in plain scikit-learn: the script a data scientist would write.

Reads a fleet data set with pandas, groups it by device and trains one model per device in
parallel with joblib, scores a holdout, pickles each model, and reports timings and errors.

Example (Beijing air quality, 12 stations, time-ordered holdout):
  /usr/bin/python3 bench/sklearn_baseline.py \
      --data '/work/shared/data/beijing-air-quality/*.csv.gz' --device-column station \
      --features TEMP,PRES,DEWP,RAIN,WSPM --label PM2.5 --time-column No \
      --algorithm random_forest --n-estimators 100 --max-depth 10 --models-dir /tmp/models --json
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


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, nargs="+",
                   help="csv, csv.gz or parquet file(s); globs allowed; several files are concatenated")
    p.add_argument("--device-column", required=True)
    p.add_argument("--features", required=True, help="comma-separated feature columns")
    p.add_argument("--label", required=True)
    p.add_argument("--algorithm", required=True, choices=["random_forest", "gradient_boosting", "linear"])
    p.add_argument("--n-estimators", type=int, default=100, help="trees (RF) / max_iter (GBT)")
    p.add_argument("--max-depth", type=int, default=None)
    p.add_argument("--learning-rate", type=float, default=0.1, help="gradient_boosting only")
    p.add_argument("--alpha", type=float, default=1.0, help="linear (Ridge) only")
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--time-column", default=None,
                   help="time-ordered holdout: last fraction of each device's rows by this column")
    p.add_argument("--jobs", type=int, default=os.cpu_count())
    p.add_argument("--models-dir", default=None, help="pickle one model per device here")
    p.add_argument("--json", action="store_true", help="print one JSON line of results")
    return p.parse_args()


def read_data(patterns, columns):
    """Read and concatenate all files (only the needed columns). Parquet needs pyarrow/fastparquet."""
    paths = sorted(p for pat in patterns for p in (glob.glob(pat) or [pat]))
    frames = []
    for path in paths:
        if path.endswith((".parquet", ".pq")):
            frames.append(pd.read_parquet(path, columns=columns))  # ImportError if no engine
        else:
            frames.append(pd.read_csv(path, usecols=columns))  # "NA"/"" become NaN by default
    return pd.concat(frames, ignore_index=True), len(paths)


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
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", str(device))
        with open(os.path.join(a.models_dir, safe + ".pkl"), "wb") as f:
            pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
    return {"device": str(device), "rows_in": n_in, "rows_used": len(df), "train_rows": len(train),
            "test_rows": len(test), "mse": mse, "rmse": math.sqrt(mse),
            "mae": float(mean_absolute_error(y, pred)),
            "r2": float(r2_score(y, pred)) if len(test) > 1 else float("nan"), "skipped": False}


def main():
    a = parse_args()
    features = [f.strip() for f in a.features.split(",") if f.strip()]
    columns = list(dict.fromkeys([a.device_column, *features, a.label]
                                 + ([a.time_column] if a.time_column else [])))
    if a.models_dir:
        os.makedirs(a.models_dir, exist_ok=True)

    t0 = time.perf_counter()
    data, n_files = read_data(a.data, columns)
    read_s = time.perf_counter() - t0

    # The timed part: group by device and train every device in parallel.
    t0 = time.perf_counter()
    groups = data.groupby(a.device_column, sort=True)
    results = Parallel(n_jobs=a.jobs)(delayed(train_device)(dev, g, a, features) for dev, g in groups)
    train_s = time.perf_counter() - t0

    # Shut the joblib (loky) workers down so their peak RSS lands in RUSAGE_CHILDREN.
    try:
        from joblib.externals.loky import get_reusable_executor
        get_reusable_executor().shutdown(wait=True)
    except Exception:
        pass

    done = [r for r in results if not r["skipped"]]
    mses = [r["mse"] for r in done]
    rows = len(data)
    kb = 1024  # ru_maxrss is in KiB on Linux
    out = {
        "algorithm": a.algorithm, "sklearn_version": sklearn.__version__, "jobs": a.jobs,
        "files": n_files, "devices": len(results), "devices_trained": len(done), "rows": rows,
        "rows_used": sum(r["rows_used"] for r in results),
        "read_seconds": round(read_s, 4), "train_seconds": round(train_s, 4),
        "devices_per_second": round(len(results) / train_s, 3) if train_s else None,
        "rows_per_second": round(rows / train_s, 1) if train_s else None,
        "mean_holdout_mse": statistics.fmean(mses) if mses else None,
        "median_holdout_mse": statistics.median(mses) if mses else None,
        "holdout": f"time-ordered by {a.time_column}" if a.time_column else "random (seed 42)",
        "test_fraction": a.test_fraction,
        "peak_rss_self_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kb, 1),
        "peak_rss_children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / kb, 1),
        "nan_handling": {
            "random_forest": "native NaN support" if RF_HANDLES_NAN else
                f"rows with missing features dropped (sklearn {sklearn.__version__} < 1.4: RF rejects NaN)",
            "gradient_boosting": "native NaN support",
            "linear": "rows with missing features dropped"}[a.algorithm],
    }
    if a.json:
        print(json.dumps(out))
        return
    for k, v in out.items():
        print(f"{k:>22}: {v}")
    print("\nper device:")
    for r in results:
        if r["skipped"]:
            print(f"  {r['device']:>16}  skipped ({r['rows_used']} usable rows)")
        else:
            print(f"  {r['device']:>16}  used {r['rows_used']:>7}/{r['rows_in']:<7} mse {r['mse']:.4f}"
                  f"  rmse {r['rmse']:.4f}  mae {r['mae']:.4f}  r2 {r['r2']:.4f}")


if __name__ == "__main__":
    sys.exit(main())
