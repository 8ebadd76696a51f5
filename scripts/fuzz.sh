#!/usr/bin/env bash
# fuzz.sh [SECONDS] — runs each fuzz target (the CSV reader, the .xlsx reader, the config
# parser; tests/fuzz/) under libFuzzer with ASan and UBSan for SECONDS (default 60) each.
# Builds them with Debian's clang in build-fuzz/ (-DDUBAN_FUZZ=ON). Starts from the corpus in
# tests/fuzz/corpus/NAME; new inputs go to build-fuzz/corpus/NAME (copy an interesting one to
# tests/fuzz/corpus/ to keep it as a regression input), crashes to build-fuzz/crashes/.
# Exits 1 when a target crashed, leaked or hung.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
command -v clang >/dev/null || { echo "fuzz.sh: clang is needed (apt-get install clang)" >&2; exit 69; }
dir=build-fuzz
CC=clang cmake -S . -B "$dir" -DDUBAN_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)" --target fuzz_csv fuzz_xlsx fuzz_config >/dev/null
mkdir -p "$dir/crashes"
failed=()
for target in csv xlsx config; do
  work=$dir/corpus/$target
  mkdir -p "$work"
  log=$dir/fuzz_$target.log
  echo "== fuzz $target for ${seconds}s"
  if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     "$dir/fuzz_$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
       -max_len=65536 -print_final_stats=1 -artifact_prefix="$dir/crashes/$target-" \
       "$work" "tests/fuzz/corpus/$target" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$log" | sed 's/^/   /'
  else
    echo "fuzz.sh: $target failed, see $log and $dir/crashes/" >&2
    tail -n 30 "$log" >&2
    failed+=("$target")
  fi
done
[[ ${#failed[@]} -eq 0 ]] || { echo "fuzz.sh: failed: ${failed[*]}" >&2; exit 1; }
echo "== fuzzing found nothing"
