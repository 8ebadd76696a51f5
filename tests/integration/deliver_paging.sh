#!/usr/bin/env bash
# deliver_paging.sh — delivery claims page through the channels (issue 9: no rescan of the outbox
# per round; SPEC §9 `duband --once`: one attempt for every deliverable notice). With
# delivery.concurrency 2 a claim takes at most 32 channels (and at most 1,000 notices of one
# channel). 150 json channels with one due notice each, channel 75 with 1,100, channel 151 whose
# only notice waits out a back-off, channel 152 paused. One `duband --once`:
# - each claim starts after the last channel of the claim before it (debug log `event=claim
#   after= first= last=`), until one comes back short; then one claim from the first channel takes
#   what the walk left behind (channel 75's last 100): about 152 / 32 + 2 claims in all, each
#   reading only the channels it takes;
# - a claim overlaps the tail of the round before it (overlap=1), on the same connection;
# - every due notice is delivered exactly once, the one in back-off and the paused channel's are
#   not tried.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

NOW=2026-06-16T09:05:00+08:00   # a Tuesday inside the delivery window, without reporting duties
duban_test_db t_deliver_paging
duban_config delivery.concurrency=2 log.level=debug
ctl migrate >/dev/null
receiver_start paging --no-rate-limit

psql -XAtq -v ON_ERROR_STOP=1 -v url="$RECEIVER_URL" >/dev/null <<'SQL'
INSERT INTO duban.units (code, name, kind)
SELECT 'p' || i, '部门 ' || i, 'department' FROM generate_series(1, 152) i ORDER BY i;
INSERT INTO duban.channels (unit_id, kind, url)
SELECT u.id, 'json', :'url' || '/json/' || u.code
  FROM duban.units u WHERE u.code ~ '^p[0-9]+$' ORDER BY u.id;
INSERT INTO duban.notices (key, type, unit_id, channel_id, payload, created_at, next_attempt_at)
SELECT 'paging:' || c.id || ':' || k, 'test', c.unit_id, c.id,
       jsonb_build_object('type', 'test', 'unit', u.code, 'text', '【测试】分页 ' || u.code || ' ' || k),
       '2026-06-16T08:00:00+08:00', '2026-06-16T08:00:00+08:00'
  FROM duban.channels c JOIN duban.units u ON u.id = c.unit_id
 CROSS JOIN LATERAL generate_series(1, CASE u.code WHEN 'p75' THEN 1100 ELSE 1 END) k;
-- p151: its notice failed once and waits until 10:00; p152: paused for an hour of real time
UPDATE duban.notices SET attempts = 1, next_attempt_at = '2026-06-16T10:00:00+08:00'
 WHERE unit_id = (SELECT id FROM duban.units WHERE code = 'p151');
UPDATE duban.channels SET paused_until = clock_timestamp() + interval '1 hour'
 WHERE unit_id = (SELECT id FROM duban.units WHERE code = 'p152');
SQL
assert_eq "1251 152" "$(psql_q "SELECT count(*) || ' ' || count(DISTINCT channel_id) FROM duban.notices")" \
  "the outbox: 1,251 notices on 152 channels"
# the units' and channels' ids follow their codes (the walk goes by channel id)
assert_eq "75 152" "$(psql_q "SELECT (SELECT c.id - min(c2.id) + 1 FROM duban.channels c2) FROM duban.channels c
                             JOIN duban.units u ON u.id = c.unit_id WHERE u.code = 'p75'") $(psql_q "SELECT max(id) - min(id) + 1 FROM duban.channels")" \
  "channel ids in code order"

assert_exit 0 "duband --once over 152 channels" -- dband -f --once --now "$NOW"
log=$(cat "$TEST_TMP/last.err")

# ---------------------------------------------------------------- delivered once each
all=$(psql_q "SELECT count(*) FROM duban.notices WHERE status = 'sent'")
assert_eq 1249 "$(psql_q "SELECT count(*) FROM duban.notices WHERE status = 'sent' AND key LIKE 'paging:%'")" \
  "every due notice sent"
ids=$TEST_TMP/ids
received --ids >"$ids"
assert_eq 0 "$(sort "$ids" | uniq -d | wc -l)" "no notice received twice"
assert_eq "$all" "$(sort -u "$ids" | wc -l)" "every sent notice received"
assert_eq 1100 "$(received --path /json/p75 --notices | grep -c '"type": *"test"')" "channel 75's 1,100"
assert_eq 0 "$(received --path /json/p151 --count)" "the notice in back-off is not tried"
assert_eq 0 "$(received --path /json/p152 --count)" "the paused channel gets nothing"
assert_eq "pending 1 pending 0" \
  "$(psql_q "SELECT string_agg(n.status || ' ' || n.attempts, ' ' ORDER BY u.code) FROM duban.notices n
              JOIN duban.units u ON u.id = n.unit_id WHERE u.code IN ('p151', 'p152')")" \
  "back-off and paused notices untouched"

# ---------------------------------------------------------------- the claims page
# one line per claim: after first last notices channels overlap (ids relative to the first
# channel, so that "1" is p1)
base=$(psql_q "SELECT min(id) - 1 FROM duban.channels")
claims=$TEST_TMP/claims
grep 'event=claim ' <<<"$log" | sed -E 's/.* after=([0-9]+) first=([-0-9]+) last=([-0-9]+) notices=([0-9]+) channels=([0-9]+) overlap=([01]).*/\1 \2 \3 \4 \5 \6/' |
  awk -v b="$base" '{ a = ($1 > 0) ? $1 - b : 0;
                      f = ($2 == "-") ? "-" : $2 - b; l = ($3 == "-") ? "-" : $3 - b;
                      print a, f, l, $4, $5, $6 }' >"$claims"
echo "claims (after first last notices channels overlap):"; cat "$claims"
n=$(wc -l <"$claims")
((n >= 5 && n <= 8)) || fail "expected 5 to 8 claims for 152 channels at 32 a claim, got $n"
awk '$5 > 32 || $4 > 2048 { bad = 1 } END { exit bad }' "$claims" ||
  fail "a claim took more than 32 channels or 2,048 notices"
# the walk from the first channel: each claim starts after the last one before it, and ids grow
awk 'NR == 1 && $1 != 0 { print "the first claim did not start from the first channel"; exit 1 }
     NR > 1 && walking { if ($1 != last) { print "claim " NR " starts after " $1 ", not after " last; exit 1 }
                         if ($2 != "-" && $2 <= $1) { print "claim " NR " went back to " $2; exit 1 } }
     { walking = ($5 == 32); last = $3 }' "$claims" || fail "the claims did not page through the channels"
assert_eq "1 150" "$(awk '$1 == 0 && NR == 1 { print $2 } ' "$claims") $(awk '$5 < 32 && $1 > 0 { print $3; exit }' "$claims")" \
  "the walk runs from channel 1 to channel 150"
assert_eq "0 75 75 100" "$(awk '$1 == 0 && NR > 1 && $4 > 0 { print $1, $2, $3, $4 }' "$claims")" \
  "then the claim from the first channel takes channel 75's last 100"
assert_eq "" "$(awk 'found && $4 > 0 { print } $1 == 0 && NR > 1 && $4 > 0 { found = 1 }' "$claims")" \
  "and any claim after it finds nothing"
grep -q ' 1$' "$claims" || fail "no claim overlapped the round before it"
echo "deliver_paging: ok"
