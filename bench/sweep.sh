#!/usr/bin/env bash
# The sweep's figures (issue 6), as a markdown table on stdout:
#   1. Jiangmen, 1,000 variants x 100 replications on all cores, and the
#      share of that time spent committing to results.gpkg;
#   2. --resume on the finished sweep: the time to find what is done;
#   3. Open MPI: 2 ranks of 1 thread against 1 rank of 1 thread (200 variants);
#   4. peak memory for 250, 500, 1,000 and 2,000 variants (it should stay flat).
#
#   bash bench/sweep.sh            (BUILD_DIR [build], WORK [/tmp/tisheng-bench-sweep])
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
work=${WORK:-/tmp/tisheng-bench-sweep}
tisheng=$build/engine/tisheng
[ -x "$tisheng" ] || { echo "sweep.sh: build first (bash .ci/bootstrap build)" >&2; exit 2; }
rm -rf "$work" && mkdir -p "$work"

secs() { python3 -c "import sys; print(f'{float(sys.argv[1]):.1f}')" "$1"; }
field() { grep -oP "$1" "$2" | head -1; }

echo "| case | figure | target |"
echo "|---|---|---|"

# 1. The speed case.
start=$(date +%s.%N)
"$tisheng" sweep bench/sweeps/jiangmen-1000.yaml --out "$work/j1000" 2> "$work/j1000.log" > /dev/null
end=$(date +%s.%N)
total=$(python3 -c "print($end - $start)")
store=$(field '[0-9.]+(?= s committing)' "$work/j1000.log")
echo "| Jiangmen 1,000 variants x 100 replications, $(nproc) cores | $(secs "$total") s | <= 90 s |"
echo "| of which committing to results.gpkg | $store s ($(python3 -c "print(f'{100*$store/$total:.2f}')") %) | <= 5 % |"

# 2. Resume: everything is done, so this is the time to find it out.
"$tisheng" sweep bench/sweeps/jiangmen-1000.yaml --out "$work/j1000" --resume 2> "$work/resume.log" > /dev/null
echo "| --resume, 1,000 of 1,000 done: finding them | $(field '(?<=found in )[0-9.]+' "$work/resume.log") s | <= 1 s |"

# 3. MPI throughput: 200 variants (the first two city-fund values of the grid).
sed -e 's/name: jiangmen-1000/name: jiangmen-200/' -e 's/min: 0, max: 2250000/min: 0, max: 250000/' \
    -e 's|\.\./\.\./scenarios|'"$PWD"'/scenarios|' bench/sweeps/jiangmen-1000.yaml > "$work/j200.yaml"
if command -v mpirun > /dev/null; then
  for k in 1 2; do
    /usr/bin/time -f %e -o "$work/mpi$k.time" mpirun --oversubscribe --allow-run-as-root -np $k \
      "$tisheng" sweep "$work/j200.yaml" --out "$work/mpi$k" --threads 1 > /dev/null 2>&1
  done
  t1=$(tail -1 "$work/mpi1.time"); t2=$(tail -1 "$work/mpi2.time")
  same=no; cmp -s "$work/mpi1/variants.csv" "$work/mpi2/variants.csv" && same=yes
  echo "| MPI, 200 variants: 1 rank x 1 thread / 2 ranks x 1 thread | $t1 s / $t2 s = $(python3 -c "print(f'{$t1/$t2:.2f}')")x (tables identical: $same) | >= 1.8x |"
else
  echo "| MPI | mpirun not installed | >= 1.8x |"
fi

# 4. Memory: Latin-hypercube sweeps of growing size, 10 replications each.
for n in 250 500 1000 2000; do
  cat > "$work/lhs$n.yaml" <<YAML
name: lhs$n
scenario: $PWD/scenarios/jiangmen-baseline.yaml
replications: 10
design: lhs
samples: $n
parameters:
  - {path: budgets.payers.city_fund.annual_cny, min: 0, max: 3000000}
  - {path: budgets.payers.union.annual_cny, min: 250000, max: 2500000}
YAML
  /usr/bin/time -f %M -o "$work/lhs$n.mem" "$tisheng" sweep "$work/lhs$n.yaml" --out "$work/lhs$n" > /dev/null 2>&1
  kb=$(tail -1 "$work/lhs$n.mem")
  echo "| peak memory, $n variants x 10 replications | $((kb / 1024)) MiB | flat |"
done
