#!/usr/bin/env bash
# import.sh — import throughput against a plain COPY of the same file (not a test: it prints
# numbers). Starts its own PostgreSQL (tests/harness/pg.sh, tuned like bench/run.sh), writes a
# ledger with bench/gen_ledger.py (5,000 units, N problems, a tenth open), imports units and
# channels, then measures in one run:
#   copy      psql \copy of problems.csv into a table of 15 text columns (the floor)
#   first     dubanctl problem import problems.csv into the empty ledger (rows/s, × copy, RSS)
#   again     the same file again: nothing changes (rows/s)
#   analyze   whether the import left fresh planner statistics (pg_stat_user_tables)
#
#   bench/import.sh [--problems N] [--build DIR] [--keep] [--dir DIR]
# Environment: DUBAN_PG_FIRST_PORT (first port tried), as for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PROBLEMS=1000000 BUILD=$ROOT/build-bench KEEP=0 WORK='' UNITS=5000
while [[ $# -gt 0 ]]; do
  case $1 in
    --problems) PROBLEMS=${2:?}; shift ;;
    --build) BUILD=${2:?}; shift ;;
    --keep) KEEP=1 ;;
    --dir) WORK=${2:?}; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "import.sh: unknown option $1" >&2; exit 64 ;;
  esac
  shift
done
CTL=$BUILD/dubanctl
[[ -x $CTL ]] || { echo "import.sh: no dubanctl in $BUILD (cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD)" >&2; exit 69; }
[[ -x /usr/bin/time ]] || { echo "import.sh: /usr/bin/time is needed: apt-get install time" >&2; exit 69; }
if [[ -z $WORK ]]; then WORK=$(mktemp -d /tmp/duban-import.XXXXXX); fi
mkdir -p "$WORK" && chmod 755 "$WORK"
WORK=$(cd "$WORK" && pwd)
PGDIR=$WORK/pg
PY=$(python3 -c 'import sys; print(sys.executable)')
say() { printf '== %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
cleanup() {
  local rc=$?
  if [[ $KEEP == 0 ]]; then
    bash "$ROOT/tests/harness/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || true
    [[ $rc -ne 0 ]] || rm -rf "$WORK"
  fi
  [[ $rc -eq 0 && $KEEP == 0 ]] || echo "import.sh: work directory $WORK" >&2
}
trap cleanup EXIT

say "PostgreSQL in $PGDIR"
bash tests/harness/pg.sh start "$PGDIR" >/dev/null
# shellcheck disable=SC1091
. "$PGDIR/env.sh"
psql -XAtq -d postgres -v ON_ERROR_STOP=1 \
  -c "ALTER SYSTEM SET shared_buffers = '512MB'" -c "ALTER SYSTEM SET work_mem = '32MB'" \
  -c "ALTER SYSTEM SET maintenance_work_mem = '512MB'" -c "ALTER SYSTEM SET max_wal_size = '8GB'" \
  -c "ALTER SYSTEM SET checkpoint_timeout = '30min'" >/dev/null
bash tests/harness/pg.sh restart "$PGDIR" >/dev/null
. "$PGDIR/env.sh"

say "generating $PROBLEMS problems"
"$PY" bench/gen_ledger.py "$WORK/data" http://127.0.0.1:9/ --units "$UNITS" --problems "$PROBLEMS" \
  --open $((PROBLEMS / 10)) --fire $((PROBLEMS / 100))
F=$WORK/data/problems.csv
duban_test_db bench_import >/dev/null
NOW=2026-06-19T10:00:00+08:00
"$CTL" migrate >/dev/null
"$CTL" --now "$NOW" unit import "$WORK/data/units.csv" >/dev/null
"$CTL" --now "$NOW" channel import "$WORK/data/channels.csv" >/dev/null
psql -XAtq -c "VACUUM ANALYZE" >/dev/null

say "plain COPY of the same file"
psql -XAtq -c "CREATE TABLE copy_floor (ref text, level text, source text, category text, title text,
  location text, unit text, supervisors text, deadline text, long_term text, measures text,
  target text, status text, closed_on text, progress text)"
t=$(now_ms)
psql -XAtq -c "\\copy copy_floor FROM '$F' WITH (FORMAT csv, HEADER true)"
COPY_MS=$(( $(now_ms) - t ))
psql -XAtq -c "DROP TABLE copy_floor" -c CHECKPOINT >/dev/null

say "first import"
t=$(now_ms)
/usr/bin/time -f '%M' -o "$WORK/first.rss" "$CTL" --now "$NOW" problem import "$F" >"$WORK/first.log"
FIRST_MS=$(( $(now_ms) - t ))
STATS=$(psql -XAtq -c "SELECT reltuples::bigint FROM pg_class WHERE oid = 'duban.problems'::regclass")
psql -XAtq -c CHECKPOINT >/dev/null
say "again, unchanged"
t=$(now_ms)
/usr/bin/time -f '%M' -o "$WORK/again.rss" "$CTL" --now "$NOW" problem import "$F" >"$WORK/again.log"
AGAIN_MS=$(( $(now_ms) - t ))
N=$(psql -XAtq -c "SELECT count(*) FROM duban.problems")
HIST=$(psql -XAtq -c "SELECT pg_size_pretty(pg_total_relation_size('duban.history'))")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1) }'; }
rate() { echo $(( $1 * 1000 / ($2 > 0 ? $2 : 1) )); }
printf '\n| %s problems (load %s) | ms | rows/s | × COPY | peak RSS |\n| --- | --- | --- | --- | --- |\n' \
  "$N" "$(cut -d' ' -f1 /proc/loadavg)"
printf '| plain COPY (psql \\copy, text columns) | %s | %s | 1.0 | |\n' "$COPY_MS" "$(rate "$N" "$COPY_MS")"
printf '| first import | %s | %s | %s | %s MiB |\n' "$FIRST_MS" "$(rate "$N" "$FIRST_MS")" \
  "$(ratio "$FIRST_MS" "$COPY_MS")" "$(( $(tail -n1 "$WORK/first.rss") / 1024 ))"
printf '| re-import, unchanged | %s | %s | %s | %s MiB |\n' "$AGAIN_MS" "$(rate "$N" "$AGAIN_MS")" \
  "$(ratio "$AGAIN_MS" "$COPY_MS")" "$(( $(tail -n1 "$WORK/again.rss") / 1024 ))"
printf '\nafter the first import: planner row estimate of duban.problems %s (-1: never analyzed); history %s\n' "$STATS" "$HIST"
