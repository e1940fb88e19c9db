#!/usr/bin/env bash
# The viewer's frame times under Xvfb with Mesa's software OpenGL (llvmpipe),
# as issue 5 states them: median frame time over --frames 300 at 1600x1000
# on the Jiangmen default data and on `tisheng synth jiangmen --scale 100`
# (one map, and A | B side by side: issue 18 asks >= 30 fps at x100),
# and the longest frame while a what-if re-run of the Jiangmen default
# (1,000 replications) runs in the background. Prints a markdown table.
#
#   bash bench/viewer.sh        (or: bash .ci/bootstrap viewer)
#
# Environment: BUILD_DIR [build-viewer]
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build-viewer}
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.ccache}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTISHENG_BUILD_VIEWER=ON -DTISHENG_BUILD_TESTS=OFF >&2
cmake --build "$build" >&2
viewer=$build/viewer/tisheng-viewer
data=$build/bench-data/jiangmen-x100
if [ ! -f "$data/units.geojson" ]; then
  rm -rf "$data.tmp"
  "$build/engine/tisheng" synth jiangmen --scale 100 --out "$data.tmp" >&2
  mv "$data.tmp" "$data"
fi

run() {  # label, viewer arguments...
  local label=$1; shift
  local out
  out=$(xvfb-run -a -s "-screen 0 1600x1000x24" "$viewer" "$@" --size 1600x1000 --frames 300 --timing \
        --screenshot "$build/bench-$label.png" | tr '\n' ' ')
  echo "$out"
}
field() { sed -n "s/.*$1: \([0-9]*\) frames, median \([0-9.]*\) ms, p95 \([0-9.]*\) ms, max \([0-9.]*\) ms.*/\2 \3 \4/p"; }

default=$(run default scenarios/jiangmen-baseline.yaml)
big=$(run x100 scenarios/jiangmen-baseline.yaml --set "data_dir=$PWD/$data" --set run.replications=5)
split=$(run x100-split scenarios/jiangmen-baseline.yaml --set "data_dir=$PWD/$data" --set run.replications=5 --whatif run.seed=7)
rerun=$(run rerun scenarios/jiangmen-baseline.yaml --rerun)

read -r d50 d95 dmax <<<"$(echo "$default" | field "frame time")"
read -r b50 b95 bmax <<<"$(echo "$big" | field "frame time")"
read -r s50 s95 smax <<<"$(echo "$split" | field "frame time")"
read -r r50 r95 rmax <<<"$(echo "$rerun" | sed 's/.*while a run was in progress/frame time/' | field "frame time")"
echo "| case (1600x1000, Xvfb + llvmpipe, $(nproc) cores) | median ms | p95 ms | max ms | target |"
echo "|---|---|---|---|---|"
echo "| Jiangmen default | $d50 | $d95 | $dmax | median <= 16 |"
echo "| Jiangmen synth x100 ($(($(wc -l < "$data/projects.csv") - 1)) projects) | $b50 | $b95 | $bmax | median <= 33 |"
echo "| the same x100, A \| B side by side (a second run, seed 7) | $s50 | $s95 | $smax | median <= 33 |"
echo "| Jiangmen default during a 1,000-replication re-run | $r50 | $r95 | $rmax | max <= 50 |"
