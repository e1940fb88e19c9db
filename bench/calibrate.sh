#!/usr/bin/env bash
# Calibration and sensitivity figures (issue 17), as a markdown table on
# stdout, each with its wall time and peak memory (GNU time):
#   1. Jiangmen calibrated to its synthetic returns, default settings;
#   2. Quanzhou, the same;
#   3. a Morris screen (r = 20) over every Jiangmen assumption;
#   4. the same for Quanzhou.
# The outputs stay in WORK for a look (calibration.html, sensitivity.html).
#
#   bash bench/calibrate.sh        (BUILD_DIR [build], WORK [/tmp/tisheng-bench-calibrate])
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
work=${WORK:-/tmp/tisheng-bench-calibrate}
tisheng=$build/engine/tisheng
[ -x "$tisheng" ] || { echo "calibrate.sh: build first (bash .ci/bootstrap build)" >&2; exit 2; }
rm -rf "$work" && mkdir -p "$work"

timed() {  # name, then the command: one table row
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.log"
    read -r secs kb < "$work/$name.time"
    printf '| %s | %.0f s | %.0f MB | <= 600 s |\n' "$name" "$secs" "$((kb / 1024))"
}

echo "| case ($(nproc) cores) | wall | peak memory | aim |"
echo "|---|---|---|---|"
timed jiangmen-calibrate "$tisheng" calibrate scenarios/jiangmen-baseline.yaml \
    --observed datasets/observed/jiangmen-returns-synthetic.csv --out "$work/jm-cal"
timed quanzhou-calibrate "$tisheng" calibrate scenarios/quanzhou-baseline.yaml \
    --observed datasets/observed/quanzhou-returns-synthetic.csv --out "$work/qz-cal"
timed jiangmen-morris-r20 "$tisheng" sensitivity scenarios/jiangmen-baseline.yaml --out "$work/jm-sens"
timed quanzhou-morris-r20 "$tisheng" sensitivity scenarios/quanzhou-baseline.yaml --out "$work/qz-sens"
