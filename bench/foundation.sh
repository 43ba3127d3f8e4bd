#!/usr/bin/env bash
# The foundation issue's numbers, side by side in one run:
#   seed:  10 devices x 100,000 rows, random_forest n_estimators=100 max_depth=8 —
#          fleetml (read + train + evaluate + store + track) vs the bare XGBoost loop vs scikit-learn
#   fleet: 100,000 devices x 100 rows, linear — devices per second trained, tracked and stored
# Usage: bench/foundation.sh [WORKDIR]   (needs /usr/bin/python3 with python3-sklearn, python3-pandas)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$here/bench/out}"
mkdir -p "$work"
cd "$work"
fleetml="$here/fleetml"
jar="$here/fleetml-cli/target/fleetml.jar"
"$fleetml" --version >/dev/null   # builds on first use

[ -f seed.parquet ] || "$fleetml" generate --devices 10 --rows-per-device 100000 --out seed.parquet --seed 42
[ -f seed.csv ] || "$fleetml" generate --devices 10 --rows-per-device 100000 --out seed.csv --seed 42
[ -f fleet.parquet ] || "$fleetml" generate --devices 100000 --rows-per-device 100 --out fleet.parquet --seed 42

echo "== seed: scikit-learn RandomForestRegressor, joblib over devices ($(nproc) workers)"
/usr/bin/python3 "$here/bench/sklearn_baseline.py" --data seed.csv --device-column device_id \
  --features feature_1,feature_2,feature_3 --label label --algorithm random_forest --n-estimators 100 --max-depth 8 \
  --models-dir sklearn-models --json | tee sklearn-seed.json
echo "== seed: fleetml vs bare XGBoost (3 alternating reps, medians)"
java -cp "$jar" "$here/bench/FleetBench.java" seed.parquet random_forest n_estimators=100 max_depth=8 | tee fleetml-seed.txt
echo "== fleet: fleetml vs bare ridge fits (3 alternating reps, medians)"
java -cp "$jar" "$here/bench/FleetBench.java" fleet.parquet linear | tee fleetml-fleet.txt
echo "== fleet: the CLI, cold JVM, wall time of the whole command"
start=$(date +%s.%N)
"$fleetml" train --data fleet.parquet --device-column device_id --features feature_1,feature_2,feature_3 --label label \
  --algorithm linear --store "$work/cli-store" | tee fleetml-fleet-cli.txt
end=$(date +%s.%N)

python3 - "$start" "$end" <<'PY'
import json, re, sys
sk = json.load(open("sklearn-seed.json"))
seed = dict(kv.split("=") for kv in re.search(r"RESULT (.*)", open("fleetml-seed.txt").read()).group(1).split())
fleet = dict(kv.split("=") for kv in re.search(r"RESULT (.*)", open("fleetml-fleet.txt").read()).group(1).split())
cli_s = float(sys.argv[2]) - float(sys.argv[1])
f = float(seed["fleetml_s"])
print()
print("| workload | measure | value | target |")
print("| --- | --- | --- | --- |")
print(f"| seed | fleetml train+track+store | {f:.2f} s | |")
print(f"| seed | bare XGBoost loop | {float(seed['bare_s']):.2f} s | |")
print(f"| seed | scikit-learn loop | {sk['train_seconds']:.2f} s | |")
print(f"| seed | fleetml / bare XGBoost | {float(seed['ratio']):.3f} | ≤ 1.15 |")
print(f"| seed | scikit-learn / fleetml (speed-up) | {sk['train_seconds'] / f:.1f}× | ≥ 10× |")
print(f"| seed | holdout MSE fleetml / scikit-learn | {float(seed['fleetml_mse']) / sk['mean_holdout_mse']:.4f} ({float(seed['fleetml_mse']):.5f} vs {sk['mean_holdout_mse']:.5f}) | ≤ 1.02 |")
print(f"| fleet | fleetml devices/s (in-process, median of 3) | {float(fleet['fleetml_devices_per_s']):,.0f} | ≥ 20,000 |")
print(f"| fleet | fleetml devices/s (CLI, cold JVM, whole command) | {100000 / cli_s:,.0f} ({cli_s:.2f} s) | |")
print(f"| fleet | bare ridge fits, devices/s | {100000 / float(fleet['bare_s']):,.0f} | |")
PY
