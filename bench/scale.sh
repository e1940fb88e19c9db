#!/usr/bin/env bash
# Builds the simulation benchmarks, generates the synthetic data they need,
# runs them (one process per group, so that each peak memory covers one
# scenario) and prints two markdown tables on stdout: the issue's targets,
# and the scale table (µs per project should stay flat). Benchmark output
# goes to stderr; the JSON files stay in $BUILD_DIR/bench-results/.
#
#   bash bench/scale.sh
#
# Environment (defaults in brackets):
#   BUILD_DIR [build-bench]   TISHENG_BENCH_DATA [$BUILD_DIR/bench-data]
#   TISHENG_BENCH_SCALES [1,10,100]   TISHENG_BENCH_NATIONAL_SCALE [1]
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build-bench}
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.ccache}
TISHENG_BENCH_DATA=$(realpath -m "${TISHENG_BENCH_DATA:-$build/bench-data}")
export TISHENG_BENCH_DATA
export TISHENG_BENCH_SCALES=${TISHENG_BENCH_SCALES:-1,10,100}
export TISHENG_BENCH_NATIONAL_SCALE=${TISHENG_BENCH_NATIONAL_SCALE:-1}

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DTISHENG_BUILD_BENCH=ON -DTISHENG_BUILD_TESTS=OFF >&2
cmake --build "$build" >&2
tisheng=$build/engine/tisheng
bench=$build/bench/tisheng_bench_simulate

# The same folders the benchmark program would generate: <region>-x<scale>;
# the last file synth renames into place marks a complete set.
generate() {
  local dir=$TISHENG_BENCH_DATA/$1-x$2 last=candidate_sites.csv
  [ "$1" = national ] && last=scenario.yaml
  if [ ! -f "$dir/$last" ]; then
    echo "scale.sh: tisheng synth $1 --scale $2 --out $dir" >&2
    "$tisheng" synth "$1" --scale "$2" --out "$dir" >/dev/null
  fi
}
IFS=, read -ra scales <<< "$TISHENG_BENCH_SCALES"
for k in "${scales[@]}"; do generate jiangmen "$k"; done
generate national "$TISHENG_BENCH_NATIONAL_SCALE"

load0=$(cut -d' ' -f1-3 /proc/loadavg)
results=$build/bench-results
mkdir -p "$results"
run() {  # NAME FILTER
  echo "scale.sh: $bench --benchmark_filter='$2'" >&2
  "$bench" --benchmark_filter="$2" --benchmark_out="$results/$1.json" --benchmark_out_format=json >&2
}
run targets '^(jiangmen|quanzhou)/'
for k in "${scales[@]}"; do run "jiangmen-x$k" "^jiangmen_scale/replication/${k//./\\.}/"; done
run national "^national/"

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- engine 2>/dev/null || commit="$commit + uncommitted engine changes"
echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), commit $commit;" \
     "load average at the start $load0, at the end $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows the 2-thread run first)."
echo
python3 - "$results" "$TISHENG_BENCH_SCALES" "$TISHENG_BENCH_NATIONAL_SCALE" <<'EOF'
import json, statistics, sys
results, scales, nscale = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
to_ms = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}

def entries(file, prefix):
    with open(f"{results}/{file}.json") as f:
        bs = json.load(f)["benchmarks"]
    return [b for b in bs if b["run_name"] == prefix or b["run_name"].startswith(prefix + "/")]

def summary(file, prefix):
    """Median wall time (ms) and counters of a benchmark: its median
    aggregate, or the median of its iterations; None if it failed."""
    es = entries(file, prefix)
    if not es or any(e.get("error_occurred") for e in es):
        return None
    med = [e for e in es if e.get("aggregate_name") == "median"]
    runs = [e for e in es if e["run_type"] == "iteration"]
    pick = med[0] if med else min(runs, key=lambda e: abs(e["real_time"] - statistics.median(r["real_time"] for r in runs)))
    out = dict(pick)
    out["ms"] = pick["real_time"] * to_ms[pick["time_unit"]]
    out["peak_MiB"] = max(e.get("peak_MiB", 0) for e in es if e.get("aggregate_name") in (None, "mean", "median"))
    return out

def status(value, target):
    if value is None:
        return "failed (see stderr)"
    return "met" if value <= target else f"**missed by {100 * (value / target - 1):.0f} %**"

def fmt(v, spec):
    return "—" if v is None else format(v, spec)

jr = summary("targets", "jiangmen/replication")
mc = summary("targets", "jiangmen/monte_carlo")
qr = summary("targets", "quanzhou/replication")
nl = summary("national", f"national/load/{nscale}")
npre = summary("national", f"national/prepare/{nscale}")
nr = summary("national", f"national/replication/{nscale}")
get = lambda s, k, f=1.0: None if s is None else s[k] * f

print("| benchmark | target | measured | |")
print("|---|---|---|---|")
rows = [
    ("Jiangmen baseline, one replication (median, 1 core)", "≤ 2 ms", get(jr, "ms"), "ms", 2.0),
    ("Jiangmen baseline, 10,000 replications, `simulate()` on 2 threads", "≤ 15 s", get(mc, "ms", 1e-3), "s", 15.0),
    ("Quanzhou baseline, one replication (median, 1 core)", "≤ 1 ms", get(qr, "ms"), "ms", 1.0),
    (f"National synthetic ×{nscale}, one replication (median of 3)", "≤ 3 s", get(nr, "ms", 1e-3), "s", 3.0),
    (f"National synthetic ×{nscale}, peak memory (load + prepare + replications)", "≤ 2 GiB",
     get(nr, "peak_MiB"), "MiB", 2048.0),
]
for name, target, v, unit, t in rows:
    spec = ".3f" if unit in ("ms", "s") else ".0f"
    print(f"| {name} | {target} | {fmt(v, spec)} {unit} | {status(v, t)} |")
print(f"| National synthetic ×{nscale}, load (`load_scenario`) | — | {fmt(get(nl, 'ms', 1e-3), '.2f')} s | |")
print(f"| National synthetic ×{nscale}, prepare (`Simulator` constructor) | — | {fmt(get(npre, 'ms'), '.0f')} ms | |")
print()

print("| data | scale | projects | ms per replication | µs per project | peak MiB |")
print("|---|---:|---:|---:|---:|---:|")
def scale_row(label, scale, s):
    if s is None:
        print(f"| {label} | {scale} | — | failed | — | — |")
        return
    print(f"| {label} | {scale} | {s.get('projects', 0):,.0f} | {s['ms']:.2f} | {s.get('ns_per_project', 0) / 1e3:.3f} | {s['peak_MiB']:.0f} |")
for k in scales:
    scale_row("Jiangmen rules, `synth jiangmen`", k, summary(f"jiangmen-x{k}", f"jiangmen_scale/replication/{k}"))
scale_row("national synthetic (2,800 units)", nscale, nr)
EOF
