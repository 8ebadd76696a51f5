#!/usr/bin/env bash
# sql_rules.sh — the SQL rules of SPEC §7 (b)–(g) over a simulated 2026: acceptance clock,
# publicity and closure, reporting reminders and missed lists, bulletins with the ranking,
# deduction thresholds, revisit sampling, catch-up after downtime, idempotence and two
# sweepers at once. Every assertion compares an exact expected list.
#
# Database: the harness (tests/harness/lib.sh or $DUBAN_PGENV from pg.sh) when present, else
# whatever server libpq's PG* variables name. Without a build, migrations and sql/ modules are
# loaded with psql -f in migrate's order.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${DUBAN_SOURCE:-$(cd "$HERE/../.." && pwd)}

if [[ -n ${DUBAN_BUILD:-} && -n ${DUBAN_PGENV:-} ]]; then
  # under ctest: the harness (its EXIT trap, scratch dir, duban_test_db, dubanctl)
  # shellcheck disable=SC1091
  . "$SRC/tests/harness/lib.sh"
  export LC_ALL=C
  WORK=$TEST_TMP
else
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi

new_db() {  # NAME: an empty database
  if declare -F duban_test_db >/dev/null; then
    duban_test_db "$1" >/dev/null
  else
    psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
      -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" \
      -c "CREATE DATABASE \"$1\" TEMPLATE template0 ENCODING 'UTF8'" >/dev/null
  fi
}
q() {  # DB ARGS...: psql, unaligned, errors fatal
  local db=$1
  shift
  psql -XAtq -v ON_ERROR_STOP=1 -d "$db" "$@"
}
migrate() {  # DB: `dubanctl migrate` when built, else psql -f in migrate's order: the 00_
  local f     # modules, the migrations, the other modules
  if [[ -n ${DUBAN_BUILD:-} && -x ${DUBAN_BUILD:-}/dubanctl ]]; then
    PGDATABASE=$1 "$DUBAN_BUILD/dubanctl" migrate >/dev/null
  else
    q "$1" -c "CREATE SCHEMA IF NOT EXISTS duban" >/dev/null
    for f in "$SRC"/sql/00_*.sql "$SRC"/migrations/[0-9]*.sql "$SRC"/sql/[1-9]*.sql; do
      q "$1" -f "$f" >/dev/null
    done
  fi
}

FAILS=0
jnorm() {  # DB JSON: pretty-printed as PostgreSQL prints jsonb
  q "$1" -v j="$2" <<<"SELECT jsonb_pretty(:'j'::jsonb);"
}
check() {  # NAME EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then
    echo "ok   $1"
  else
    echo "FAIL $1"
    diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/     /' | tail -n +3 || true
    FAILS=$((FAILS + 1))
  fi
}

# ---------------------------------------------------------------------------
# The scenario: what users do (at 09:00 local, before the day's sweeps).
declare -A ACT
act() { ACT[$1]+="$2"$'\n'; }

act 2026-01-05 "SELECT t.problem('OVER1', 'T3', '{D1}', '2026-02-28');"
act 2026-01-05 "SELECT t.problem('LATE1', 'D1', '{S1}', '2026-01-31');"
act 2026-01-15 "SELECT t.problem('SELF1', 'T1', '{D1}', '2026-06-30', '自查');"
act 2026-01-20 "SELECT t.problem('CLOSEDIMP', 'D1', '{S1}', '2026-03-31', '督察', '2026-01-20');"
act 2026-02-10 "SELECT t.problem('ACC1', 'T1', '{S1,D1}', '2026-03-31'); SELECT t.move('ACC1', 'apply');"
act 2026-03-02 "SELECT t.move('LATE1', 'apply');"
act 2026-03-09 "SELECT t.move('LATE1', 'accept');"
act 2026-03-12 "SELECT t.move('ACC1', 'accept');"
act 2026-04-15 "SELECT t.problem('SELF2', 'T2', '{D1}', '2026-12-31', '自查');"
act 2026-04-20 "SELECT t.problem('PUB1', 'S1', '{D1}', '2026-04-30'); SELECT t.move('PUB1', 'apply');"
act 2026-04-25 "SELECT t.move('PUB1', 'accept');"
act 2026-05-20 "SELECT t.problem('PUB2', 'P1', '{D1}', '2026-05-31');"
act 2026-05-25 "SELECT t.move('PUB2', 'apply');"
act 2026-06-01 "SELECT t.move('PUB2', 'accept');"
act 2026-06-05 "SELECT t.move('PUB2', 'object');"
act 2026-06-30 "SELECT t.problem('EDGE', 'S1', '{D1}', '2026-12-31', '督察', '2026-06-30');"
act 2026-09-18 "SELECT t.problem('ACC2', 'T2', '{D1}', '2026-12-31'); SELECT t.move('ACC2', 'apply');"
act 2026-09-30 "SELECT t.problem(format('H%s', lpad(i::text, 2, '0')), CASE WHEN i <= 6 THEN 'S1' ELSE 'D1' END,
                  '{T1}', '2026-12-31', '督察', date '2026-07-01' + 7 * (i - 1)) FROM generate_series(1, 12) i;"
act 2026-10-19 "SELECT t.move('ACC2', 'reject');"
# deductions
act 2026-03-16 "SELECT t.deduct('T2', '{4}');"
act 2026-03-17 "SELECT t.deduct('T2', '{4}');"
act 2026-04-15 "SELECT t.deduct('T2', '{25}');"
act 2026-05-12 "SELECT t.deduct('T3', '{10}');"
act 2026-05-13 "SELECT t.deduct('T3', '{5}');"
act 2026-06-02 "SELECT t.deduct('P1', '{6,6}');"
act 2026-07-01 "SELECT t.deduct('T1', '{10}');"
act 2026-07-15 "SELECT t.deduct('T3', '{5}');"
act 2026-08-14 "SELECT t.deduct('T3', '{10}');"
act 2026-11-02 "SELECT t.deduct('D1', '{12,10}');"
# reports: monthly self-found by everyone but T1 on the 5th; T1 on the 21st except Feb and Jun
# (in Jan its self-found problem SELF1 counts); dispatch notes on the 10th (OVER1 none after Feb)
for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
  for u in T2 T3 S1 P1 D1; do act "2026-$m-05" "SELECT t.submit('$u', 'monthly-self-found', '2026-$m');"; done
  case $m in 01 | 02 | 06) ;; *) act "2026-$m-21" "SELECT t.submit('T1', 'monthly-self-found', '2026-$m');" ;; esac
  if [[ $m == 01 || $m == 02 ]]; then act "2026-$m-10" "SELECT t.notes();"
  else act "2026-$m-10" "SELECT t.notes('{OVER1}');"; fi
done
# quarterly self-inspection on the 2nd of the due month; T2 late in Q1 (03-12), T1 between the
# reminders in Q2 (06-06), never in Q1 and Q4
for m in 03 06 09 12; do
  qn=$((10#$m / 3))
  for u in T3 S1 P1 D1; do act "2026-$m-02" "SELECT t.submit('$u', 'quarterly-self-inspection', '2026-Q$qn');"; done
  [[ $m == 03 ]] || act "2026-$m-02" "SELECT t.submit('T2', 'quarterly-self-inspection', '2026-Q$qn');"
done
act 2026-03-12 "SELECT t.submit('T2', 'quarterly-self-inspection', '2026-Q1');"
act 2026-06-06 "SELECT t.submit('T1', 'quarterly-self-inspection', '2026-Q2');"
act 2026-09-02 "SELECT t.submit('T1', 'quarterly-self-inspection', '2026-Q3');"
# quarterly exposure (office): Q1 on 03-09, Q2 never, Q3 on 09-01, Q4 on 12-13
act 2026-03-09 "SELECT t.submit('OFF', 'quarterly-exposure', '2026-Q1');"
act 2026-09-01 "SELECT t.submit('OFF', 'quarterly-exposure', '2026-Q3');"
act 2026-12-13 "SELECT t.submit('OFF', 'quarterly-exposure', '2026-Q4');"
# custom schedules: S1 reports the campaign's 05-14 period on 05-11; D1 hands in adj-oct late
act 2026-05-11 "SELECT t.submit('S1', 'campaign', '2026-05-14');"
act 2026-10-11 "SELECT t.submit('D1', 'adj-oct', '2026-10-10');"

# Builds the walk: each day of 2026-01-01 .. 2027-01-05 at 09:00 local, the day's actions,
# then sweep_all twice (the second must make nothing) unless the day is in the gap list.
walk_sql() {  # GAP-DAYS...
  local -A gap=()
  local d
  for d in "$@"; do gap[$d]=1; done
  echo "SELECT set_config('duban.now', '2025-12-31T09:00:00+08:00', false);"
  echo "\\i $SRC/tests/sql/rules_fixture.sql"
  while read -r d; do
    echo "SELECT set_config('duban.now', '${d}T09:00:00+08:00', false);"
    printf '%s' "${ACT[$d]:-}"
    if [[ -z ${gap[$d]:-} ]]; then
      echo "INSERT INTO t.runs SELECT '$d', 1, coalesce(sum(notices), 0) FROM duban.sweep_all();"
      echo "INSERT INTO t.runs SELECT '$d', 2, coalesce(sum(notices), 0) FROM duban.sweep_all();"
    fi
  done < <(q postgres -c "SELECT generate_series(date '2026-01-01', date '2027-01-05', interval '1 day')::date")
}

days() {  # FROM TO: the days from FROM to TO
  q postgres -c "SELECT generate_series(date '$1', date '$2', interval '1 day')::date"
}

DB1=${SQL_RULES_DB:-duban_sql_rules}_daily
DB2=${SQL_RULES_DB:-duban_sql_rules}_gaps
DB3=${SQL_RULES_DB:-duban_sql_rules}_race
# shellcheck disable=SC2207
GAPS=($(days 2026-02-26 2026-03-04) $(days 2026-03-11 2026-03-12) $(days 2026-03-31 2026-04-02)
      $(days 2026-05-01 2026-05-05) $(days 2026-10-06 2026-10-09) $(days 2026-12-03 2026-12-07)
      $(days 2026-12-10 2026-12-11))

t0=$SECONDS
new_db "$DB1"
migrate "$DB1"
walk_sql > "$WORK/daily.sql"
q "$DB1" -f "$WORK/daily.sql" >/dev/null
new_db "$DB2"
migrate "$DB2"
walk_sql "${GAPS[@]}" > "$WORK/gaps.sql"
q "$DB2" -f "$WORK/gaps.sql" >/dev/null
echo "# walked 2026 twice (daily, with gaps) in $((SECONDS - t0)) s"

facts() { q "$1" -c "SELECT * FROM t.facts('$2')"; }

# ---------------------------------------------------------------------------
# Every notice exists once per channel of its recipient; a second sweep on a day makes nothing.
for db in "$DB1" "$DB2"; do
  check "$db: one notice per fact per channel" "" "$(q "$db" -c "
    SELECT k, n, c FROM (
      SELECT regexp_replace(n.key, ':[0-9]+$', '') AS k, count(*) AS n,
             (SELECT count(*) FROM duban.channels c WHERE c.unit_id = n.unit_id) AS c
        FROM duban.notices n GROUP BY 1, n.unit_id) x WHERE n <> c")"
  check "$db: the second sweep of each day made nothing" "0" \
    "$(q "$db" -c "SELECT coalesce(sum(made), 0) FROM t.runs WHERE run = 2")"
done

# ---------------------------------------------------------------------------
# (b) Acceptance: ACC1 applied Tue 2026-02-10, Spring Festival 02-15..23, Saturdays 02-14 and
# 02-28 worked: prompt on working day 8 (02-27), supervise from working day 11 (03-03) every 5
# (03-10); accepted 03-12. ACC2 applied 09-18 across Mid-Autumn and National Day: prompt
# 09-30, supervise on Saturday 10-10 (working day 11) and 10-16; rejected 10-19.
# PUB1, PUB2, LATE1 were decided within 8 working days.
check "acceptance notices (daily)" "2026-02-27 S1 ACC1 prompt 1 S1 2026-02-10 8
2026-03-03 OFF ACC1 supervise 1 S1 2026-02-10 11
2026-03-03 S1 ACC1 supervise 1 S1 2026-02-10 11
2026-03-10 OFF ACC1 supervise 2 S1 2026-02-10 16
2026-03-10 S1 ACC1 supervise 2 S1 2026-02-10 16
2026-09-30 D1 ACC2 prompt 1 D1 2026-09-18 8
2026-10-10 D1 ACC2 supervise 1 D1 2026-09-18 11
2026-10-10 OFF ACC2 supervise 1 D1 2026-09-18 11
2026-10-16 D1 ACC2 supervise 2 D1 2026-09-18 16
2026-10-16 OFF ACC2 supervise 2 D1 2026-09-18 16" "$(facts "$DB1" acceptance)"
# down 02-26..03-04: on 03-05 (working day 13) only the current step, supervise cycle 1
check "acceptance notices (gaps)" "2026-03-05 OFF ACC1 supervise 1 S1 2026-02-10 13
2026-03-05 S1 ACC1 supervise 1 S1 2026-02-10 13
2026-03-10 OFF ACC1 supervise 2 S1 2026-02-10 16
2026-03-10 S1 ACC1 supervise 2 S1 2026-02-10 16
2026-09-30 D1 ACC2 prompt 1 D1 2026-09-18 8
2026-10-10 D1 ACC2 supervise 1 D1 2026-09-18 11
2026-10-10 OFF ACC2 supervise 1 D1 2026-09-18 11
2026-10-16 D1 ACC2 supervise 2 D1 2026-09-18 16
2026-10-16 OFF ACC2 supervise 2 D1 2026-09-18 16" "$(facts "$DB2" acceptance)"
check "acceptance payload" "$(jnorm "$DB1" '{"cycle": 1, "limit": 10, "stage": "prompt", "title": "问题ACC1", "problem": "ACC1", "unit": "S1", "lead": "S1", "role": "lead", "applied": "2026-02-10", "decide_by": "2026-03-02", "lead_name": "北街道", "main_unit": "T1", "recipient": "S1", "unit_name": "北街道", "working_days": 8, "main_unit_name": "东镇", "recipient_name": "北街道", "type": "acceptance"}')" \
  "$(q "$DB1" -c "SELECT jsonb_pretty(payload) FROM duban.notices WHERE type = 'acceptance' ORDER BY id LIMIT 1")"
check "acceptance history" "ACC1 acceptance-escalate prompt 1
ACC1 acceptance-escalate supervise 1
ACC1 acceptance-escalate supervise 2
ACC2 acceptance-escalate prompt 1
ACC2 acceptance-escalate supervise 1
ACC2 acceptance-escalate supervise 2" "$(q "$DB1" -c "
  SELECT p.ref || ' ' || h.action || ' ' || (h.detail->>'stage') || ' ' || (h.detail->>'cycle')
    FROM duban.history h JOIN duban.problems p ON p.id = h.problem_id
   WHERE h.action = 'acceptance-escalate' ORDER BY p.ref, h.id")"

# ---------------------------------------------------------------------------
# (c) Publicity: accepted on A, closed on A+8 to main unit, supervisors, office. PUB1 closes
# on 05-03 (Labour Day); with the daemon down 05-01..05-05 it closes at 05-06, closed_on 05-03.
# PUB2 was objected to during its publicity.
check "closed notices (daily)" "2026-03-17 D1 LATE1 D1 2026-03-17
2026-03-17 OFF LATE1 D1 2026-03-17
2026-03-17 S1 LATE1 D1 2026-03-17
2026-03-20 D1 ACC1 T1 2026-03-20
2026-03-20 OFF ACC1 T1 2026-03-20
2026-03-20 S1 ACC1 T1 2026-03-20
2026-03-20 T1 ACC1 T1 2026-03-20
2026-05-03 D1 PUB1 S1 2026-05-03
2026-05-03 OFF PUB1 S1 2026-05-03
2026-05-03 S1 PUB1 S1 2026-05-03" "$(facts "$DB1" closed)"
check "closed notices (gaps)" "2026-03-17 D1 LATE1 D1 2026-03-17
2026-03-17 OFF LATE1 D1 2026-03-17
2026-03-17 S1 LATE1 D1 2026-03-17
2026-03-20 D1 ACC1 T1 2026-03-20
2026-03-20 OFF ACC1 T1 2026-03-20
2026-03-20 S1 ACC1 T1 2026-03-20
2026-03-20 T1 ACC1 T1 2026-03-20
2026-05-06 D1 PUB1 S1 2026-05-03
2026-05-06 OFF PUB1 S1 2026-05-03
2026-05-06 S1 PUB1 S1 2026-05-03" "$(facts "$DB2" closed)"
for db in "$DB1" "$DB2"; do
  check "$db: statuses and closure dates" "ACC1 closed 2026-03-20
ACC2 rectifying
CLOSEDIMP closed 2026-01-20
EDGE closed 2026-06-30
LATE1 closed 2026-03-17
OVER1 rectifying
PUB1 closed 2026-05-03
PUB2 rectifying
SELF1 rectifying
SELF2 rectifying" "$(q "$db" -c "SELECT concat_ws(' ', ref, status, closed_on) FROM duban.problems
                                 WHERE ref !~ '^H' ORDER BY ref COLLATE \"C\"")"
  check "$db: closure history" "ACC1 close duband 2026-03-20
LATE1 close duband 2026-03-17
PUB1 close duband 2026-05-03" "$(q "$db" -c "
    SELECT concat_ws(' ', p.ref, h.action, h.actor, h.detail->'changes'->'closed_on'->>'after')
      FROM duban.history h JOIN duban.problems p ON p.id = h.problem_id
     WHERE h.action = 'close' ORDER BY p.ref")"
done

# ---------------------------------------------------------------------------
# (d) Reminders. Self-found on the 20th (02-20 is Spring Festival: Saturday 02-14 worked;
# 06-20 Dragon Boat: 06-18; 09-20 a worked Sunday; 12-20 Sunday: 12-18); dispatch on the 25th
# listing the problems without a note that month; quarterly self-inspection 7/3/1/0 days before
# 03-10, 06-10, 12-10; exposure 7/3/1 before the 15th (06-14 and 06-12 are one reminder);
# the campaign (4th, 14th, 24th of Apr, May, Jun, Sep, Oct: Qingming, Labour Day, Dragon Boat,
# Mid-Autumn, National Day) and the adj-* schedules due on the worked weekend days.
REMINDERS_DAILY="2026-01-04 D1 adj-jan 2026-01-04 D1 2026-01-04
2026-01-23 T1 monthly-dispatch 2026-01 T1 2026-01-31 [\"SELF1\"]
2026-02-14 T1 monthly-self-found 2026-02 T1 2026-02-28
2026-02-28 D1 adj-feb 2026-02-28 D1 2026-02-28
2026-03-03 T1 quarterly-self-inspection 2026-Q1 T1 2026-03-10
2026-03-03 T2 quarterly-self-inspection 2026-Q1 T2 2026-03-10
2026-03-06 OFF quarterly-exposure 2026-Q1 OFF 2026-03-15
2026-03-06 T1 quarterly-self-inspection 2026-Q1 T1 2026-03-10
2026-03-06 T2 quarterly-self-inspection 2026-Q1 T2 2026-03-10
2026-03-09 T1 quarterly-self-inspection 2026-Q1 T1 2026-03-10
2026-03-09 T2 quarterly-self-inspection 2026-Q1 T2 2026-03-10
2026-03-10 T1 quarterly-self-inspection 2026-Q1 T1 2026-03-10
2026-03-10 T2 quarterly-self-inspection 2026-Q1 T2 2026-03-10
2026-03-20 T1 monthly-self-found 2026-03 T1 2026-03-31
2026-03-25 T3 monthly-dispatch 2026-03 T3 2026-03-31 [\"OVER1\"]
2026-03-27 S1 campaign 2026-04-04 S1 2026-04-04
2026-04-01 S1 campaign 2026-04-04 S1 2026-04-04
2026-04-03 S1 campaign 2026-04-04 S1 2026-04-04
2026-04-07 S1 campaign 2026-04-14 S1 2026-04-14
2026-04-10 S1 campaign 2026-04-14 S1 2026-04-14
2026-04-13 S1 campaign 2026-04-14 S1 2026-04-14
2026-04-14 S1 campaign 2026-04-14 S1 2026-04-14
2026-04-17 S1 campaign 2026-04-24 S1 2026-04-24
2026-04-20 T1 monthly-self-found 2026-04 T1 2026-04-30
2026-04-21 S1 campaign 2026-04-24 S1 2026-04-24
2026-04-23 S1 campaign 2026-04-24 S1 2026-04-24
2026-04-24 S1 campaign 2026-04-24 S1 2026-04-24
2026-04-24 T2 monthly-dispatch 2026-04 T2 2026-04-30 [\"SELF2\"]
2026-04-24 T3 monthly-dispatch 2026-04 T3 2026-04-30 [\"OVER1\"]
2026-04-27 S1 campaign 2026-05-04 S1 2026-05-04
2026-04-30 S1 campaign 2026-05-04 S1 2026-05-04
2026-05-07 S1 campaign 2026-05-14 S1 2026-05-14
2026-05-09 D1 adj-may 2026-05-09 D1 2026-05-09
2026-05-15 S1 campaign 2026-05-24 S1 2026-05-24
2026-05-20 T1 monthly-self-found 2026-05 T1 2026-05-31
2026-05-21 S1 campaign 2026-05-24 S1 2026-05-24
2026-05-22 S1 campaign 2026-05-24 S1 2026-05-24
2026-05-25 T3 monthly-dispatch 2026-05 T3 2026-05-31 [\"OVER1\"]
2026-05-28 S1 campaign 2026-06-04 S1 2026-06-04
2026-06-01 S1 campaign 2026-06-04 S1 2026-06-04
2026-06-03 S1 campaign 2026-06-04 S1 2026-06-04
2026-06-03 T1 quarterly-self-inspection 2026-Q2 T1 2026-06-10
2026-06-04 S1 campaign 2026-06-04 S1 2026-06-04
2026-06-05 S1 campaign 2026-06-14 S1 2026-06-14
2026-06-05 T1 quarterly-self-inspection 2026-Q2 T1 2026-06-10
2026-06-08 OFF quarterly-exposure 2026-Q2 OFF 2026-06-15
2026-06-11 S1 campaign 2026-06-14 S1 2026-06-14
2026-06-12 OFF quarterly-exposure 2026-Q2 OFF 2026-06-15
2026-06-12 S1 campaign 2026-06-14 S1 2026-06-14
2026-06-17 S1 campaign 2026-06-24 S1 2026-06-24
2026-06-18 S1 campaign 2026-06-24 S1 2026-06-24
2026-06-18 T1 monthly-self-found 2026-06 T1 2026-06-30
2026-06-23 S1 campaign 2026-06-24 S1 2026-06-24
2026-06-24 S1 campaign 2026-06-24 S1 2026-06-24
2026-06-25 T3 monthly-dispatch 2026-06 T3 2026-06-30 [\"OVER1\"]
2026-07-20 T1 monthly-self-found 2026-07 T1 2026-07-31
2026-07-24 T3 monthly-dispatch 2026-07 T3 2026-07-31 [\"OVER1\"]
2026-08-20 T1 monthly-self-found 2026-08 T1 2026-08-31
2026-08-25 T3 monthly-dispatch 2026-08 T3 2026-08-31 [\"OVER1\"]
2026-08-28 S1 campaign 2026-09-04 S1 2026-09-04
2026-09-01 S1 campaign 2026-09-04 S1 2026-09-04
2026-09-03 S1 campaign 2026-09-04 S1 2026-09-04
2026-09-04 S1 campaign 2026-09-04 S1 2026-09-04
2026-09-07 S1 campaign 2026-09-14 S1 2026-09-14
2026-09-11 S1 campaign 2026-09-14 S1 2026-09-14
2026-09-14 S1 campaign 2026-09-14 S1 2026-09-14
2026-09-17 S1 campaign 2026-09-24 S1 2026-09-24
2026-09-20 T1 monthly-self-found 2026-09 T1 2026-09-30
2026-09-21 S1 campaign 2026-09-24 S1 2026-09-24
2026-09-23 S1 campaign 2026-09-24 S1 2026-09-24
2026-09-24 S1 campaign 2026-09-24 S1 2026-09-24
2026-09-24 S1 campaign 2026-10-04 S1 2026-10-04
2026-09-24 T3 monthly-dispatch 2026-09 T3 2026-09-30 [\"OVER1\"]
2026-09-30 S1 campaign 2026-10-04 S1 2026-10-04
2026-09-30 S1 campaign 2026-10-14 S1 2026-10-14
2026-10-10 D1 adj-oct 2026-10-10 D1 2026-10-10
2026-10-10 S1 campaign 2026-10-14 S1 2026-10-14
2026-10-13 S1 campaign 2026-10-14 S1 2026-10-14
2026-10-14 S1 campaign 2026-10-14 S1 2026-10-14
2026-10-16 S1 campaign 2026-10-24 S1 2026-10-24
2026-10-20 T1 monthly-self-found 2026-10 T1 2026-10-31
2026-10-21 S1 campaign 2026-10-24 S1 2026-10-24
2026-10-23 S1 campaign 2026-10-24 S1 2026-10-24
2026-10-23 T2 monthly-dispatch 2026-10 T2 2026-10-31 [\"ACC2\"]
2026-10-23 T3 monthly-dispatch 2026-10 T3 2026-10-31 [\"OVER1\"]
2026-11-20 T1 monthly-self-found 2026-11 T1 2026-11-30
2026-11-25 T3 monthly-dispatch 2026-11 T3 2026-11-30 [\"OVER1\"]
2026-12-03 T1 quarterly-self-inspection 2026-Q4 T1 2026-12-10
2026-12-07 T1 quarterly-self-inspection 2026-Q4 T1 2026-12-10
2026-12-08 OFF quarterly-exposure 2026-Q4 OFF 2026-12-15
2026-12-09 T1 quarterly-self-inspection 2026-Q4 T1 2026-12-10
2026-12-10 T1 quarterly-self-inspection 2026-Q4 T1 2026-12-10
2026-12-11 OFF quarterly-exposure 2026-Q4 OFF 2026-12-15
2026-12-18 T1 monthly-self-found 2026-12 T1 2026-12-31
2026-12-25 T3 monthly-dispatch 2026-12 T3 2026-12-31 [\"OVER1\"]
2027-01-04 D1 adj-jan 2027-01-04 D1 2027-01-04"
check "reminders (daily)" "$REMINDERS_DAILY" "$(facts "$DB1" reminder)"

# With gaps, a reminder day that passed while down is sent once at the next run (03-03 on
# 03-05; 12-11 on 12-12), only the latest of several (04-01 dropped for 04-03; 12-03 dropped,
# 12-07 on 12-08), and never after the due day (adj-feb's 02-28 on 03-05, 12-10 on 12-12).
REMINDERS_GAPS=$(printf '%s\n' "$REMINDERS_DAILY" | grep -v \
  -e '^2026-02-28 D1 adj-feb' -e '^2026-04-01 S1 campaign' -e '^2026-12-03 T1 quarterly' -e '^2026-12-10 T1 quarterly' \
  | sed -e 's/^2026-03-03 \(T[12] quarterly\)/2026-03-05 \1/' \
        -e 's/^2026-12-07 T1 quarterly/2026-12-08 T1 quarterly/' \
        -e 's/^2026-12-11 OFF quarterly-exposure/2026-12-12 OFF quarterly-exposure/')
check "reminders (gaps), as a set" "$(printf '%s\n' "$REMINDERS_GAPS" | sort)" \
  "$(facts "$DB2" reminder | sort)"
check "reminder keys: gaps = daily minus the dropped four" \
  "reminder:adj-feb:2026-02-28:2026-02-28
reminder:campaign:2026-04-04:2026-04-01
reminder:quarterly-self-inspection:2026-Q4:2026-12-03
reminder:quarterly-self-inspection:2026-Q4:2026-12-10" \
  "$(comm -3 <(q "$DB1" -c "SELECT DISTINCT regexp_replace(key, '(:[0-9]+){2}$', '') FROM duban.notices WHERE type = 'reminder' ORDER BY 1") \
             <(q "$DB2" -c "SELECT DISTINCT regexp_replace(key, '(:[0-9]+){2}$', '') FROM duban.notices WHERE type = 'reminder' ORDER BY 1"))"
check "dispatch reminder payload" "$(jnorm "$DB1" '{"due": "2026-10-31", "role": "main", "type": "reminder", "unit": "T2", "period": "2026-10", "problems": ["ACC2"], "schedule": "monthly-dispatch", "days_left": 8, "recipient": "T2", "unit_name": "西镇", "problem_titles": {"ACC2": "问题ACC2"}, "recipient_name": "西镇", "schedule_label": "每月调度"}')" \
  "$(q "$DB1" -c "SELECT jsonb_pretty(payload) FROM duban.notices WHERE type = 'reminder' AND payload->>'unit' = 'T2'
                 AND payload->>'schedule' = 'monthly-dispatch' AND payload->>'period' = '2026-10'")"

# Missed lists on the day after the due day (holidays and weekends too), to the office (and
# leadership for exposure); a late submission stays listed (T2 2026-Q1, D1 adj-oct).
MISSED_DAILY='2026-01-01 OFF monthly-self-found 2025-12 ["D1", "P1", "S1", "T1", "T2", "T3"]
2026-01-05 OFF adj-jan 2026-01-04 ["D1"]
2026-02-01 OFF monthly-dispatch 2026-01 ["T1"] [{"name": "东镇", "unit": "T1", "count": 1, "problems": ["SELF1"]}]
2026-03-01 OFF adj-feb 2026-02-28 ["D1"]
2026-03-01 OFF monthly-self-found 2026-02 ["T1"]
2026-03-11 OFF quarterly-self-inspection 2026-Q1 ["T1", "T2"]
2026-04-01 OFF monthly-dispatch 2026-03 ["T3"] [{"name": "南镇", "unit": "T3", "count": 1, "problems": ["OVER1"]}]
2026-04-05 OFF campaign 2026-04-04 ["S1"]
2026-04-15 OFF campaign 2026-04-14 ["S1"]
2026-04-25 OFF campaign 2026-04-24 ["S1"]
2026-05-01 OFF monthly-dispatch 2026-04 ["T2", "T3"] [{"name": "西镇", "unit": "T2", "count": 1, "problems": ["SELF2"]}, {"name": "南镇", "unit": "T3", "count": 1, "problems": ["OVER1"]}]
2026-05-05 OFF campaign 2026-05-04 ["S1"]
2026-05-10 OFF adj-may 2026-05-09 ["D1"]
2026-05-25 OFF campaign 2026-05-24 ["S1"]
2026-06-01 OFF monthly-dispatch 2026-05 ["T3"] [{"name": "南镇", "unit": "T3", "count": 1, "problems": ["OVER1"]}]
2026-06-05 OFF campaign 2026-06-04 ["S1"]
2026-06-15 OFF campaign 2026-06-14 ["S1"]
2026-06-16 LEAD quarterly-exposure 2026-Q2 ["OFF"]
2026-06-16 OFF quarterly-exposure 2026-Q2 ["OFF"]
2026-06-25 OFF campaign 2026-06-24 ["S1"]
2026-07-01 OFF monthly-dispatch 2026-06 ["T3"] [{"name": "南镇", "unit": "T3", "count": 1, "problems": ["OVER1"]}]
2026-07-01 OFF monthly-self-found 2026-06 ["T1"]
2026-08-01 OFF monthly-dispatch 2026-07 ["T3"] [{"name": "南镇", "unit": "T3", "count": 1, "problems": ["OVER1"]}]
2026-09-01 OFF monthly-dispatch 2026-08 ["T3"] [{"name": "南镇", "unit": "T3", "count": 1, "problems": ["OVER1"]}]
2026-09-05 OFF campaign 2026-09-04 ["S1"]
2026-09-15 OFF campaign 2026-09-14 ["S1"]
2026-09-25 OFF campaign 2026-09-24 ["S1"]
2026-10-01 OFF monthly-dispatch 2026-09 ["T3"] [{"name": "南镇", "unit": "T3", "count": 1, "problems": ["OVER1"]}]
2026-10-05 OFF campaign 2026-10-04 ["S1"]
2026-10-11 OFF adj-oct 2026-10-10 ["D1"]
2026-10-15 OFF campaign 2026-10-14 ["S1"]
2026-10-25 OFF campaign 2026-10-24 ["S1"]
2026-11-01 OFF monthly-dispatch 2026-10 ["T2", "T3"] [{"name": "西镇", "unit": "T2", "count": 1, "problems": ["ACC2"]}, {"name": "南镇", "unit": "T3", "count": 1, "problems": ["OVER1"]}]
2026-12-01 OFF monthly-dispatch 2026-11 ["T3"] [{"name": "南镇", "unit": "T3", "count": 1, "problems": ["OVER1"]}]
2026-12-11 OFF quarterly-self-inspection 2026-Q4 ["T1"]
2027-01-01 OFF monthly-dispatch 2026-12 ["T3"] [{"name": "南镇", "unit": "T3", "count": 1, "problems": ["OVER1"]}]
2027-01-05 OFF adj-jan 2027-01-04 ["D1"]'
check "missed (daily)" "$MISSED_DAILY" "$(facts "$DB1" missed | grep -E '^\S+ (OFF|LEAD) ')"
# with gaps: the same lists, made at the next run (T2 handed Q1 in on 03-12 and stays listed)
MISSED_GAPS=$(printf '%s\n' "$MISSED_DAILY" | sed \
  -e 's/^2026-03-01 /2026-03-05 /' -e 's/^2026-03-11 /2026-03-13 /' -e 's/^2026-04-01 /2026-04-03 /' \
  -e 's/^2026-05-01 /2026-05-06 /' -e 's/^2026-05-05 /2026-05-06 /' -e 's/^2026-12-11 /2026-12-12 /')
check "missed (gaps)" "$(printf '%s\n' "$MISSED_GAPS" | sort)" "$(facts "$DB2" missed | grep -E '^\S+ (OFF|LEAD) ' | sort)"
# each unit of an office's missed list also gets its own missed notice (SPEC §7d), the same day
for db in "$DB1" "$DB2"; do
  check "$db: each missing unit told itself" "$(q "$db" -c "
    SELECT DISTINCT concat_ws(' ', (n.created_at AT TIME ZONE 'Asia/Shanghai')::date, x.u, n.payload->>'schedule',
                              n.payload->>'period')
      FROM duban.notices n JOIN duban.units r ON r.id = n.unit_id,
           jsonb_array_elements_text(n.payload->'units') x(u)
     WHERE n.type = 'missed' AND r.kind = 'office' AND x.u NOT IN (SELECT code FROM duban.units WHERE kind = 'office')
     ORDER BY 1")" "$(q "$db" -c "
    SELECT DISTINCT concat_ws(' ', (n.created_at AT TIME ZONE 'Asia/Shanghai')::date, n.payload->>'unit', n.payload->>'schedule',
                     n.payload->>'period')
      FROM duban.notices n JOIN duban.units r ON r.id = n.unit_id
     WHERE n.type = 'missed' AND r.kind NOT IN ('office', 'leadership')
       AND n.payload->>'unit' = r.code AND n.payload->>'role' = 'main' AND n.payload ? 'due'
     ORDER BY 1")"
done
check "report late flags" "adj-oct D1 2026-10-10 t
quarterly-self-inspection T2 2026-Q1 t" "$(q "$DB1" -c "
  SELECT concat_ws(' ', r.schedule, u.code, r.period, r.late) FROM duban.reports r
    JOIN duban.units u ON u.id = r.unit_id WHERE r.late ORDER BY 1")"
check "report_due / report_period" "2026-03-10 2026-06-15 2026-02-28 2026-10-14 2026-09-30 - - - - 2026-Q1 2026-03 2026-10-14 2026-04-04" \
  "$(q "$DB1" -c "SELECT concat_ws(' ', duban.report_due('quarterly-self-inspection', '2026-Q1'),
       duban.report_due('quarterly-exposure', '2026-Q2'), duban.report_due('monthly-self-found', '2026-02'),
       duban.report_due('campaign', '2026-10-14'), duban.report_due('monthly-dispatch', '2026-09'),
       coalesce(duban.report_due('campaign', '2026-10-15')::text, '-'), coalesce(duban.report_due('quarterly-self-inspection', '2026-03')::text, '-'),
       coalesce(duban.report_due('monthly-self-found', '2026-02-30')::text, '-'), coalesce(duban.report_due('nope', '2026-Q1')::text, '-'),
       duban.report_period('quarterly-self-inspection', '2026-03-20'), duban.report_period('monthly-dispatch', '2026-03-20'),
       duban.report_period('campaign', '2026-10-05'), duban.report_period('campaign', '2026-03-20'))")"

# ---------------------------------------------------------------------------
# (e) Bulletins: first working day of each month (2026-01-04 is a worked Sunday, 05-06 after
# Labour Day, 10-08 after National Day) and 06-16, 12-16; to office and leadership.
BULLETIN_DAYS="2026-01-04 2025-12 monthly
2026-02-02 2026-01 monthly
2026-03-02 2026-02 monthly
2026-04-01 2026-03 monthly
2026-05-06 2026-04 monthly
2026-06-01 2026-05 monthly
2026-06-16 2026-06-16 mid-year
2026-07-01 2026-06 monthly
2026-08-03 2026-07 monthly
2026-09-01 2026-08 monthly
2026-10-08 2026-09 monthly
2026-11-02 2026-10 monthly
2026-12-01 2026-11 monthly
2026-12-16 2026-12-16 year-end
2027-01-04 2026-12 monthly"
bulletins() { q "$1" -c "SELECT DISTINCT concat_ws(' ', (n.created_at AT TIME ZONE 'Asia/Shanghai')::date, u.code,
                           payload->>'period', payload->>'kind') FROM duban.notices n JOIN duban.units u ON u.id = n.unit_id
                          WHERE type = 'bulletin' AND u.kind IN ('office', 'leadership') ORDER BY 1"; }
check "bulletin days (daily)" "$(awk '{print $1, "LEAD", $2, $3; print $1, "OFF", $2, $3}' <<<"$BULLETIN_DAYS")" "$(bulletins "$DB1")"
check "bulletin days (gaps)" "$(awk '{print $1, "LEAD", $2, $3; print $1, "OFF", $2, $3}' <<<"$BULLETIN_DAYS" \
  | sed -e 's/^2026-03-02 /2026-03-05 /' -e 's/^2026-04-01 /2026-04-03 /' -e 's/^2026-10-08 /2026-10-10 /' | sort)" \
  "$(bulletins "$DB2" | sort)"
# 06-16: T1 105 = 100 + 5 (SELF1); S1 100; D1 75 = 100 × (1 + 0.5)/2; T2 72 = 100 + 5 − 33;
# P1 −12 = 0 − 12; T3 −15 = 0 − 15 (OVER1 overdue 108 days, PUB2 16).
check "bulletin 2026-06-16" "$(jnorm "$DB1" '{"red": ["T1", "S1", "D1"], "black": ["P1", "T3", "T2"], "units": [{"name": "东镇", "open": 1, "rate": 0.5000, "unit": "T1", "index": 105.0, "closed": 1, "overdue": 0, "deducted": 0, "self_found": 1, "closed_late": 0, "closed_on_time": 1, "place": 1}, {"name": "北街道", "open": 0, "rate": 1.0000, "unit": "S1", "index": 100.0, "closed": 1, "overdue": 0, "deducted": 0, "self_found": 0, "closed_late": 0, "closed_on_time": 1, "place": 2}, {"name": "区水利局", "open": 0, "rate": 1.0000, "unit": "D1", "index": 75.0, "closed": 2, "overdue": 0, "deducted": 0, "self_found": 0, "closed_late": 1, "closed_on_time": 1, "place": 3}, {"name": "西镇", "open": 1, "rate": 0.0000, "unit": "T2", "index": 72.0, "closed": 0, "overdue": 0, "deducted": 33, "self_found": 1, "closed_late": 0, "closed_on_time": 0, "place": 4}, {"name": "高新园区", "open": 1, "rate": 0.0000, "unit": "P1", "index": 0.0, "closed": 0, "overdue": 1, "deducted": 12, "self_found": 0, "closed_late": 0, "closed_on_time": 0, "place": 5}, {"name": "南镇", "open": 1, "rate": 0.0000, "unit": "T3", "index": 0.0, "closed": 0, "overdue": 1, "deducted": 15, "self_found": 0, "closed_late": 0, "closed_on_time": 0, "place": 5}], "overdue_problems": [{"due": "2026-02-28", "ref": "OVER1", "days": 108, "unit": "T3", "title": "问题OVER1", "unit_name": "南镇"}, {"due": "2026-05-31", "ref": "PUB2", "days": 16, "unit": "P1", "title": "问题PUB2", "unit_name": "高新园区"}], "overdue_total": 2, "none": []}')" \
  "$(q "$DB1" -c "SELECT jsonb_pretty(payload - '{type,period,kind,day,as_of,year,recipient,recipient_name,role}'::text[])
                 FROM duban.notices WHERE type = 'bulletin' AND payload->>'period' = '2026-06-16'
                  AND payload->>'recipient' = 'OFF' LIMIT 1")"
# 12-16: S1 100 (8 closed on time); T2 72; D1 71.8 = 100 × 7.5/8 − 22; T1 45 = 100 × 1/2 + 5 − 10;
# P1 −12; T3 −30.
check "bulletin 2026-12-16" "$(jnorm "$DB1" '{"red": ["S1", "T2", "D1"], "black": ["P1", "T3", "T1"], "units": [{"name": "北街道", "open": 0, "rate": 1.0000, "unit": "S1", "index": 100.0, "closed": 8, "overdue": 0, "deducted": 0, "self_found": 0, "closed_late": 0, "closed_on_time": 8, "place": 1}, {"name": "西镇", "open": 2, "rate": 0.0000, "unit": "T2", "index": 72.0, "closed": 0, "overdue": 0, "deducted": 33, "self_found": 1, "closed_late": 0, "closed_on_time": 0, "place": 2}, {"name": "区水利局", "open": 0, "rate": 1.0000, "unit": "D1", "index": 71.8, "closed": 8, "overdue": 0, "deducted": 22, "self_found": 0, "closed_late": 1, "closed_on_time": 7, "place": 3}, {"name": "东镇", "open": 1, "rate": 0.5000, "unit": "T1", "index": 45.0, "closed": 1, "overdue": 1, "deducted": 10, "self_found": 1, "closed_late": 0, "closed_on_time": 1, "place": 4}, {"name": "高新园区", "open": 1, "rate": 0.0000, "unit": "P1", "index": 0.0, "closed": 0, "overdue": 1, "deducted": 12, "self_found": 0, "closed_late": 0, "closed_on_time": 0, "place": 5}, {"name": "南镇", "open": 1, "rate": 0.0000, "unit": "T3", "index": 0.0, "closed": 0, "overdue": 1, "deducted": 30, "self_found": 0, "closed_late": 0, "closed_on_time": 0, "place": 5}], "overdue_problems": [{"due": "2026-02-28", "ref": "OVER1", "days": 291, "unit": "T3", "title": "问题OVER1", "unit_name": "南镇"}, {"due": "2026-05-31", "ref": "PUB2", "days": 199, "unit": "P1", "title": "问题PUB2", "unit_name": "高新园区"}, {"due": "2026-06-30", "ref": "SELF1", "days": 169, "unit": "T1", "title": "问题SELF1", "unit_name": "东镇"}], "overdue_total": 3, "none": []}')" \
  "$(q "$DB1" -c "SELECT jsonb_pretty(payload - '{type,period,kind,day,as_of,year,recipient,recipient_name,role}'::text[])
                 FROM duban.notices WHERE type = 'bulletin' AND payload->>'period' = '2026-12-16'
                  AND payload->>'recipient' = 'OFF' LIMIT 1")"
check "bulletin envelope" "bulletin 2026-12-16 year-end 2026-12-16 2026-12-16 2026 LEAD 区领导小组
bulletin 2026-12 monthly 2027-01-04 2027-01-04 2026 LEAD 区领导小组" \
  "$(q "$DB1" -c "SELECT concat_ws(' ', payload->>'type', payload->>'period', payload->>'kind', payload->>'day',
                 payload->>'as_of', payload->>'year', payload->>'recipient', payload->>'recipient_name') FROM duban.notices
                 WHERE type = 'bulletin' AND payload->>'period' IN ('2026-12-16', '2026-12')
                   AND payload->>'recipient' = 'LEAD' ORDER BY id")"
# Red and black lists of every bulletin: only units that have problems are listed (early in the
# year few do; 2026-01-04 none), at most half of them each; black lists the worst first. Indexes
# are never below 0, so from 06-16 P1 and T3 (and later T2) tie at 0.0: tied units share a place
# and a list takes all of them or none (listed by code within a tie).
check "bulletin red and black lists" '2026-01-04 OFF 2025-12 monthly [] []
2026-02-02 OFF 2026-01 monthly ["T1"] ["D1"]
2026-03-02 OFF 2026-02 monthly ["T1"] ["T3"]
2026-04-01 OFF 2026-03 monthly ["T1"] ["T3"]
2026-05-06 OFF 2026-04 monthly ["T1", "S1"] ["T3", "T2"]
2026-06-01 OFF 2026-05 monthly ["T1", "P1", "S1"] ["T3", "T2", "D1"]
2026-06-16 OFF 2026-06-16 mid-year ["T1", "S1", "D1"] ["P1", "T3", "T2"]
2026-07-01 OFF 2026-06 monthly ["S1", "D1", "T2"] ["P1", "T3", "T1"]
2026-08-03 OFF 2026-07 monthly ["S1", "D1", "T2"] ["P1", "T3", "T1"]
2026-09-01 OFF 2026-08 monthly ["S1", "D1", "T2"] ["P1", "T3", "T1"]
2026-10-08 OFF 2026-09 monthly ["S1", "D1", "T2"] ["P1", "T3", "T1"]
2026-11-02 OFF 2026-10 monthly ["S1", "T2", "D1"] ["P1", "T3", "T1"]
2026-12-01 OFF 2026-11 monthly ["S1", "T2", "D1"] ["P1", "T3", "T1"]
2026-12-16 OFF 2026-12-16 year-end ["S1", "T2", "D1"] ["P1", "T3", "T1"]
2027-01-04 OFF 2026-12 monthly ["S1", "D1", "T1"] ["P1", "T2", "T3"]' "$(facts "$DB1" bulletin | grep ' OFF ')"
# 2027-01-04 reviews 2026: T2 −28 = 0 (SELF2, ACC2 overdue since 12-31) + 5 − 33.
check "bulletin 2026-12 indexes (never below 0; equal ones share a place)" "S1 100.0 D1 71.8 T1 45.0 P1 0.0 T2 0.0 T3 0.0" "$(q "$DB1" -c "
  SELECT string_agg((u->>'unit') || ' ' || (u->>'index'), ' ' ORDER BY (u->>'place')::int, u->>'unit')
    FROM duban.notices n, jsonb_array_elements(n.payload->'units') u
   WHERE n.type = 'bulletin' AND n.payload->>'period' = '2026-12' AND n.payload->>'recipient' = 'OFF'")"

# ---------------------------------------------------------------------------
# (f) Deductions: T1's 30 points of 2025 do not count in 2026; T2 4 + 4 + 25 = 33 sends only
# level 30; T3 10 (10), 15 (none), 20 (20), 30 (30); P1 6 + 6 in one statement: one level 10;
# D1 12 + 10 in one statement: level 10 by the first row, level 20 by the second.
DEDUCTIONS="2025-12-31 LEAD T1 2025 30 30 interview_principal
2025-12-31 OFF T1 2025 30 30 interview_principal
2025-12-31 T1 T1 2025 30 30 interview_principal
2026-04-15 LEAD T2 2026 33 30 interview_principal
2026-04-15 OFF T2 2026 33 30 interview_principal
2026-04-15 T2 T2 2026 33 30 interview_principal
2026-05-12 OFF T3 2026 10 10 warning_letter
2026-05-12 T3 T3 2026 10 10 warning_letter
2026-06-02 OFF P1 2026 12 10 warning_letter
2026-06-02 P1 P1 2026 12 10 warning_letter
2026-07-01 OFF T1 2026 10 10 warning_letter
2026-07-01 T1 T1 2026 10 10 warning_letter
2026-07-15 LEAD T3 2026 20 20 interview_deputy
2026-07-15 OFF T3 2026 20 20 interview_deputy
2026-07-15 T3 T3 2026 20 20 interview_deputy
2026-08-14 LEAD T3 2026 30 30 interview_principal
2026-08-14 OFF T3 2026 30 30 interview_principal
2026-08-14 T3 T3 2026 30 30 interview_principal
2026-11-02 D1 D1 2026 12 10 warning_letter
2026-11-02 D1 D1 2026 22 20 interview_deputy
2026-11-02 LEAD D1 2026 22 20 interview_deputy
2026-11-02 OFF D1 2026 12 10 warning_letter
2026-11-02 OFF D1 2026 22 20 interview_deputy"
check "deduction notices" "$DEDUCTIONS" "$(facts "$DB1" deduction)"
check "deduction notices (gaps DB: same facts)" "$DEDUCTIONS" "$(facts "$DB2" deduction)"

# ---------------------------------------------------------------------------
# (g) Sampling on the first working day of each quarter: 2026-Q1 closed CLOSEDIMP, LATE1, ACC1
# (20 % of 3 -> 1), Q2 PUB1 and EDGE (closed on the quarter's last day), Q3 H01..H12 (3 of 12,
# H01 closed on the quarter's first day), Q4 and 2025-Q4 nothing.
# Picks: the first n by md5(ref || ':' || period) — random-looking, the same on every run.
SAMPLE_EXPECTED='2026-04-01 OFF 2026-Q1 ["ACC1"] 3
2026-07-01 OFF 2026-Q2 ["EDGE"] 2
2026-10-08 OFF 2026-Q3 ["H02", "H06", "H10"] 12'
check "sample notices (daily)" "$SAMPLE_EXPECTED" "$(facts "$DB1" sample)"
check "sample notices (gaps: same picks, made at the next run)" \
  "$(sed -e 's/^2026-04-01 /2026-04-03 /' -e 's/^2026-10-08 /2026-10-10 /' <<<"$SAMPLE_EXPECTED")" "$(facts "$DB2" sample)"
check "sample picks follow md5(ref:period)" "ACC1 EDGE H02 H06 H10" "$(q "$DB1" -c "
  SELECT string_agg(ref, ' ' ORDER BY o, ref) FROM (
    SELECT ref, o, row_number() OVER (PARTITION BY o ORDER BY md5(ref || ':' || period)) AS rn, lim
      FROM (VALUES (1, '2026-Q1', '{ACC1,CLOSEDIMP,LATE1}'::text[], 1), (2, '2026-Q2', '{EDGE,PUB1}', 1),
                   (3, '2026-Q3', '{H01,H02,H03,H04,H05,H06,H07,H08,H09,H10,H11,H12}', 3)) v(o, period, refs, lim),
           unnest(refs) ref) x WHERE rn <= lim")"

# Same facts whatever the downtime: the keys of missed, bulletin, sample, closed, deduction.
check "catch-up makes the same facts, once" "" "$(comm -3 \
  <(q "$DB1" -c "SELECT key FROM duban.notices WHERE type IN ('missed','bulletin','sample','closed','deduction') ORDER BY 1") \
  <(q "$DB2" -c "SELECT key FROM duban.notices WHERE type IN ('missed','bulletin','sample','closed','deduction') ORDER BY 1"))"

# ---------------------------------------------------------------------------
# Two sweepers at once: 200 units owing a reminder (and a bulletin due); both transactions
# sweep the same day, the first holds its transaction open; the second waits, then owes nothing.
new_db "$DB3"
migrate "$DB3"
q "$DB3" -c "SELECT set_config('duban.now', '2026-03-01T09:00:00+08:00', false);
  INSERT INTO duban.units (code, name, kind) SELECT 'U' || i, '单位' || i, 'town' FROM generate_series(1, 200) i;
  INSERT INTO duban.units (code, name, kind) VALUES ('OFF', '整改办', 'office');
  INSERT INTO duban.channels (unit_id, kind, url) SELECT id, 'json', 'https://hook.example/' || code FROM duban.units;
  SELECT sum(notices) FROM duban.sweep_all();" >/dev/null
# No fixed sleeps: the first sweeper, its sweep done, keeps its transaction open until the second
# is seen waiting for a lock (or 120 s went by); the second starts only once the first has swept.
racer() {  # racer NAME HOLD: one sweep in a transaction; HOLD=1 waits for racer2 before COMMIT
  PGAPPNAME=$1 q "$DB3" -c "BEGIN; SELECT set_config('duban.now', '2026-03-03T09:00:00+08:00', true);
             SELECT 'made ' || sum(notices) FROM duban.sweep_all();
             DO \$\$ BEGIN
               IF $2 = 1 THEN
                 FOR i IN 1..1200 LOOP
                   PERFORM pg_stat_clear_snapshot();
                   EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity
                                      WHERE application_name = 'racer2' AND wait_event_type = 'Lock');
                   PERFORM pg_sleep(0.1);
                 END LOOP;
               END IF;
             END \$\$; COMMIT;"
}
racer_holding() {  # racer1 has swept and is in its waiting loop
  [[ $(q "$DB3" -c "SELECT count(*) FROM pg_stat_activity
                     WHERE application_name = 'racer1' AND wait_event = 'PgSleep'") != 0 ]]
}
racer racer1 1 > "$WORK/race1" &
p1=$!
for ((i = 0; i < 1200; i++)); do racer_holding && break; kill -0 $p1 2>/dev/null || break; sleep 0.1; done
racer_holding || { echo "sql_rules: racer1 ended or never reached its waiting loop within 120 s" >&2; cat "$WORK/race1" >&2; exit 1; }
racer racer2 0 > "$WORK/race2" &
p2=$!
wait $p1 && wait $p2
check "two sweepers: the first made all, the second nothing" \
  "made $(q "$DB3" -c "SELECT count(*) FROM duban.notices WHERE (created_at AT TIME ZONE 'Asia/Shanghai')::date = '2026-03-03'") made 0" \
  "$(cat "$WORK/race1" "$WORK/race2" | grep made | tr '\n' ' ' | sed 's/ $//')"
check "two sweepers: outbox" "200" "$(q "$DB3" -c "SELECT count(*) FROM duban.notices WHERE type = 'reminder' AND payload->>'period' = '2026-Q1'")"

# ---------------------------------------------------------------------------
# Every notice the rules made matches its type's description in sql/notice_payloads.json (the
# file the renderers' unit test checks too), and the walk made every type the sweeps make.
SPEC=$(cat "$SRC/sql/notice_payloads.json")
for db in "$DB1" "$DB2" "$DB3"; do
  check "$db: payloads match sql/notice_payloads.json" "" \
    "$(q "$db" -v spec="$SPEC" -f "$SRC/tests/sql/notice_payloads_check.sql")"
done
check "payload check covers every type the rules make" \
  "acceptance applied bulletin closed deduction escalation missed objected publicity rejected reminder sample" \
  "$( (q "$DB1" -c "SELECT DISTINCT type FROM duban.notices"; q "$DB2" -c "SELECT DISTINCT type FROM duban.notices") \
      | sort -u | tr '\n' ' ' | sed 's/ $//')"

# ---------------------------------------------------------------------------
# notices have no foreign key to channels (migration 012): a channel deleted by hand still
# takes its notices with it (channels_notices_cascade), and leaves the others alone.
CH=$(q "$DB3" -c "SELECT channel_id FROM duban.notices GROUP BY channel_id ORDER BY count(*) DESC, channel_id LIMIT 1")
OTHERS=$(q "$DB3" -c "SELECT count(*) FROM duban.notices WHERE channel_id <> $CH")
q "$DB3" -c "DELETE FROM duban.channels WHERE id = $CH" >/dev/null
check "a deleted channel's notices go with it" "0|$OTHERS" \
  "$(q "$DB3" -c "SELECT count(*) FILTER (WHERE channel_id = $CH), count(*) FILTER (WHERE channel_id <> $CH) FROM duban.notices")"

if ((FAILS > 0)); then
  echo "sql_rules: $FAILS check(s) failed"
  exit 1
fi
echo "sql_rules: all checks passed"
