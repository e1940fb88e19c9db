#!/usr/bin/env bash
# .ci/check-layers must fail, naming the file and line, on a copy of the
# engine with one include that runs back up the order and one public header
# that includes an internal one; and pass on the copy as it is.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/engine/include" "$root/engine/src" "$tmp/"
check() { bash "$root/.ci/check-layers" "$tmp" 2>&1; }

check > /dev/null || { echo "FAIL: the unchanged copy does not pass"; check; exit 1; }

# core is the first layer: it may not include the report.
sed -i '0,/^#include "tisheng\/core\/error.hpp"/s//&\n#include "tisheng\/report\/report.hpp"/' "$tmp/src/core/error.cpp"
# A public header may not include an internal one.
sed -i '0,/^#include "tisheng\/core\/error.hpp"/s//&\n#include "core\/detail\/parallel.hpp"/' "$tmp/include/tisheng/io/layers.hpp"
if out=$(check); then echo "FAIL: the back-includes passed"; exit 1; fi
echo "$out"
line=$(grep -n 'tisheng/report/report.hpp' "$tmp/src/core/error.cpp" | cut -d: -f1)
grep -qF "src/core/error.cpp:$line: 'core' (layer 1) includes \"tisheng/report/report.hpp\" of 'report' (layer 12)" <<< "$out" ||
  { echo "FAIL: the back-include is not named with its line"; exit 1; }
grep -qF "include/tisheng/io/layers.hpp:" <<< "$out" && grep -qF 'public header includes internal "core/detail/parallel.hpp"' <<< "$out" ||
  { echo "FAIL: the internal include of a public header is not named"; exit 1; }
echo "PASS"
