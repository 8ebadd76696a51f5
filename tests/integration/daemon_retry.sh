#!/usr/bin/env bash
# daemon_retry.sh — delivery results (SPEC §8) with `duband --once` runs on a simulated clock:
# HTTP 500 then 200 → delivered once, with the same notice id in both requests, not retried
# before its backoff; HTTP 400 → dead at once, logged at err with the URL's token redacted,
# never retried; HTTP 503 every time → dead after delivery.max_attempts; 429 with Retry-After →
# retried no sooner than it says; DingTalk's 130101 pauses the channel for 10 minutes of real
# time; a digest carries several
# notices in one message and its result applies to all of them.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

TOKEN=Tok3nSecret9f8e7d6c5b4a
duban_test_db t_daemon_retry
duban_config delivery.max_attempts=2 log.level=debug
ctl migrate >/dev/null
receiver_start retry --script flaky=500,200 --status bad=400 --status down=503 --script busy=429@120 \
  --script dingtalk/ban=errcode:130101

ctl unit add sv '区生态环境分局' --kind department >/dev/null
for u in flaky bad down busy; do
  ctl unit add "$u" "镇 $u" --kind town >/dev/null
  ctl channel add "$u" --kind json --url "$RECEIVER_URL/json/$u?token=$TOKEN" >/dev/null
  # Two late problems per unit: their supervise notices travel together as one digest.
  for i in 1 2; do
    ctl --now 2026-03-01T09:00:00+08:00 problem add --ref "$u-$i" --title "问题 $u $i" \
      --level district --unit "$u" --supervisors sv --deadline 2026-02-27 >/dev/null
  done
done
# A DingTalk robot that answers "send too fast" (errcode 130101): throttled for 10 minutes.
ctl unit add ban '限流镇' --kind town >/dev/null
ctl channel add ban --kind dingtalk --url "$RECEIVER_URL/dingtalk/ban?access_token=$TOKEN" >/dev/null
ctl --now 2026-03-01T09:00:00+08:00 problem add --ref ban-1 --title '问题 ban' --level district \
  --unit ban --supervisors sv --deadline 2026-02-27 >/dev/null

T0=2026-03-09T09:00:00+08:00          # a Monday, 09:00: inside the window
LOG=$TEST_TMP/once.log
run() { # run TIME: one `duband -f --once` (its log appended to $LOG); RUN_START and RUN_END:
        # real time (unix s) around it, RUN_S its duration in whole seconds, rounded up
  RUN_START=${EPOCHREALTIME/,/.}
  assert_exit 0 "duband --once at $1" -- dband -f --once --now "$1"
  RUN_END=${EPOCHREALTIME/,/.}
  RUN_S=$((${RUN_END%.*} - ${RUN_START%.*} + 1))
  cat "$TEST_TMP/last.err" >>"$LOG"
}
state() { # state UNIT: "status attempts" of the unit's notices, one line per distinct value
  psql_q "SELECT DISTINCT n.status || ' ' || n.attempts FROM duban.notices n
            JOIN duban.channels c ON c.id = n.channel_id JOIN duban.units u ON u.id = c.unit_id
           WHERE u.code = '$1'"
}
outbox_ids() { # outbox_ids UNIT: the unit's notice ids, sorted
  psql_q "SELECT n.id FROM duban.notices n JOIN duban.channels c ON c.id = n.channel_id
            JOIN duban.units u ON u.id = c.unit_id WHERE u.code = '$1' ORDER BY n.id"
}
request_ids() { # request_ids UNIT N: the notice ids in the Nth request to the unit, sorted
  received --path "/json/$1" --jsonl | sed -n "${2}p" | "$PYTHON" -c '
import json, sys
for l in sys.stdin:
    for n in json.loads(l)["body"]["notices"]:
        print(n["id"])' | sort -n
}

# ---------------------------------------------------------------- first attempt
run "$T0"
for u in flaky bad down busy; do
  assert_eq 1 "$(received --path "/json/$u" --count)" "$u: one request in the first run"
  n=$(outbox_ids "$u" | wc -l)
  ((n >= 2)) || fail "$u: expected the two supervise notices in the outbox, found $n"
  assert_eq "$(outbox_ids "$u")" "$(request_ids "$u" 1)" "$u: one digest carries all its notices"
done
assert_eq "pending 1" "$(state flaky)" "500: retried later"
assert_eq "dead 1" "$(state bad)" "400: dead at once"
assert_eq "pending 1" "$(state down)" "503: retried later"
assert_eq "pending 1" "$(state busy)" "429: retried later"
assert_eq "HTTP 400" "$(psql_q "SELECT DISTINCT last_error FROM duban.notices n JOIN duban.channels c
  ON c.id = n.channel_id JOIN duban.units u ON u.id = c.unit_id WHERE u.code = 'bad'")" "400 recorded"
# 500: backoff 30 s ± 20 % from the duban clock; 429: Retry-After 120 s at least.
# The pinned clock runs on in real time: the failure happened between T0 and T0 + the run's
# duration, so its retry time is 24-36 s (30 s ± 20 %) after a moment in that span.
assert_eq "t" "$(psql_q "SELECT bool_and(n.next_attempt_at BETWEEN '$T0'::timestamptz + interval '23 s'
  AND '$T0'::timestamptz + interval '37 s' + interval '$RUN_S s') FROM duban.notices n JOIN duban.channels c
  ON c.id = n.channel_id JOIN duban.units u ON u.id = c.unit_id WHERE u.code = 'flaky'")" \
  "500: next attempt 24-36 s later on the duban clock"
assert_eq "t" "$(psql_q "SELECT bool_and(n.next_attempt_at >= '$T0'::timestamptz + interval '120 s')
  FROM duban.notices n JOIN duban.channels c ON c.id = n.channel_id
  JOIN duban.units u ON u.id = c.unit_id WHERE u.code = 'busy'")" "429: Retry-After honoured"
assert_eq "pending 1" "$(state ban)" "DingTalk 130101: retried later"
assert_eq "t" "$(psql_q "SELECT c.paused_until BETWEEN to_timestamp($RUN_START) + interval '599 s'
  AND to_timestamp($RUN_END) + interval '601 s' FROM duban.channels c
  JOIN duban.units u ON u.id = c.unit_id WHERE u.code = 'ban'")" \
  "DingTalk 130101: channel paused 10 minutes (real clock) from the refusal"
deadline=$(grep 'event=dead' "$LOG" | grep -c "url=$RECEIVER_URL/json/bad?token=\*\*\*" || true)
assert_eq "$(outbox_ids bad | wc -l)" "$deadline" "each dead notice logged with the redacted URL"
assert_contains "$(grep 'event=dead' "$LOG")" "level=err" "dead notices logged at err"
assert_contains "$(grep 'event=dead' "$LOG")" 'error="HTTP 400"' "dead log names the error"

# ---------------------------------------------------------------- before the backoff: nothing
# Before the back-off has passed: a minute before T0 (still in the window), since the pinned
# clock runs on in real time and a loaded machine may take a while to reach the claim.
run 2026-03-09T08:59:00+08:00
assert_eq 5 "$(received --count)" "no retry before the backoff has passed"

# ---------------------------------------------------------------- an hour later
run 2026-03-09T10:00:00+08:00
assert_eq 2 "$(received --path /json/flaky --count)" "500 then 200: a second request"
assert_eq "$(request_ids flaky 1)" "$(request_ids flaky 2)" "the retry carries the same notice ids"
assert_eq "sent 2" "$(state flaky)" "delivered at the second attempt"
assert_eq 1 "$(received --path /json/bad --count)" "400: never retried"
assert_eq 2 "$(received --path /json/down --count)" "503: retried once more"
assert_eq "dead 2" "$(state down)" "503 twice: dead after max_attempts = 2"
assert_eq 2 "$(received --path /json/busy --count)" "429: retried once its Retry-After passed"
assert_eq "sent 2" "$(state busy)" "429 then 200: delivered at the second attempt"
assert_eq 1 "$(received --path /dingtalk/ban --count)" "DingTalk: nothing sent while paused"
assert_eq "pending 1" "$(state ban)" "DingTalk: still waiting for the ban to end"

# ---------------------------------------------------------------- later still: nothing new
run 2026-03-09T15:00:00+08:00
assert_eq 2 "$(received --path /json/flaky --count)" "a sent notice is not sent again"
assert_eq 1 "$(received --path /json/bad --count)" "a dead notice is not retried"
assert_eq 2 "$(received --path /json/down --count)" "a dead notice is not retried"
assert_eq 1 "$(received --path /json/flaky --ok --count)" "delivered exactly once"
assert_not_contains "$(cat "$LOG")" "$TOKEN" "the URL token never reaches the log"
echo "daemon_retry: ok"
