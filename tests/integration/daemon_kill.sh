#!/usr/bin/env bash
# daemon_kill.sh — `kill -9` of a running duband in the middle of a delivery (the robot holds its
# answer) loses nothing: the claim dies with the daemon's database connection, the next daemon
# claims the notice again at once (no lease to wait out) and delivers it with the same id; the
# notice counts one attempt. Other notices of the outbox are delivered exactly once.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

NOW=2026-03-09T09:00:00+08:00
duban_test_db t_daemon_kill
# A long request timeout: only kill -9 may end the held request. Poll every second so the
# restarted daemon looks again soon if the killed backend is still being reaped.
duban_config daemon.poll_interval=1 delivery.timeout=120 log.level=debug
ctl migrate >/dev/null
receiver_start kill --delay slow=600

ctl unit add sv '区水利局' --kind department >/dev/null
ctl unit add slow '慢镇' --kind town >/dev/null
ctl unit add fast '快镇' --kind town >/dev/null
ctl channel add slow --kind json --url "$RECEIVER_URL/json/slow" >/dev/null
ctl channel add fast --kind json --url "$RECEIVER_URL/json/fast" >/dev/null
for u in slow fast; do
  ctl --now 2026-03-01T09:00:00+08:00 problem add --ref "K-$u" --title "问题 $u" --level district \
    --unit "$u" --supervisors sv --deadline 2026-03-01 >/dev/null
done
slow_ids=$(psql_q "SELECT n.id FROM duban.notices n JOIN duban.channels c ON c.id = n.channel_id
                    JOIN duban.units u ON u.id = c.unit_id WHERE u.code = 'slow' ORDER BY 1")
assert_eq "" "$slow_ids" "no notice before the first sweep"

dband_start --now "$NOW"
first=$DBAND_PID
wait_received 1 120 --path /json/slow || fail "the held request never reached the robot"
wait_received 1 120 --path /json/fast --ok || fail "the other channel was not delivered"
slow_ids=$(psql_q "SELECT n.id FROM duban.notices n JOIN duban.channels c ON c.id = n.channel_id
                    JOIN duban.units u ON u.id = c.unit_id WHERE u.code = 'slow' ORDER BY 1")
[[ -n $slow_ids ]] || fail "no notice for the slow channel"
claimed=$(psql_q "SELECT count(*) FROM duban.notices n JOIN duban.channels c ON c.id = n.channel_id
                   JOIN duban.units u ON u.id = c.unit_id
                  WHERE u.code = 'slow' AND n.status = 'pending' AND n.attempts = 0
                    AND n.claimed_by IS NOT NULL AND n.claimed_until > now()")
assert_eq "$(echo "$slow_ids" | wc -l)" "$claimed" "in flight: pending, claimed, no attempt counted"

dband_kill "$first"
if kill -0 "$first" 2>/dev/null; then fail "duband survived kill -9"; fi
receiver_set '{"name": "slow", "delay": null}'

dband_start --now "$NOW"
sent() {
  [[ $(psql_q "SELECT count(*) FROM duban.notices WHERE status <> 'sent'") == 0 ]]
}
wait_until 120 sent || fail "notices left unsent after the restart: $(psql_q "SELECT id, status,
  attempts, claimed_by FROM duban.notices WHERE status <> 'sent'")"
assert_eq 2 "$(received --path /json/slow --count)" "the held message was sent again by the new daemon"
got=$(received --path /json/slow --ids | sort -n | uniq)
assert_eq "$slow_ids" "$got" "the same notice ids both times"
assert_eq "1" "$(psql_q "SELECT DISTINCT attempts FROM duban.notices")" \
  "one attempt counted: the killed daemon never recorded one"
assert_eq 1 "$(received --path /json/fast --count)" "the notice delivered before the kill was not sent again"
assert_contains "$(cat "$DBAND_LOG")" "event=deliver result=sent" "the new daemon logged the delivery"
dband_stop
assert_eq 0 "$DBAND_RC" "SIGTERM: exit 0"
echo "daemon_kill: ok"
