#!/usr/bin/env bash
# stress.sh — runs the integration suite again and again on a deliberately loaded machine, to find
# flaky tests: N runs of `ctest -j3 -L integration` while CPU hogs (busy shell loops) keep the
# cores busy. It never stops at a failure: every failing run is recorded with its ctest output
# (--output-on-failure) and the failing tests' kept scratch directories, and the end says
# `stress: N passed, M failed` with the total time. Exit 0 only when every run passed.
#
#   bash tests/stress.sh [-n RUNS] [-b BUILD_DIR] [-j JOBS] [-c HOGS] [-o RESULTS_DIR]
#
#   -n RUNS         how many runs of the suite (default 10)
#   -b BUILD_DIR    use this existing build (default: configure and build ./build-stress)
#   -j JOBS         ctest parallelism (default 3)
#   -c HOGS         busy loops running meanwhile (default 2; 0 for none)
#   -o RESULTS_DIR  where run logs go (default: a new /tmp/duban-stress.XXXXXX)
#
# Set DUBAN_PG_FIRST_PORT to keep its PostgreSQL clusters apart from another checkout's.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 64; }

runs=10 build='' jobs=3 hogs=2 results=''
while getopts 'n:b:j:c:o:h' opt; do
  case $opt in
    n) runs=$OPTARG ;;
    b) build=$OPTARG ;;
    j) jobs=$OPTARG ;;
    c) hogs=$OPTARG ;;
    o) results=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
(($# == 0)) || usage
[[ $runs =~ ^[0-9]+$ && $jobs =~ ^[1-9][0-9]*$ && $hogs =~ ^[0-9]+$ ]] || usage

if [[ -z $build ]]; then
  build="build-stress"
  echo "stress: building $build"
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDUBAN_WERROR=ON >/dev/null
  cmake --build "$build" -j 2 >/dev/null
fi
[[ -x $build/duband && -x $build/dubanctl ]] || { echo "stress: no duband/dubanctl in $build" >&2; exit 66; }
build=$(cd "$build" && pwd)

if [[ -z $results ]]; then results=$(mktemp -d /tmp/duban-stress.XXXXXX); fi
mkdir -p "$results"
results=$(cd "$results" && pwd)

hog_pids=()
stop_hogs() {
  local pid
  for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${hog_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  hog_pids=()
}
# Interrupted in the middle of a run, ctest has no chance to run the pg.stop fixture.
on_exit() {
  stop_hogs
  if [[ -f $build/pgtest/env.sh ]]; then bash tests/harness/pg.sh stop "$build/pgtest" >/dev/null 2>&1 || true; fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for ((i = 0; i < hogs; i++)); do
  sh -c 'while :; do :; done' &
  hog_pids+=($!)
done

# save_scratch RUN LOG: copy the scratch dirs that failing tests kept (named in LOG) into RUN's dir.
save_scratch() {
  local dir=$1 log=$2 d
  while read -r d; do
    [[ -d $d ]] || continue
    mkdir -p "$dir/scratch"
    cp -a "$d" "$dir/scratch/" 2>/dev/null || true
    rm -rf "$d"
  done < <(sed -n 's/.*scratch kept in \(\/tmp\/duban-[^ ]*\).*/\1/p' "$log" | sort -u)
}

echo "stress: $runs runs of ctest -j$jobs -L integration in $build with $hogs CPU hogs; results in $results"
passed=0 failed=0 t0=$SECONDS
for ((r = 1; r <= runs; r++)); do
  dir=$results/run-$r
  mkdir -p "$dir"
  t=$SECONDS rc=0
  ctest --test-dir "$build" -j "$jobs" -L integration --output-on-failure >"$dir/ctest.log" 2>&1 || rc=$?
  if ((rc == 0)); then
    passed=$((passed + 1))
    echo "stress: run $r/$runs passed ($((SECONDS - t)) s)"
    rm -rf "$dir"
  else
    failed=$((failed + 1))
    cp "$build/Testing/Temporary/LastTestsFailed.log" "$dir/failed.txt" 2>/dev/null || true
    save_scratch "$dir" "$dir/ctest.log"
    names=$(sed -n 's/^[0-9]*:\(.*\)$/\1/p' "$dir/failed.txt" 2>/dev/null | tr '\n' ' ')
    echo "stress: run $r/$runs FAILED ($((SECONDS - t)) s): ${names:-ctest exit $rc}; log $dir/ctest.log"
  fi
done
stop_hogs
total=$((SECONDS - t0))
echo "stress: $passed passed, $failed failed in ${total} s ($((total / 60)) min $((total % 60)) s); results in $results"
((failed == 0))
