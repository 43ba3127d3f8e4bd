#!/usr/bin/env bash
# Spark local[2] against the local engine, one script run, same data and seeds:
#   seed:  10 devices x 100,000 rows, random_forest n_estimators=100 max_depth=8
#   small: 10,000 devices x 100 rows, linear
# Prints whole-command wall time and the session's own time (without JVM and Spark start-up).
# Usage: bench/spark.sh [WORKDIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$here/bench/out}"
mkdir -p "$work"
cd "$work"
fleetml="$here/fleetml"
"$fleetml" --version >/dev/null   # builds on first use
[ -f seed.parquet ] || "$fleetml" generate --devices 10 --rows-per-device 100000 --out seed.parquet --seed 42
[ -f small.parquet ] || "$fleetml" generate --devices 10000 --rows-per-device 100 --out small.parquet --seed 42
cols=(--device-column device_id --features feature_1,feature_2,feature_3 --label label)

run() { # name, command...
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" > "$name.txt" 2>"$name.err"
  end=$(date +%s.%N)
  local session
  session=$(grep -oE '· [0-9.]+ s' "$name.txt" | head -1 | grep -oE '[0-9.]+')
  printf '| %s | %.1f | %s |\n' "$name" "$(echo "$end - $start" | bc)" "$session"
}

echo "| run | wall s | session s |"
echo "| --- | --- | --- |"
run local-seed "$fleetml" train --data seed.parquet "${cols[@]}" --param n_estimators=100 --param max_depth=8 --store local-store
run spark-seed "$fleetml" spark train --master 'local[2]' --data seed.parquet "${cols[@]}" --param n_estimators=100 --param max_depth=8 --store spark-store
run local-small "$fleetml" train --data small.parquet "${cols[@]}" --algorithm linear --store local-store
run spark-small "$fleetml" spark train --master 'local[2]' --data small.parquet "${cols[@]}" --algorithm linear --store spark-store
