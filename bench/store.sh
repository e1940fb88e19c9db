#!/usr/bin/env bash
# Issue 16's figures, each with its peak memory (GNU time's maximum RSS):
#   - `tisheng run` on `synth jiangmen --scale 100`, 1,000 replications;
#   - `tisheng run` on `synth national`, 1,000 replications, and how long
#     its outputs take to write;
#   - national on 2 MPI ranks against 1 rank (1 thread each, the same
#     replications): the speed-up;
#   - opening each saved run (Jiangmen, x100, national) in `tisheng report`
#     (the store alone, and the whole report with forms) and in the viewer
#     (Xvfb + llvmpipe, 1600x1000: until the first frame of the stored run);
#   - the viewer's frame time on the x100 run.
# Prints a markdown table on stdout; the commands' own output goes to
# $BUILD_DIR/bench-store/*.log.
#
#   bash bench/store.sh
#
# Environment (defaults in brackets): BUILD_DIR [build-bench]
#   REPS [1000]  NATIONAL_REPS [1000]  RANK_REPS [40]  SKIP_NATIONAL [0]
#   REUSE [0]: 1 keeps the runs already in $BUILD_DIR/bench-store (their
#   logs give the figures) and measures only what is missing
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build-bench}
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.ccache}
reps=${REPS:-1000}
nreps=${NATIONAL_REPS:-1000}
rank_reps=${RANK_REPS:-40}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTISHENG_BUILD_VIEWER=ON -DTISHENG_BUILD_TESTS=OFF >&2
cmake --build "$build" >&2
tisheng=$(realpath "$build/engine/tisheng")
viewer=$(realpath "$build/viewer/tisheng-viewer")
out=$(realpath -m "$build/bench-store")
data=$(realpath -m "$build/bench-data")
mkdir -p "$out" "$data"
[ -f "$data/jiangmen-x100/candidate_sites.csv" ] || "$tisheng" synth jiangmen --scale 100 --out "$data/jiangmen-x100" >&2
[ -f "$data/national-x1/scenario.yaml" ] || "$tisheng" synth national --out "$data/national-x1" >&2

# timed LABEL COMMAND...: runs it under GNU time; sets WALL (s) and RSS (MB).
# With REUSE=1 a step whose log and time are there is not run again.
timed() {
  local label=$1; shift
  if [ "${REUSE:-0}" = 1 ] && [ -s "$out/$label.time" ] && [[ "$label" != open-* && "$label" != view-* ]]; then
    read -r WALL RSS_KB < "$out/$label.time"
    RSS=$((RSS_KB / 1024))
    return
  fi
  /usr/bin/time -f "%e %M" -o "$out/$label.time" "$@" > "$out/$label.log" 2>&1 || { echo "bench/store.sh: $label failed, see $out/$label.log" >&2; exit 1; }
  read -r WALL RSS_KB < "$out/$label.time"
  RSS=$((RSS_KB / 1024))
}
# The seconds a line of the log gives: grab LABEL 'regex with one ([0-9.]+) group'
grab() { sed -nE "s#.*$2.*#\1#p" "$out/$1.log" | tail -1; }

echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), commit $(git rev-parse --short HEAD)." 
echo
echo "| what | target | measured | peak memory |"
echo "|---|---|---|---|"

timed jm "$tisheng" run scenarios/jiangmen-baseline.yaml --replications "$reps" --out "$out/jm" --force
echo "| Jiangmen baseline, $reps replications (\`tisheng run\`, explained) | — | ${WALL} s | ${RSS} MB |"

timed x100 "$tisheng" run scenarios/jiangmen-baseline.yaml --set "data_dir=$data/jiangmen-x100" --replications "$reps" \
  --out "$out/x100" --force --no-explain
echo "| ×100 ($(($(wc -l < "$data/jiangmen-x100/projects.csv") - 1)) projects), $reps replications | ≤ 180 s, ≤ 2048 MB | ${WALL} s (outputs $(grab x100 'report.html \([0-9]+ KB\) in ([0-9.]+) s') s) | ${RSS} MB |"

if [ "${SKIP_NATIONAL:-0}" = 0 ]; then
  timed national "$tisheng" run "$data/national-x1/scenario.yaml" --replications "$nreps" --out "$out/national" --force --no-explain
  echo "| national (500,000 projects, 2,800 units), $nreps replications | ≤ 1200 s, ≤ 3072 MB; outputs ≤ 60 s | ${WALL} s; outputs $(grab national 'report.html \([0-9]+ KB\) in ([0-9.]+) s') s | ${RSS} MB |"
  timed rank1 "$tisheng" run "$data/national-x1/scenario.yaml" --replications "$rank_reps" --threads 1 --out "$out/rank1" --force --no-explain
  one=$(grab rank1 'simulating: [0-9]+/[0-9]+ \(([0-9.]+) s')
  timed rank2 mpirun --oversubscribe --allow-run-as-root -np 2 "$tisheng" run "$data/national-x1/scenario.yaml" --replications "$rank_reps" \
    --threads 1 --out "$out/rank2" --force --no-explain
  two=$(grab rank2 'simulating: [0-9]+/[0-9]+ \(([0-9.]+) s')
  cmp -s "$out/rank1/results.bin" "$out/rank2/results.bin" && same="identical results.bin" || same="**results.bin differs**"
  echo "| national, $rank_reps replications, 2 ranks against 1 (1 thread each; the simulation) | ≥ 1.8× | ${one} s / ${two} s = $(python3 -c "print(f'{$one/$two:.2f}')")× ($same) | ${RSS} MB (2 ranks) |"
fi

for run in jm x100 national; do
  [ -d "$out/$run" ] || continue
  timed "open-$run" "$tisheng" report "$out/$run"
  store=$(grab "open-$run" "opened the run's store .* in ([0-9.]+) s")
  report_wall=$WALL report_rss=$RSS
  timed "view-$run" xvfb-run -a -s "-screen 0 1600x1000x24" "$viewer" "$out/$run" --size 1600x1000 --frames 120 --timing \
    --screenshot "$out/view-$run.png"
  ready=$(grab "view-$run" 'ready after ([0-9.]+) s')
  frame=$(grab "view-$run" 'frame time: [0-9]+ frames, median ([0-9.]+) ms')
  target=$([ "$run" = jm ] && echo "≤ 1 s" || echo "≤ 5 s")
  echo "| opening the $run run: \`tisheng report\` (store / whole report with forms); the viewer (first frame; median frame) | $target | ${store} s / ${report_wall} s; viewer ${ready} s, ${frame} ms a frame | ${report_rss} MB (report), ${RSS} MB (viewer) |"
done
