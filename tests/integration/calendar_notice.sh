#!/usr/bin/env bash
# calendar_notice.sh — the weekly `calendar` notice to the office (SPEC §3, §8) while the
# working-day calendar lacks a year, walked day by day with `duband --once` on pinned dates:
# none on 2026-11-30; from 2026-12-01 one per ISO week on its first working day on which 2027
# is missing, never twice, made up at the next sweep after a gap; none once 2027 is imported;
# on 2027-01-04 with no 2027 calendar (Monday–Friday) it goes on. Delivered as json with
# `year` and `until`.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_calendar_notice
duban_config
receiver_start cal
ctl migrate >/dev/null
ctl unit add ZB 整改办 --kind office >/dev/null
ctl unit add LD 区整改工作领导小组 --kind leadership >/dev/null
ctl unit add XJ 新街镇 --kind town >/dev/null
for u in ZB LD XJ; do ctl channel add "$u" --kind json --url "$RECEIVER_URL/json/$u" >/dev/null; done

run_day() {   # run_day DAY: one `duband --once` at 09:00 local on DAY
  local rc=0
  dband -f --once --now "${1}T09:00:00+08:00" >"$TEST_TMP/once.$1.log" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || { tail -n 20 "$TEST_TMP/once.$1.log" >&2; fail "duband --once at $1 exited $rc"; }
}
notices() {   # the calendar notices so far: "created-day:year:until:unit" in order
  psql_q "SELECT coalesce(string_agg((created_at AT TIME ZONE 'Asia/Shanghai')::date || ':' || (payload->>'year') || ':'
            || coalesce(payload->>'until', '-') || ':' || (SELECT code FROM duban.units u WHERE u.id = n.unit_id), ' ' ORDER BY id), '')
            FROM duban.notices n WHERE type = 'calendar'"
}
expect_days() {   # expect_days "DAY..." MSG: the days calendar notices were made on, so far
  local got
  got=$(psql_q "SELECT coalesce(string_agg((created_at AT TIME ZONE 'Asia/Shanghai')::date::text, ' ' ORDER BY id), '') FROM duban.notices WHERE type = 'calendar'")
  assert_eq "$1" "$got" "$2"
}

run_day 2026-11-30
expect_days "" "2026-11-30: 2026 and 2027 are not due yet: no notice"

# First week of December: made on Tuesday 1 December, the first day 2027 is missing.
for day in 2026-12-01 2026-12-02 2026-12-03 2026-12-04 2026-12-05 2026-12-06; do run_day "$day"; done
expect_days "2026-12-01" "week of 30 November: one notice, on 1 December"
assert_eq "2026-12-01:2027:2026-12-31:ZB" "$(notices)" "to the office only, naming 2027 and the last covered date"

# The next week: on its Monday, once.
run_day 2026-12-07
run_day 2026-12-08
run_day 2026-12-08
expect_days "2026-12-01 2026-12-07" "week of 7 December: on Monday, none twice"

# Down from 9 to 15 December: the week of 14 December is made up on Wednesday 16th, once.
run_day 2026-12-16
run_day 2026-12-17
expect_days "2026-12-01 2026-12-07 2026-12-16" "after the gap: one notice for the week of 14 December"

# Every notice went out as json with the §8 fields.
sent=$(received --path /json/ZB --notices | "$PYTHON" -c '
import json, sys
for line in sys.stdin:
    n = json.loads(line)
    if n["type"] == "calendar":
        print(n["year"], n["until"])')
assert_eq "2027 2026-12-31
2027 2026-12-31
2027 2026-12-31" "$sent" "delivered to the office: year and until"
texts=$(received --path /json/ZB --texts)
assert_contains "$texts" "【日历】工作日历只覆盖到2026年12月31日，尚未导入 2027 年节假日安排" "the text names the year and the last covered date"
assert_contains "$texts" "请导入 2027 年节假日安排" "the text asks for the import"
assert_contains "$texts" "运行 dubanctl calendar import 2027.csv。" "the text gives the command"
for u in XJ LD; do
  assert_not_contains "$(received --path "/json/$u" --notices)" '"type": "calendar"' "no calendar notice to $u"
  assert_not_contains "$(received --path "/json/$u" --notices)" '"type":"calendar"' "no calendar notice to $u"
done

# 2027 imported: silence.
printf '{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}' >"$TEST_TMP/2027.json"
ctl calendar import "$TEST_TMP/2027.json" >/dev/null
for day in 2026-12-21 2026-12-28; do run_day "$day"; done
expect_days "2026-12-01 2026-12-07 2026-12-16" "no notice once 2027 is imported"

# 2027 without a calendar: Monday 4 January is a working day (Monday–Friday) and the notice
# goes on, weekly.
psql_q "DELETE FROM duban.calendar WHERE day >= '2027-01-01'" >/dev/null
run_day 2027-01-04
run_day 2027-01-05
run_day 2027-01-11
assert_eq "2026-12-01:2027:2026-12-31:ZB 2026-12-07:2027:2026-12-31:ZB 2026-12-16:2027:2026-12-31:ZB 2027-01-04:2027:2026-12-31:ZB 2027-01-11:2027:2026-12-31:ZB" \
  "$(notices)" "2027 without its holidays: weekly notices go on"
assert_contains "$(cat "$TEST_TMP/once.2027-01-11.log")" "level=warning event=calendar missing=2027" "and the warning"

echo "calendar_notice: OK"
