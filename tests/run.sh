#!/usr/bin/env bash
# The README's test command: installs what is needed, builds duban twice
# (warnings as errors; then with ASan+UBSan) and runs every test under ctest
# against a throwaway PostgreSQL that the tests start themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

run_suite() {  # NAME CMAKE-ARGS...
  local dir="build-$1"; shift
  echo "== build $dir"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDUBAN_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "== test $dir"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}

run_suite release
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite sanitize -DDUBAN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
# The fuzz targets (CSV reader, .xlsx reader, config parser) under libFuzzer with ASan/UBSan,
# for a bounded time each (DUBAN_FUZZ_SECONDS, default 60).
bash scripts/fuzz.sh "${DUBAN_FUZZ_SECONDS:-60}"
echo "== all tests passed"
