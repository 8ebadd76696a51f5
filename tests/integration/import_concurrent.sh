#!/usr/bin/env bash
# import_concurrent: two `problem import`s of overlapping files running at the same time end
# as if one ran after the other (SPEC §6), never with a mix of both. A third session holds
# the problems table against writes (reads still pass) until both imports are waiting on a
# lock, so that without serialisation both would compare the files against the same old
# ledger, then write; the lock is released and the result checked.
. "$DUBAN_SOURCE/tests/harness/lib.sh"

cd "$TEST_TMP"
duban_test_db t_import_concurrent
ctl migrate >/dev/null
printf 'code,name,kind\nXJ,新街镇,town\n' >units.csv
ctl unit import units.csv >/dev/null

N=2000
# ledger FILE TITLE-OF-ROW...: refs R0001..R$N (title by the awk expression) plus extra refs.
ledger() {
  local file=$1 expr=$2 extra_from=$3 extra_to=$4
  awk -v n="$N" -v a="$extra_from" -v b="$extra_to" 'BEGIN {
      print "ref,level,title,unit,supervisors,deadline"
      for (i = 1; i <= n; i++) printf "R%04d,central,%s,XJ,XJ,2026-03-31\n", i, '"$expr"'
      for (i = a; i <= b; i++) printf "R%04d,central,new,XJ,XJ,2026-03-31\n", i
    }' >"$file"
}
# The starting ledger: titles alternate, so each file differs from half of it.
ledger start.csv '(i % 2 ? "A" : "B")' 1 0
ledger a.csv '"A"' $((N + 1)) $((N + 100))
ledger b.csv '"B"' $((N + 101)) $((N + 200))
assert_exit 0 "the starting ledger" -- ctl problem import start.csv

# The blocker: EXCLUSIVE lets the imports read the ledger but not write to it.
mkfifo blocker.in
psql -XAtq -v ON_ERROR_STOP=1 <blocker.in >blocker.out 2>&1 &
BLOCKER=$!
exec 7>blocker.in
on_exit "kill $BLOCKER 2>/dev/null || true"
echo "BEGIN; LOCK TABLE duban.problems IN EXCLUSIVE MODE; SELECT 'locked';" >&7
wait_until 60 grep -q '^locked$' blocker.out || fail "the blocker did not take its lock"

ctl problem import a.csv >a.out 2>a.err &
PA=$!
ctl problem import b.csv >b.out 2>b.err &
PB=$!
waiting() {
  (($(psql_q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
               AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()") >= 2))
}
wait_until 300 waiting || fail "the two imports did not both reach a lock"
echo "COMMIT;" >&7
exec 7>&-
wait "$BLOCKER" || fail "the blocker failed: $(cat blocker.out)"
RA=0 RB=0
wait "$PA" || RA=$?
wait "$PB" || RB=$?
assert_eq "0 0" "$RA $RB" "both imports succeed ($(cat a.err b.err))"

# Serial order: the first import changes the half that differs, the second all N rows, and
# the overlap ends with the second one's titles.
summaries="$(cat a.out) | $(cat b.out)"
case "$summaries" in
  *"a.csv: $((N + 100)) rows, 100 added, $((N / 2)) updated"*"b.csv: $((N + 100)) rows, 100 added, $N updated"*)
    last=B ;;
  *"a.csv: $((N + 100)) rows, 100 added, $N updated"*"b.csv: $((N + 100)) rows, 100 added, $((N / 2)) updated"*)
    last=A ;;
  *) fail "the summaries are not those of a serial order: $summaries" ;;
esac
assert_eq "$last:$N" "$(psql_q "SELECT string_agg(title || ':' || n, ',') FROM (SELECT title, count(*) AS n
  FROM duban.problems WHERE ref <= 'R$(printf %04d "$N")' GROUP BY title) t")" \
  "every shared row has the title of the import that ran second"
assert_eq 200 "$(psql_q "SELECT count(*) FROM duban.problems WHERE title = 'new'")" "both files' new rows"
# history: N + 200 creations (an import's creation entry per problem it made), then N/2 + N
# title changes
assert_eq "$((N + 200))|$((N / 2 + N))" "$(psql_q "SELECT count(*) FILTER (WHERE detail ? 'created' OR detail ? 'after') || '|' ||
  count(*) FILTER (WHERE detail -> 'changes' ? 'title') FROM duban.problem_history")" "history has one entry per change"
