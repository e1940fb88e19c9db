#!/usr/bin/env bash
# Tisheng's coverage and siting beside the tools a planner would use
# instead, on the same seeded instances, in the same run: SciPy's cKDTree
# (nearest site), GDAL's gdal_proximity.py (distance surface) and PuLP with
# CBC (maximal covering). Installs what is missing from Debian, builds
# tisheng_bench_coverage (Release), writes the instances, runs Tisheng then
# the peer on each, and prints two markdown tables on stdout (targets, and
# every comparison with peer / Tisheng ratios and error figures). Progress
# goes to stderr; the JSON lines stay in $TISHENG_BENCH_PEERS_DIR/results.jsonl.
#
#   bash bench/peers/run.sh
#   TISHENG_BENCH_CBC_TIME_LIMIT=30 bash bench/peers/run.sh   # a quicker run
#
# Environment (defaults in brackets):
#   BUILD_DIR [build-bench]   TISHENG_BENCH_PEERS_DIR [$BUILD_DIR/coverage-peers]
#   TISHENG_BENCH_CASES [nearest,surface,mclp]   TISHENG_BENCH_SEED [20261121]
#   TISHENG_BENCH_THREADS [1,2]   TISHENG_BENCH_CBC_TIME_LIMIT [300]
#   TISHENG_BENCH_CBC_THREADS [1]   TISHENG_BENCH_HEURISTIC_TIME_LIMIT [2]
#   TISHENG_BENCH_GDAL_REPS [1] (runs of each GDAL command; median)
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${BUILD_DIR:-build-bench}
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.ccache}
scratch=$(realpath -m "${TISHENG_BENCH_PEERS_DIR:-$build/coverage-peers}")
cases=${TISHENG_BENCH_CASES:-nearest,surface,mclp}
seed=${TISHENG_BENCH_SEED:-20261121}
threads=${TISHENG_BENCH_THREADS:-1,2}
cbc_limit=${TISHENG_BENCH_CBC_TIME_LIMIT:-300}
cbc_threads=${TISHENG_BENCH_CBC_THREADS:-1}
heuristic_limit=${TISHENG_BENCH_HEURISTIC_TIME_LIMIT:-2}
gdal_reps=${TISHENG_BENCH_GDAL_REPS:-1}

# The peers from Debian, and what configuring bench/ needs (libbenchmark-dev;
# the engine's own build dependencies: bash .ci/bootstrap build).
packages=(python3-scipy python3-numpy gdal-bin python3-gdal python3-pulp coinor-cbc libbenchmark-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
# Debian's interpreter, where apt put the modules (not a pyenv or venv python3).
python=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in bench/peers/
export PATH=/usr/bin:$PATH  # gdal_proximity.py and gdal_translate from gdal-bin, cbc from coinor-cbc

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DTISHENG_BUILD_BENCH=ON -DTISHENG_BUILD_TESTS=OFF >&2
cmake --build "$build" -j "$(nproc)" --target tisheng_bench_coverage >&2
bench=$build/bench/tisheng_bench_coverage
peers=bench/peers

mkdir -p "$scratch"
results=$scratch/results.jsonl
: > "$results"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
step() {  # runs a command, its stdout (JSON lines) appended to the results
  echo "run.sh: $*" >&2
  "$@" | tee -a "$results" >&2
}
IFS=, read -ra todo <<< "$cases"
for c in "${todo[@]}"; do
  dir=$scratch/$c
  "$bench" --write-instance "$dir" --case "$c" --seed "$seed"
  case "$c" in
    nearest)
      step "$bench" --instance "$dir" --case nearest --threads "$threads"
      step "$python" "$peers/nearest_scipy.py" "$dir" --threads "$threads" ;;
    surface)
      step "$bench" --instance "$dir" --case surface --threads "$threads"
      step "$python" "$peers/surface_gdal.py" "$dir" --reps "$gdal_reps"
      rm -f "$dir/tisheng_distance.tif" ;;  # 100 MB, checked by surface_gdal.py
    mclp)
      step "$bench" --instance "$dir" --case mclp --time-limit "$heuristic_limit"
      step "$python" "$peers/mclp_pulp.py" "$dir" --time-limit "$cbc_limit" --threads "$cbc_threads" ;;
    *) echo "run.sh: unknown case '$c' (nearest, surface, mclp)" >&2; exit 2 ;;
  esac
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- engine 2>/dev/null || commit="$commit + uncommitted engine changes"
echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), commit $commit, seed $seed;" \
     "load average at the start $load0, at the end $(cut -d' ' -f1-3 /proc/loadavg)."
echo
"$python" "$peers/table.py" "$results"
