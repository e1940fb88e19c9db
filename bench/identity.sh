#!/usr/bin/env bash
# Byte-identity of the two baselines' outputs between a git revision and the
# working tree: a refactoring that keeps behaviour changes no byte.
#
#   bash bench/identity.sh REV [BUILD_DIR]   # BUILD_DIR: this tree's build (default build)
#
# Builds the CLI of REV in a temporary worktree (Release, ccache), runs
# scenarios/{jiangmen,quanzhou}-baseline.yaml with both programs under one
# SOURCE_DATE_EPOCH (so run.json's `created`, the workbooks' and the
# GeoPackages' dates agree), and compares every file of the run folders
# byte for byte, then the CLI's output without its timings and progress
# bars. Exit 0 when all agree.
set -euo pipefail
rev=${1:?usage: bench/identity.sh REV [BUILD_DIR]}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$root/${2:-build}" && pwd)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/src" 2>/dev/null || true; rm -rf "$work"' EXIT

git -C "$root" worktree add -q --detach "$work/src" "$rev"
export CCACHE_DIR=${CCACHE_DIR:-$root/.ccache} CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$root")}
cmake -S "$work/src" -B "$work/src/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTISHENG_BUILD_TESTS=OFF \
  -DTISHENG_BUILD_VIEWER=OFF -DCMAKE_CXX_COMPILER_LAUNCHER=ccache > /dev/null
nice ninja -C "$work/src/build" tisheng > /dev/null
old_cli=$work/src/build/engine/tisheng
new_cli=$build/engine/tisheng

# Progress bars print at moments that depend on the clock: left out.
blank_timings() { sed -E "/: [0-9]+\/[0-9]+ \(/d; s#$1#RUN#g; s/[0-9.]+ s\b/T s/g"; }
status=0
for s in jiangmen-baseline quanzhou-baseline; do
  for side in old new; do
    cli=${side}_cli
    (cd "$root" && SOURCE_DATE_EPOCH=1700000000 "${!cli}" run "scenarios/$s.yaml" --out "$work/$side-$s" --force \
      > "$work/$side-$s.log" 2>&1)
  done
  files=$(find "$work/old-$s" -type f | wc -l)
  if ! diff -r "$work/old-$s" "$work/new-$s" > "$work/diff" 2>&1; then
    echo "$s: the run folders differ:"; head -20 "$work/diff"; status=1
  elif ! diff <(blank_timings "$work/old-$s" < "$work/old-$s.log") <(blank_timings "$work/new-$s" < "$work/new-$s.log") > "$work/diff"; then
    echo "$s: the CLI output differs:"; head -20 "$work/diff"; status=1
  else
    echo "$s: all $files files of the run folder and the CLI output are byte-identical ($rev vs the working tree)"
  fi
done
exit $status
