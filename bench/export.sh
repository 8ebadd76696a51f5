#!/usr/bin/env bash
# bench/export.sh: measures `dubanctl export` on a large ledger (bench/gen_ledger.py: 5,000
# units, 1,000,000 problems by default) — each statutory table as .csv and .xlsx: wall time,
# rows per second and dubanctl's peak RSS — and prints a Markdown table. Not a test.
#
#   bash bench/export.sh [--problems N] [--build DIR] [--keep]
#
# Needs a Release build (default build-bench/, made if missing), /usr/bin/time, and what
# tests/harness/pg.sh needs (PostgreSQL, run as postgres under root).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PROBLEMS=1000000 KEEP=0 BUILD=''
while [[ $# -gt 0 ]]; do
  case $1 in
    --problems) PROBLEMS=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --keep) KEEP=1 ;;
    *) echo "export.sh: unknown option $1" >&2; exit 64 ;;
  esac
  shift
done
BUILD=${BUILD:-$ROOT/build-bench}
OPEN=$((PROBLEMS / 10))
WORK=$(mktemp -d /tmp/duban-bench-export.XXXXXX)
chmod 755 "$WORK"
PGDIR=$WORK/pg
PY=$(python3 -c 'import sys; print(sys.executable)')
say() { printf '== %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
cleanup() {
  local rc=$?
  set +e
  if [[ $KEEP == 0 ]]; then
    bash "$ROOT/tests/harness/pg.sh" stop "$PGDIR" >/dev/null 2>&1
    [[ $rc -ne 0 ]] || rm -rf "$WORK"
  fi
  [[ $rc -eq 0 && $KEEP == 0 ]] || echo "export.sh: work directory $WORK" >&2
}
trap cleanup EXIT
[[ -x /usr/bin/time ]] || { echo "export.sh: /usr/bin/time is needed: apt-get install time" >&2; exit 69; }

if [[ ! -x $BUILD/dubanctl ]]; then
  say "building (Release) in $BUILD"
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j2 --target dubanctl >/dev/null
fi
CTL=$BUILD/dubanctl

say "starting PostgreSQL ($PGDIR)"
bash tests/harness/pg.sh start "$PGDIR" >/dev/null
# shellcheck disable=SC1091
. "$PGDIR/env.sh"
psql -XAtq -d postgres -v ON_ERROR_STOP=1 -c "ALTER SYSTEM SET shared_buffers = '512MB'" \
  -c "ALTER SYSTEM SET max_wal_size = '8GB'" >/dev/null
bash tests/harness/pg.sh restart "$PGDIR" >/dev/null
. "$PGDIR/env.sh"

say "generating the ledger ($PROBLEMS problems)"
"$PY" bench/gen_ledger.py "$WORK/data" http://127.0.0.1:9/none --problems "$PROBLEMS" \
  --open "$OPEN" --fire $((OPEN / 10)) >/dev/null
duban_test_db bench_export
export DUBAN_DSN="host=$PGHOST port=$PGPORT user=postgres dbname=bench_export"
NOW=--now=2026-06-23T10:00:00+08:00
"$CTL" --dsn "$DUBAN_DSN" migrate >/dev/null
say "importing"
"$CTL" --dsn "$DUBAN_DSN" "$NOW" unit import "$WORK/data/units.csv" >/dev/null
"$CTL" --dsn "$DUBAN_DSN" "$NOW" problem import "$WORK/data/problems.csv" >/dev/null
psql -XAtq -d bench_export -c "VACUUM ANALYZE" >/dev/null

# export TABLE EXT: runs the export under /usr/bin/time; prints a table row.
export_row() {
  local table=$1 ext=$2 out rows ms rss size
  out=$WORK/$table.$ext
  local t0; t0=$(now_ms)
  /usr/bin/time -f '%M' -o "$WORK/time" "$CTL" --dsn "$DUBAN_DSN" "$NOW" export "$table" --out "$out" >"$WORK/out" \
    || { cat "$WORK/out" >&2; exit 1; }
  ms=$(( $(now_ms) - t0 ))
  rows=$(sed -E 's/^exported [a-z0-9]+: ([0-9]+) rows?.*/\1/' "$WORK/out")
  rss=$(tail -n 1 "$WORK/time")
  size=$(stat -c %s "$out")
  printf '| %s | .%s | %s | %.2f s | %s | %.1f MiB | %.1f MiB |\n' "$table" "$ext" "$rows" \
    "$(awk -v m="$ms" 'BEGIN{print m/1000}')" \
    "$(awk -v r="$rows" -v m="$ms" 'BEGIN{ if (m > 0) printf "%d", r * 1000 / m; else print "-" }')" \
    "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$(awk -v b="$size" 'BEGIN{print b/1048576}')"
}

say "exporting"
echo
echo "Ledger: $PROBLEMS problems ($OPEN open), 5,000 units; dubanctl Release build."
echo
echo "| table | format | rows | wall time | rows/s | dubanctl peak RSS | file |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for table in ledger attachment1 attachment2 closure; do
  export_row "$table" csv
  export_row "$table" xlsx
done
