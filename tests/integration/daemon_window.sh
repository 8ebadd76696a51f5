#!/usr/bin/env bash
# daemon_window.sh — notices wait outside the delivery window (default 08:30-18:00, start
# included, end excluded) and on days off (weekends, the National Day holiday), and go out, with
# the id they were made with, at the next window; an adjusted working Saturday (调休) is a
# working day. Days simulated with `duband --once --now`.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_daemon_window
duban_config    # the defaults: window 08:30-18:00, working days only, Asia/Shanghai
ctl migrate >/dev/null
receiver_start window

ctl unit add u1 '西湖街道' --kind street >/dev/null
ctl unit add sv '区林业局' --kind department >/dev/null
ctl channel add u1 --kind json --url "$RECEIVER_URL/json/u1" >/dev/null
add() { # add REF DEADLINE: a problem whose prompt day is DEADLINE - 30
  ctl --now 2026-08-01T09:00:00+08:00 problem add --ref "$1" --title "问题 $1" \
    --level district --unit u1 --supervisors sv --deadline "$2" >/dev/null
}
add W1 2026-10-13    # prompt day 2026-09-13, a Sunday
add W2 2026-10-31    # prompt day 2026-10-01, National Day
add W3 2026-11-09    # prompt day 2026-10-10, a Saturday worked instead (调休)

run() { assert_exit 0 "duband --once at $1" -- dband --once --now "$1"; }
prompt_id() { psql_q "SELECT n.id FROM duban.notices n JOIN duban.problems p ON p.id = n.problem_id
                      WHERE p.ref = '$1' AND n.type = 'escalation'"; }
received_escalations() { # REF ids received for REF's escalation
  received --notices | "$PYTHON" -c '
import json, sys
for l in sys.stdin:
    n = json.loads(l)
    if n.get("type") == "escalation" and n.get("problem") == sys.argv[1]:
        print(n["id"])' "$1"
}

run 2026-09-13T09:00:00+08:00
w1=$(prompt_id W1)
[[ -n $w1 ]] || fail "the Sunday sweep made no prompt for W1"
assert_eq pending "$(psql_q "SELECT status FROM duban.notices WHERE id = $w1")" "made, waiting"
assert_eq 0 "$(received --count)" "nothing sent on a Sunday"

# --now pins the clock at start, then it runs on in real time: a run started just before the
# window opens may reach its delivery after it opened on a loaded machine, so "before" is
# tested ten minutes early.
run 2026-09-14T08:20:00+08:00
assert_eq 0 "$(received --count)" "nothing sent before 08:30 on a working day"
run 2026-09-14T18:00:00+08:00
assert_eq 0 "$(received --count)" "nothing sent at 18:00 (the window's end is excluded)"
run 2026-09-14T23:30:00+08:00
assert_eq 0 "$(received --count)" "nothing sent at night"

run 2026-09-15T08:30:00+08:00
assert_eq "$w1" "$(received_escalations W1)" "W1's prompt sent at the next window, same id, once"
assert_eq "sent 1" "$(psql_q "SELECT status || ' ' || attempts FROM duban.notices WHERE id = $w1")" \
  "W1 recorded as sent"
before=$(received --count)

run 2026-10-01T10:00:00+08:00
w2=$(prompt_id W2)
[[ -n $w2 ]] || fail "the holiday sweep made no prompt for W2"
assert_eq "$before" "$(received --count)" "nothing sent on National Day (a weekday holiday)"
run 2026-10-07T17:00:00+08:00
assert_eq "$before" "$(received --count)" "nothing sent on the last day of the holiday"

run 2026-10-08T09:00:00+08:00
assert_eq "$w2" "$(received_escalations W2)" "W2's prompt sent on the first working day after"

run 2026-10-10T09:00:00+08:00
w3=$(prompt_id W3)
[[ -n $w3 ]] || fail "no prompt for W3"
assert_eq "$w3" "$(received_escalations W3)" "sent on the adjusted working Saturday"

# Window and working days come from the configuration: with workdays_only = false and an
# evening window the same kind of notice goes out on a Sunday evening.
ctl --now 2026-10-01T09:00:00+08:00 problem add --ref W4 --title '问题 W4' --level district \
  --unit u1 --supervisors sv --deadline 2026-11-17 >/dev/null    # prompt day 2026-10-18, Sunday
duban_config delivery.window=19:00-21:00 delivery.workdays_only=false
run 2026-10-18T18:50:00+08:00
w4=$(prompt_id W4)
[[ -n $w4 ]] || fail "no prompt for W4"
assert_eq "" "$(received_escalations W4)" "not before the configured window"
run 2026-10-18T19:00:00+08:00
assert_eq "$w4" "$(received_escalations W4)" "inside the configured window on a Sunday"

assert_eq "" "$(received --ids | sort | uniq -d)" "no notice id delivered twice"
echo "daemon_window: ok"
