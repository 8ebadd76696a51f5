#!/usr/bin/env bash
# daemon_recovery.sh — a webhook that recovers is used again soon (SPEC §9): after an outage,
# the pending notices of that channel go out within one minute of the first success, and the
# outage itself costs no more failing requests than the back-off allows (one request each
# time a retry is due, never more). Walked on the simulated clock with `duband --once`, each
# run at the moment the next retry is due (what the running daemon's timer does), so nothing
# sleeps for a back-off.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_daemon_recovery
duban_config delivery.max_attempts=20 log.level=debug
ctl migrate >/dev/null
receiver_start recovery --status sink=503

ctl unit add sv '区生态环境分局' --kind department >/dev/null
ctl unit add sink '下沉镇' --kind town >/dev/null
ctl channel add sink --kind json --url "$RECEIVER_URL/json/sink" >/dev/null
late_problem() { # late_problem REF: a problem past its deadline (a supervise notice for sink)
  ctl --now 2026-03-01T09:00:00+08:00 problem add --ref "$1" --title "问题 $1" --level district \
    --unit sink --supervisors sv --deadline 2026-02-27 >/dev/null
}

LOG=$TEST_TMP/once.log
RUNS=0
run() { # run TIME: one `duband -f --once` (its log appended to $LOG)
  assert_exit 0 "duband --once at $1" -- dband -f --once --now "$1"
  cat "$TEST_TMP/last.err" >>"$LOG"
  RUNS=$((RUNS + 1))
}
sink_sql() { # sink_sql EXPR: EXPR over the sink channel's notices n
  psql_q "SELECT $1 FROM duban.notices n JOIN duban.channels c ON c.id = n.channel_id
            JOIN duban.units u ON u.id = c.unit_id WHERE u.code = 'sink'"
}
# The moment the next retry is due, one second after it, as the duban clock in +08:00.
next_due() {
  sink_sql "to_char((min(n.next_attempt_at) FILTER (WHERE n.status = 'pending') + interval '1 second')
              AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+08:00'"
}
# Seconds between the earliest and the latest pending retry.
spread() {
  sink_sql "coalesce(extract(epoch FROM max(n.next_attempt_at) FILTER (WHERE n.status = 'pending')
              - min(n.next_attempt_at) FILTER (WHERE n.status = 'pending'))::int, 0)"
}
epoch() { date -d "$1" +%s; }

# ---------------------------------------------------------------- the outage
# Two problems' notices fail at T0; a third problem's join the second attempt, so two groups of notices back off
# on different schedules. Retries are walked until the groups' next attempts lie more than a
# minute apart: a recovery then shows whether the later group waits out its own back-off.
T0=2026-03-09T09:00:00+08:00          # a Monday, inside the delivery window
late_problem A-1
late_problem A-2
run "$T0"
assert_eq "pending 1" "$(sink_sql "DISTINCT n.status || ' ' || n.attempts")" "both failed once"
late_problem B-1
for ((i = 0; i < 10; i++)); do
  run "$(next_due)"
  (($(spread) > 60)) && break
done
(($(spread) > 60)) || fail "the retries never spread beyond a minute: $(spread) s"
TOTAL=$(sink_sql "count(*)")
((TOTAL >= 3)) || fail "expected at least three notices for sink, found $TOTAL"
assert_eq "$TOTAL" "$(sink_sql "count(*) FILTER (WHERE n.status = 'pending' AND n.attempts > 0)")" \
  "every notice backing off"
assert_eq 0 "$(received --path /json/sink --ok --count)" "nothing got through during the outage"
assert_eq "$RUNS" "$(received --path /json/sink --count)" \
  "one failing request per due retry: no more requests than the back-off allows"
FAILED=$RUNS

# ---------------------------------------------------------------- the sink answers again
receiver_set '{"name":"sink","status":null}'
FIRST=$(next_due)                     # the earliest retry: the first success
run "$FIRST"
assert_eq $((FAILED + 1)) "$(received --path /json/sink --count)" "one request at the first retry"
assert_eq 1 "$(received --path /json/sink --ok --count)" "it succeeded"
# The daemon's next round comes when the next notice is due; with the channel known to be up
# again, that is at once: everything left goes out within a minute of the first success.
for ((i = 0; i < 5; i++)); do
  [[ $(sink_sql "count(*) FILTER (WHERE n.status = 'pending')") == 0 ]] && break
  at=$(next_due)
  (($(epoch "$at") - $(epoch "$FIRST") <= 60)) ||
    fail "the backlog waits until $at, more than a minute after the first success at $FIRST"
  run "$at"
done
assert_eq "$TOTAL/$TOTAL" "$(sink_sql "count(*) FILTER (WHERE n.status = 'sent') || '/' || count(*)")" \
  "all delivered"
assert_eq "$FAILED" "$(received --path /json/sink --failed --count)" "no failure after the recovery"
assert_eq "$TOTAL" "$(received --path /json/sink --ok --ids | sort -u | wc -l)" "each notice delivered"
assert_eq "" "$(received --path /json/sink --ok --ids | sort | uniq -d)" "none twice"
