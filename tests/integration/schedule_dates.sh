#!/usr/bin/env bash
# schedule_dates.sh — a custom schedule with one-off due dates (`schedule add --dates`, SPEC
# §5, §7d), walked day by day with `duband --once` on pinned dates: reminders 7, 3, 1 days
# before and on the due day, a reminder day on a weekend or holiday moved to the previous
# working day, two landing on one day made once, a missed day caught up once, a submission
# stopping them, `missed` the next day to the office and each missing unit, none twice.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_schedule_dates
duban_config
receiver_start dates
ctl migrate >/dev/null
ctl unit add ZB 整改办 --kind office >/dev/null
ctl unit add XJ 新街镇 --kind town >/dev/null
ctl unit add HS 湖山街道 --kind street >/dev/null
for u in ZB XJ HS; do ctl channel add "$u" --kind json --url "$RECEIVER_URL/json/$u" >/dev/null; done

# ---------------------------------------------------------------- schedule add --dates
c() { ctl --now 2026-03-01T10:00:00+08:00 "$@"; }
assert_exit 64 "--days and --dates" -- c schedule add x --label 专项 --days 4 --dates 2026-03-04 --units XJ
assert_exit 64 "neither --days nor --dates" -- c schedule add x --label 专项 --units XJ
assert_exit 64 "--months with --dates" -- c schedule add x --label 专项 --dates 2026-03-04 --months 3 --units XJ
assert_exit 65 "no such date" -- c schedule add x --label 专项 --dates 2026-02-30 --units XJ
assert_exit 65 "not a date" -- c schedule add x --label 专项 --dates 2026-03-04,soon --units XJ
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.schedules WHERE name = 'x'")" "refused schedules not written"
assert_exit 0 "schedule add --dates" -- c --json schedule add campaign --label 入河排污口专项排查 \
  --dates '2026年4月8日，2026-03-16,2026-04-08' --units XJ,HS
"$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
assert d["dates"] == ["2026-03-16", "2026-04-08"], d
assert (d["kind"], d["days"], d["months"], d["units"]) == ("custom", [], None, 2), d
' <<<"$LAST_OUT" || fail "schedule add --json shows the sorted distinct dates"
assert_exit 0 "schedule add --dates (text)" -- c schedule add once --label 一次性 --dates 2026-05-06 --units XJ --remind 2
assert_contains "$LAST_OUT" "dates 2026-05-06, reminders 2 days before, 1 unit" "text output names the dates"
psql_q "DELETE FROM duban.schedules WHERE name = 'once'" >/dev/null

# ---------------------------------------------------------------- the walk
run_day() {   # run_day DAY: one `duband --once` at 09:00 local on DAY
  local rc=0
  dband -f --once --now "${1}T09:00:00+08:00" >"$TEST_TMP/once.$1.log" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || { tail -n 20 "$TEST_TMP/once.$1.log" >&2; fail "duband --once at $1 exited $rc"; }
}
made() {   # the campaign's notices so far: "made-day:type:period:recipient[:units]" in order
  psql_q "SELECT coalesce(string_agg((n.created_at AT TIME ZONE 'Asia/Shanghai')::date || ':' || n.type || ':'
            || (n.payload->>'period') || ':' || u.code
            || CASE n.type WHEN 'missed' THEN ':' || (SELECT string_agg(x, ',' ORDER BY x)
                                                      FROM jsonb_array_elements_text(n.payload->'units') x)
                           ELSE '' END, ' ' ORDER BY n.created_at, n.type DESC, u.code), '')
            FROM duban.notices n JOIN duban.units u ON u.id = n.unit_id
           WHERE n.payload->>'schedule' = 'campaign'"
}

# Due Monday 16 March: reminders on 9 March (7 days before), Friday 13 March (3 days before,
# and 1 day before = Sunday 15th moved back to Friday: one reminder), on the 16th. The daemon
# is down on the 13th: made up on Saturday the 14th, once; XJ then submits.
for day in 2026-03-05 2026-03-09 2026-03-10 2026-03-12 2026-03-14 2026-03-14; do run_day "$day"; done
ctl --now 2026-03-14T11:00:00+08:00 report submit XJ campaign 2026-03-16 >/dev/null
for day in 2026-03-15 2026-03-16 2026-03-17 2026-03-17 2026-03-18; do run_day "$day"; done
assert_eq "2026-03-09:reminder:2026-03-16:HS 2026-03-09:reminder:2026-03-16:XJ 2026-03-14:reminder:2026-03-16:HS 2026-03-14:reminder:2026-03-16:XJ 2026-03-16:reminder:2026-03-16:HS 2026-03-17:missed:2026-03-16:HS:HS 2026-03-17:missed:2026-03-16:ZB:HS" \
  "$(made)" "16 March: reminders, caught up once, stopped by XJ's report; missed to HS and the office"
assert_eq "2026-03-13" "$(psql_q "SELECT string_agg(DISTINCT split_part(key, ':', 4), ' ') FROM duban.notices
  WHERE type = 'reminder' AND created_at::date = '2026-03-14' AND payload->>'schedule' = 'campaign'")" \
  "the made-up reminder is the one of Friday 13 March"

# Due Wednesday 8 April: 1 April, 3 days before = Sunday 5 April (清明节, Saturday the 4th
# too) moved to Friday 3 April, 7 April, 8 April; nobody submits: missed on the 9th.
psql_q "DELETE FROM duban.notices WHERE payload->>'schedule' = 'campaign'" >/dev/null
for day in 2026-03-31 2026-04-01 2026-04-02 2026-04-03 2026-04-04 2026-04-05 2026-04-06 \
           2026-04-07 2026-04-08 2026-04-09 2026-04-09 2026-04-10; do run_day "$day"; done
exp=""
for d in 2026-04-01 2026-04-03 2026-04-07 2026-04-08; do exp+="$d:reminder:2026-04-08:HS $d:reminder:2026-04-08:XJ "; done
exp+="2026-04-09:missed:2026-04-08:HS:HS 2026-04-09:missed:2026-04-08:XJ:XJ 2026-04-09:missed:2026-04-08:ZB:HS,XJ"
assert_eq "$exp" "$(made)" "8 April: the reminder before the holiday moved to Friday 3 April; missed next day"

# Delivered as json: reminder with the due date, missed with the units.
sent=$(received --path /json/XJ --notices | "$PYTHON" -c '
import json, sys
for line in sys.stdin:
    n = json.loads(line)
    if n.get("schedule") == "campaign" and n["period"] == "2026-04-08":
        print(n["type"], n.get("due", "-"), ",".join(n.get("units", [])))' | sort -u)
assert_contains "$sent" "reminder 2026-04-08" "a reminder delivered with its due date"
assert_contains "$sent" "missed" "the missed notice delivered to the unit"
assert_contains "$(received --path /json/XJ --texts)" "入河排污口专项排查" "texts name the schedule by its label"

echo "schedule_dates: OK"
