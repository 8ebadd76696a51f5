#!/usr/bin/env bash
# daemon_fresh_due.sh — a notice never tried is due at once, whatever clock stamped it (SPEC §3:
# a pinned clock "runs on in real time" in each program). A dubanctl or dubanweb run with the
# same --now as the daemon, but started earlier or slowed by a loaded machine, stamps its
# notices (transition notices, `notice retry`) a little after the daemon's own clock when the
# daemon claims; those notices must still go out in that run. Retries keep their back-off.
# Simulated: notices made with `--now` 30 s (and 5 min) ahead of the `duband --once` that follows.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_daemon_fresh_due
duban_config log.level=debug
ctl migrate >/dev/null
receiver_start fresh

T=2026-03-10T10:00:00+08:00        # a Tuesday inside the delivery window
AHEAD=2026-03-10T10:00:30+08:00    # a writer whose clock ran 30 s ahead
FAR=2026-03-10T10:05:00+08:00      # and one 5 minutes ahead
ctl unit add sv '区生态环境分局' --kind department >/dev/null
ctl unit add town '清水镇' --kind town >/dev/null
ctl channel add sv --kind json --url "$RECEIVER_URL/json/sv" >/dev/null
ctl channel add town --kind json --url "$RECEIVER_URL/json/town" >/dev/null
ctl --now 2026-03-01T09:00:00+08:00 problem add --ref F-1 --title '河道垃圾' --level district \
  --unit town --supervisors sv --deadline 2026-06-30 >/dev/null
ctl --now 2026-03-01T09:00:00+08:00 problem add --ref F-2 --title '扬尘' --level district \
  --unit town --supervisors sv --deadline 2026-06-30 >/dev/null

# The town applies for acceptance "30 s and 5 min later" than the daemon's run at T: the
# applied notices to the lead supervisor are stamped ahead of the daemon's clock.
assert_exit 0 "apply F-1 ahead" -- ctl --now "$AHEAD" problem apply F-1
assert_exit 0 "apply F-2 far ahead" -- ctl --now "$FAR" problem apply F-2
fresh=$(psql_q "SELECT count(*) FROM duban.notices WHERE type = 'applied' AND status = 'pending' AND attempts = 0")
((fresh >= 2)) || fail "the applications made $fresh applied notices, expected at least 2"

# A retry waiting out its back-off until T + 30 s: it must not go at T.
psql_q "INSERT INTO duban.notices (key, type, unit_id, channel_id, payload, created_at,
                                   next_attempt_at, attempts, last_error)
        SELECT 'backoff:1', 'test', c.unit_id, c.id,
               jsonb_build_object('type', 'test', 'unit', 'town', 'text', '【测试】退避'),
               '$T'::timestamptz - interval '1 minute', '$AHEAD', 1, 'HTTP 500'
          FROM duban.channels c JOIN duban.units u ON u.id = c.unit_id WHERE u.code = 'town'" >/dev/null

assert_exit 0 "duband --once at T" -- dband -f --once --now "$T"
# (the day's sweep may make notices of its own, such as the town's reminders: they go too)
assert_eq "0" "$(psql_q "SELECT count(*) FROM duban.notices WHERE status <> 'sent' AND key <> 'backoff:1'")" \
  "every never-tried notice went out at T, though stamped after it"
assert_eq "$fresh" "$(psql_q "SELECT count(*) FROM duban.notices WHERE type = 'applied' AND status = 'sent'")" \
  "the applied notices among them"
assert_eq "pending 1" "$(psql_q "SELECT status || ' ' || attempts FROM duban.notices WHERE key = 'backoff:1'")" \
  "the retry kept its back-off"
backoff_id=$(psql_q "SELECT id FROM duban.notices WHERE key = 'backoff:1'")
assert_eq 0 "$(received --ids | grep -cx "$backoff_id" || true)" "the retry was not sent at T"
assert_eq "$(psql_q "SELECT count(*) FROM duban.notices WHERE status = 'sent'")" \
  "$(received --ids | sort -u | wc -l)" "each sent notice received once"

# Once its back-off is over, the retry goes too.
assert_exit 0 "duband --once after the back-off" -- dband -f --once --now "2026-03-10T10:01:00+08:00"
assert_eq "sent 2" "$(psql_q "SELECT status || ' ' || attempts FROM duban.notices WHERE key = 'backoff:1'")" \
  "the retry went after its back-off"
echo "daemon_fresh_due: ok"
