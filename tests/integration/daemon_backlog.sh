#!/usr/bin/env bash
# daemon_backlog.sh — a backlog larger than one delivery round (SPEC §9 `duband --once`: one
# attempt for every deliverable notice). A round claims at most 1,000 notices of a channel and
# 2,048 in all, to bound the daemon's memory; a claim that came back full must be followed by
# another round at once, or `--once` (and a running daemon until its next poll) leaves
# deliverable notices untried. Two json channels (no rate limit) with 1,500 and 1,300 due
# notices: one `duband --once` delivers all 2,800, each exactly once.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_daemon_backlog
duban_config log.level=info
ctl migrate >/dev/null
receiver_start backlog

ctl unit add big '大镇' --kind town >/dev/null
ctl unit add bigger '更大镇' --kind town >/dev/null
ctl channel add big --kind json --url "$RECEIVER_URL/json/one" >/dev/null
ctl channel add bigger --kind json --url "$RECEIVER_URL/json/two" >/dev/null

# The backlog: 'test' notices (the type `channel test` makes), due before the run.
T=2026-03-10T09:00:00+08:00   # a Tuesday inside the delivery window, without reporting duties
psql_q "INSERT INTO duban.notices (key, type, unit_id, channel_id, payload, created_at, next_attempt_at)
        SELECT 'backlog:' || c.id || ':' || k, 'test', c.unit_id, c.id,
               jsonb_build_object('type', 'test', 'unit', u.code, 'text', '【测试】积压 ' || k),
               '2026-03-10T08:00:00+08:00', '2026-03-10T08:00:00+08:00'
          FROM duban.channels c JOIN duban.units u ON u.id = c.unit_id
         CROSS JOIN LATERAL generate_series(1, CASE u.code WHEN 'big' THEN 1500 ELSE 1300 END) k" >/dev/null
assert_eq 2800 "$(psql_q "SELECT count(*) FROM duban.notices WHERE status = 'pending'")" "backlog made"

assert_exit 0 "duband --once over a 2,800-notice backlog" -- dband -f --once --now "$T"
# The sweep of that day may add notices of its own (the towns' reporting reminders): all count.
all=$(psql_q "SELECT count(*) FROM duban.notices")
assert_eq "2800 $all" \
  "$(psql_q "SELECT count(*) FILTER (WHERE key LIKE 'backlog:%' AND status = 'sent')
                    || ' ' || count(*) FILTER (WHERE status = 'sent') FROM duban.notices")" \
  "every notice sent: the backlog's, and all"
ids=$TEST_TMP/ids
received --ids >"$ids"
assert_eq "$all" "$(wc -l <"$ids")" "ids received"
assert_eq 0 "$(sort "$ids" | uniq -d | wc -l)" "no notice received twice"
assert_eq "$all" "$(sort -u "$ids" | wc -l)" "every notice's id received"
assert_eq 1500 "$(received --path /json/one --notices | grep -c '"type": *"test"')" "big's backlog"
assert_eq 1300 "$(received --path /json/two --notices | grep -c '"type": *"test"')" "bigger's backlog"
assert_contains "$(cat "$TEST_TMP/last.err")" "event=once sent=$all " "the once summary"
echo "daemon_backlog: ok"
