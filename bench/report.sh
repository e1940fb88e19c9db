#!/usr/bin/env bash
# Issue 7's figures: the time to write forms/ and report.html for the
# Jiangmen default run (1,000 replications), and the report's size; five
# runs, as a markdown table on stdout. (BUILD_DIR [build])
set -euo pipefail
cd "$(dirname "$0")/.."
tisheng=${BUILD_DIR:-build}/engine/tisheng
[ -x "$tisheng" ] || { echo "report.sh: build first (bash .ci/bootstrap build)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| run | forms + report.html | report.html size |"
echo "|---|---|---|"
for k in 1 2 3 4 5; do
  "$tisheng" run scenarios/jiangmen-baseline.yaml --out "$out/run" 2> "$out/log" > /dev/null
  secs=$(grep -oP '(?<=\) in )[0-9.]+(?= s)' "$out/log")
  echo "| $k | $secs s | $(( $(stat -c %s "$out/run/report.html") / 1024 )) KB |"
done
echo
echo "targets: <= 1 s and <= 3 MB"
