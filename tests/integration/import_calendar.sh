#!/usr/bin/env bash
# import_calendar: `dubanctl calendar import` — holidays and adjusted working days (调休)
# with 1/0, true/false, yes/no, 是/否, 上班/休息; upsert on the date; idempotent;
# all-or-nothing errors; the working-day functions see the imported days.
. "$DUBAN_SOURCE/tests/harness/lib.sh"

cd "$TEST_TMP"
duban_test_db t_import_calendar
ctl migrate >/dev/null

days() { psql_q "SELECT string_agg(day || ':' || workday || ':' || name, ' ' ORDER BY day) FROM duban.calendar WHERE day >= '2027-01-01'"; }
N0=$(psql_q "SELECT count(*) FROM duban.calendar")

printf '\xef\xbb\xbf日期,是否工作日,名称\r\n2027-01-01,休息,元旦\r\n2027/2/6,上班,春节调休\r\n2027年2月8日,否,春节\r\n2027-02-09,0,春节\r\n2027-02-20,true,调休\r\n2027-02-10,no,\r\n' >cal.csv
assert_exit 0 "import" -- ctl calendar import cal.csv
assert_eq "imported cal.csv: 6 rows, 6 added, 0 updated, 0 unchanged" "$LAST_OUT" "summary"
assert_eq "2027-01-01:false:元旦 2027-02-06:true:春节调休 2027-02-08:false:春节 2027-02-09:false:春节 2027-02-10:false: 2027-02-20:true:调休" "$(days)" "days"
assert_eq "true|false" "$(psql_q "SELECT duban.is_workday('2027-02-06') || '|' || duban.is_workday('2027-02-08')")" "is_workday: Saturday 调休 works, Monday holiday does not"
assert_eq "2027-02-11" "$(psql_q "SELECT duban.add_workdays('2027-02-05', 2)")" "working days skip the imported holidays"

assert_exit 0 "re-import" -- ctl calendar import cal.csv
assert_eq "imported cal.csv: 6 rows, 0 added, 0 updated, 6 unchanged" "$LAST_OUT" "idempotent"

# Shipped days can be corrected; a file without names keeps the names.
printf 'date,workday\n2026-10-01,1\n2027-01-01,休息\n' >fix.csv
assert_exit 0 "correction" -- ctl calendar import fix.csv
assert_eq "imported fix.csv: 2 rows, 0 added, 1 updated, 1 unchanged" "$LAST_OUT" "one change"
assert_eq "true:国庆节" "$(psql_q "SELECT workday || ':' || name FROM duban.calendar WHERE day = '2026-10-01'")" "name kept"
assert_eq "$((N0 + 6))" "$(psql_q "SELECT count(*) FROM duban.calendar")" "no extra rows"

BEFORE=$(psql_q "SELECT md5(string_agg(day || ':' || workday || ':' || name, ',' ORDER BY day)) FROM duban.calendar")
printf 'date,workday,name\n2027-03-01,1,ok\n2027-02-30,1,bad date\n2027-03-02,maybe,bad flag\n2027-03-01,0,twice\n2027-03-03,,empty flag\n' >bad.csv
assert_exit 65 "bad days" -- ctl calendar import bad.csv
assert_eq 'bad.csv:3: date: no such date: 2027-02-30
bad.csv:4: workday: not a working-day flag "maybe" (allowed: 1/0, true/false, yes/no, 是/否, 上班/休息)
bad.csv:5: date: 2027-03-01 appears twice: already on line 2
bad.csv:6: workday: empty (allowed: 1/0, true/false, yes/no, 是/否, 上班/休息)
dubanctl: bad.csv: 4 errors, nothing imported' "$LAST_ERR" "errors"
assert_eq "$BEFORE" "$(psql_q "SELECT md5(string_agg(day || ':' || workday || ':' || name, ',' ORDER BY day)) FROM duban.calendar")" "calendar untouched"

echo "import_calendar: OK"
