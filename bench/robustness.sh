#!/usr/bin/env bash
# Broken inputs by class (issue 19): what `tisheng` does with
#   - every case of the bad-input corpus (tests/bad/*.yaml), and
#   - mutations of both baselines: each line that holds a value deleted, or
#     its value replaced by '' / -1 / .nan / 1e308 / [ / {x: 1}.
# Each input goes through `tisheng validate`; what validate accepts is then
# run (2 replications), so that a check only the run makes is counted too.
#
#   bash bench/robustness.sh [BUILD_DIR]       # default: build
#
# Classes: crash (a signal), hang (no answer in 60 s), internal error
# (exit 3), refused without location (exit 1 or 2, no file:line, line N or
# feature N in the message), refused well, accepted (exit 0). A corpus case
# must be refused well. A mutation accepted may be a valid edit (a comment,
# an optional key, a value that is still in range): they are listed in
# robustness-accepted.txt to be read, not counted as faults.
set -euo pipefail
cd "$(dirname "$0")/.."
export B="$PWD/${1:-build}/engine/tisheng"
[ -x "$B" ] || { echo "no $B: build first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export work

# classify FILE: prints "class<TAB>file<TAB>first message line".
classify() {
  local f=$1 out rc cls
  set +e
  out=$(timeout 60 "$B" validate "$f" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then
    out=$(timeout 60 "$B" run "$f" --replications 2 --no-explain --threads 1 --out "$f.run" 2>&1); rc=$?
    rm -rf "$f.run"
  fi
  set -e
  if [ $rc -eq 124 ]; then cls=hang
  elif [ $rc -ge 128 ]; then cls=crash
  elif [ $rc -eq 3 ]; then cls=internal
  elif [ $rc -eq 0 ]; then cls=accepted
  elif grep -qE '\.(yaml|csv|geojson|gpkg):[0-9]+|line [0-9]+|feature [0-9]+' <<<"$out"; then cls=located
  else cls=unlocated
  fi
  printf '%s\t%s\t%s\n' "$cls" "$f" "$(grep -m1 -E 'error|tisheng' <<<"$out" | cut -c1-200)"
}
export -f classify

# The corpus, each case copied beside its data (tests/bad/data).
: >"$work/corpus.list"
for f in tests/bad/*.yaml; do echo "$PWD/$f" >>"$work/corpus.list"; done

# The mutations, with data_dir made absolute so that they can live in $work.
: >"$work/mutations.list"
bad_values=("''" "-1" ".nan" "1e308" "[" "{x: 1}")
for sc in jiangmen quanzhou; do
  src=scenarios/$sc-baseline.yaml
  data=$(cd "datasets/$sc" && pwd)
  sed "s#^data_dir: .*#data_dir: $data#" "$src" >"$work/$sc.yaml"
  n=$(wc -l <"$src")
  for ((i = 1; i <= n; i++)); do
    line=$(sed -n "${i}p" "$work/$sc.yaml")
    [[ "$line" =~ ^[[:space:]-]*[A-Za-z_][A-Za-z0-9_.]*:[[:space:]]+[^#[:space:]] ]] || continue
    key=${line%%: *}
    awk -v i="$i" 'NR != i' "$work/$sc.yaml" >"$work/$sc-L$i-deleted.yaml"
    echo "$work/$sc-L$i-deleted.yaml" >>"$work/mutations.list"
    for k in "${!bad_values[@]}"; do
      awk -v i="$i" -v repl="$key: ${bad_values[$k]}" 'NR == i { print repl; next } { print }' "$work/$sc.yaml" >"$work/$sc-L$i-v$k.yaml"
      echo "$work/$sc-L$i-v$k.yaml" >>"$work/mutations.list"
    done
  done
done

for set in corpus mutations; do
  echo "bench/robustness: $set: $(wc -l <"$work/$set.list") inputs" >&2
  xargs -P "$(nproc)" -I{} bash -c 'classify "$1"' _ {} <"$work/$set.list" >"$work/$set.tsv"
done

printf '%-28s %8s %10s\n' class corpus mutations
for cls in crash hang internal unlocated located accepted; do
  name=$cls
  case $cls in internal) name="internal error (exit 3)" ;; unlocated) name="refused without location" ;; located) name="refused well" ;; esac
  printf '%-28s %8d %10d\n' "$name" "$(grep -c "^$cls"$'\t' "$work/corpus.tsv" || true)" "$(grep -c "^$cls"$'\t' "$work/mutations.tsv" || true)"
done
grep -hvE "^(located|accepted)"$'\t' "$work/corpus.tsv" "$work/mutations.tsv" | sed 's/^/  fault: /' || true
grep -h "^accepted"$'\t' "$work/corpus.tsv" | sed 's/^/  corpus case accepted: /' || true
# What each accepted mutation changed, to be read.
while IFS=$'\t' read -r _ f _; do
  base=$(basename "$f" .yaml); sc=${base%%-L*}; rest=${base#*-L}; i=${rest%%-*}; kind=${rest#*-}
  case $kind in deleted) to="deleted" ;; v*) to="-> ${bad_values[${kind#v}]}" ;; esac
  printf '%s line %s: %s   %s\n' "$sc" "$i" "$(sed -n "${i}p" "$work/$sc.yaml" | sed 's/^ *//')" "$to"
done < <(grep "^accepted"$'\t' "$work/mutations.tsv") >robustness-accepted.txt
echo "bench/robustness: accepted mutations listed in robustness-accepted.txt" >&2
