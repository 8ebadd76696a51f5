#!/usr/bin/env bash
# daemon_shared.sh — several duband instances share one database (high availability): three
# `duband --once` started together over 60 channels with slow robots and a small concurrency
# each. Every notice is made once and delivered exactly once, whoever claimed it; the work is
# really shared; channels with a rate budget never get more messages than it allows.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

NOW=2026-03-09T09:00:00+08:00
N=60
duban_test_db t_daemon_shared
duban_config delivery.concurrency=2 log.level=debug
ctl migrate >/dev/null
receiver_start shared --no-rate-limit

ctl unit add sv '区水利局' --kind department >/dev/null
for ((i = 1; i <= N; i++)); do
  # every robot answers after 0.5 s, so that the instances overlap even when one of them is
  # slow to start on a loaded machine (alone, an instance would need some 15 s)
  receiver_set "{\"name\": \"u$i\", \"delay\": 0.5}"
done
psql -XAtq -v ON_ERROR_STOP=1 -v n="$N" -v url="$RECEIVER_URL" >/dev/null <<'SQL'
SELECT set_config('duban.now', '2026-03-01T09:00:00+08:00', false);
INSERT INTO duban.units (code, name, kind)
SELECT 'u' || i, '镇 ' || i, 'town' FROM generate_series(1, :n) i;
INSERT INTO duban.channels (unit_id, kind, url)
SELECT u.id, 'json', :'url' || '/json/' || u.code FROM duban.units u WHERE u.code ~ '^u[0-9]+$';
INSERT INTO duban.problems (ref, level, title, unit_id, supervisor_ids, deadline)
SELECT 'S-' || u.code, 'district', '问题 ' || u.code, u.id,
       ARRAY[(SELECT id FROM duban.units WHERE code = 'sv')], '2026-03-01'
  FROM duban.units u WHERE u.code ~ '^u[0-9]+$';
SQL

pids=()
for k in 1 2 3; do
  "$DUBAN_BUILD/duband" -f --once --now "$NOW" >"$TEST_TMP/once.$k.log" 2>&1 &
  pids+=("$!")
done
for k in 0 1 2; do
  rc=0
  wait "${pids[k]}" || rc=$?
  assert_eq 0 "$rc" "instance $((k + 1)) exits 0"
done

made=$(psql_q "SELECT count(*) FROM duban.notices")
((made >= N)) || fail "expected at least $N notices, found $made"
assert_eq "$N" "$(psql_q "SELECT count(DISTINCT key) FROM duban.notices WHERE type = 'escalation'")" \
  "one supervise notice per problem, made once by three concurrent sweeps"
assert_eq "" "$(received --ids | sort | uniq -d)" "no notice delivered twice"
assert_eq "$made" "$(received --ids | sort -u | wc -l)" "every notice delivered"
assert_eq "sent 1" "$(psql_q "SELECT DISTINCT status || ' ' || attempts FROM duban.notices")" \
  "all sent at one attempt"
busy=0
for k in 1 2 3; do
  if grep -q 'event=deliver result=sent' "$TEST_TMP/once.$k.log"; then busy=$((busy + 1)); fi
done
((busy >= 2)) || fail "only $busy of 3 instances delivered anything: the work was not shared"

# ---------------------------------------------------------------- a rate budget across instances
# One robot allowing 2 messages a minute and 450 waiting notices: a json message carries at most
# 200, so they need 3 messages. Three instances, four times over, send at most 2 between them;
# the notices over budget wait, unclaimed, with no attempt counted.
ctl unit add rb '限速镇' --kind town >/dev/null
ctl channel add rb --kind json --url "$RECEIVER_URL/json/rb" --rate 2 >/dev/null
psql -XAtq -v ON_ERROR_STOP=1 -v now="$NOW" >/dev/null <<'SQL'
INSERT INTO duban.notices (key, type, unit_id, channel_id, payload, next_attempt_at)
SELECT 'test:budget:' || j, 'test', c.unit_id, c.id, '{"type": "test"}',
       :'now'::timestamptz - interval '1 minute'
  FROM duban.channels c, generate_series(1, 450) j
 WHERE c.url LIKE '%/json/rb';
SQL
before=$(received --path /json/rb --count)
for round in 1 2 3 4; do
  pids=()
  for k in 1 2 3; do
    "$DUBAN_BUILD/duband" -f --once --now "$NOW" >>"$TEST_TMP/budget.$k.log" 2>&1 &
    pids+=("$!")
  done
  for p in "${pids[@]}"; do wait "$p" || fail "an instance failed in budget round $round"; done
done
sent=$(( $(received --path /json/rb --count) - before ))
((sent >= 1)) || fail "nothing sent to the rate-limited channel"
# The budget is per sliding minute of real time, and four rounds may take more than a minute on
# a loaded machine: so the check is on the arrival times, never 3 messages within 60 s.
received --path /json/rb --times | "$PYTHON" -c '
import sys
t = sorted(float(x) for x in sys.stdin)
bad = [(a, b) for a, b in zip(t, t[2:]) if b - a < 60]
sys.exit("3 messages within %.1f s" % (bad[0][1] - bad[0][0]) if bad else 0)' \
  || fail "the channel allows 2 messages a minute; the instances sent more ($sent in all)"
delivered=$(psql_q "SELECT count(*) FROM duban.notices WHERE key LIKE 'test:budget:%' AND status = 'sent'")
((delivered >= 200 && delivered <= 200 * sent)) \
  || fail "$delivered budget notices sent in $sent messages, expected 200 to $((200 * sent)) (200 a message)"
assert_eq "$((450 - delivered))" "$(psql_q "SELECT count(*) FROM duban.notices
  WHERE key LIKE 'test:budget:%' AND status = 'pending' AND attempts = 0 AND claimed_by IS NULL")" \
  "the notices over budget wait unclaimed, no attempt counted"
assert_eq "" "$(received --ids | sort | uniq -d)" "still nothing delivered twice"
echo "daemon_shared: ok"
