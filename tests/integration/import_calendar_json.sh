#!/usr/bin/env bash
# import_calendar_json: `dubanctl calendar import` of holiday-cn JSON files (recognised by
# the .json extension or a leading '{', with or without a BOM, also on stdin): the days land
# as the CSV import would put them; a bad file is refused whole (exit 65) with
# FILE:LINE errors for broken JSON and FILE: days[i].member errors for bad entries.
. "$DUBAN_SOURCE/tests/harness/lib.sh"

cd "$TEST_TMP"
duban_test_db t_import_calendar_json
ctl migrate >/dev/null

days() { psql_q "SELECT string_agg(day || ':' || workday || ':' || name, ' ' ORDER BY day) FROM duban.calendar WHERE day >= '2027-01-01'"; }
snapshot() { psql_q "SELECT md5(string_agg(day || ':' || workday || ':' || name, ',' ORDER BY day)) FROM duban.calendar"; }

# The shape holiday-cn publishes (extra members such as $schema and papers are ignored).
cat >2027.json <<'JSON'
{
    "$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
    "$id": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/2027.json",
    "year": 2027,
    "papers": ["https://www.gov.cn/zhengce/content/"],
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
        {"name": "春节", "date": "2027-02-06", "isOffDay": false},
        {"name": "春节", "date": "2027-02-08", "isOffDay": true},
        {"name": "春节", "date": "2027-02-09", "isOffDay": true}
    ]
}
JSON
assert_exit 0 "import json" -- ctl calendar import 2027.json
assert_eq "imported 2027.json: 4 rows, 4 added, 0 updated, 0 unchanged" "$LAST_OUT" "summary"
assert_eq "2027-01-01:false:元旦 2027-02-06:true:春节 2027-02-08:false:春节 2027-02-09:false:春节" "$(days)" "days"
assert_eq "true|false" "$(psql_q "SELECT duban.is_workday('2027-02-06') || '|' || duban.is_workday('2027-02-08')")" "Saturday 调休 works, Monday holiday does not"

assert_exit 0 "re-import" -- ctl calendar import 2027.json
assert_eq "imported 2027.json: 4 rows, 0 added, 0 updated, 4 unchanged" "$LAST_OUT" "idempotent"

# Recognised by content: another extension, a BOM, stdin; a New Year holiday on the 31st of
# the year before belongs to the file; --json summary.
printf '\xef\xbb\xbf\n {"year":2028,"days":[{"name":"元旦","date":"2027-12-31","isOffDay":true},{"name":"元旦","date":"2028-01-01","isOffDay":true}]}' >holidays-2028.txt
assert_exit 0 "by content" -- ctl calendar import holidays-2028.txt
assert_eq "imported holidays-2028.txt: 2 rows, 2 added, 0 updated, 0 unchanged" "$LAST_OUT" "summary"
assert_exit 0 "stdin, --json" -- sh -c "printf '%s' '{\"year\":2028,\"days\":[{\"name\":\"元旦\",\"date\":\"2028-01-01\",\"isOffDay\":false}]}' | \"\$DUBAN_BUILD/dubanctl\" --json calendar import -"
assert_eq '{"file":"-","rows":1,"added":0,"updated":1,"unchanged":0}' "$(printf '%s' "$LAST_OUT" | tr -d ' \n')" "json summary"
assert_eq "true:元旦" "$(psql_q "SELECT workday || ':' || name FROM duban.calendar WHERE day = '2028-01-01'")" "updated"

# All or nothing.
BEFORE=$(snapshot)
cat >bad.json <<'JSON'
{"year": 2027, "days": [
  {"name": "ok", "date": "2027-03-01", "isOffDay": false},
  {"name": "bad date", "date": "2027-02-30", "isOffDay": true},
  {"name": "bad flag", "date": "2027-03-02", "isOffDay": "yes"},
  {"name": "far", "date": "2025-01-01", "isOffDay": true},
  {"date": "2027-03-03"},
  "2027-03-04",
  {"name": 7, "date": "2027/3/1", "isOffDay": true}
]}
JSON
assert_exit 65 "bad entries" -- ctl calendar import bad.json
assert_eq 'bad.json: days[1].date: no such date: 2027-02-30
bad.json: days[2].isOffDay: not true or false
bad.json: days[3].date: 2025-01-01 is not in or next to year 2027
bad.json: days[4].isOffDay: missing
bad.json: days[5]: not an object
bad.json: days[6].name: not a string
dubanctl: bad.json: 6 errors, nothing imported' "$LAST_ERR" "entry errors"

printf '{"year": 2027, "days": [{"name": "元旦", "date": "2027-03-01", "isOffDay": true},\n {"name": "x", "date": "2027-3-1", "isOffDay": false}]}' >twice.json
assert_exit 65 "a date twice" -- ctl calendar import twice.json
assert_eq 'twice.json: days[1].date: 2027-03-01 appears twice: already days[0]
dubanctl: twice.json: 1 error, nothing imported' "$LAST_ERR" "duplicate"

printf '{"year": 2027,\n "days": [\n  {"date": "2027-03-01" "isOffDay": true}\n]}\n' >broken.json
assert_exit 65 "broken JSON" -- ctl calendar import broken.json
assert_eq "broken.json:3: not JSON: '}' expected near '\"isOffDay\"'
dubanctl: broken.json: 1 error, nothing imported" "$LAST_ERR" "FILE:LINE"

printf '{"year": "2027", "days": []}' >empty.json
assert_exit 65 "no year, no days" -- ctl calendar import empty.json
assert_eq 'empty.json: year: not a year (a whole number such as 2027)
empty.json: days: empty: nothing to import
dubanctl: empty.json: 2 errors, nothing imported' "$LAST_ERR" "shape"

printf '[{"date": "2027-03-01"}]' >array.json
assert_exit 65 "not an object" -- ctl calendar import array.json
assert_eq 'array.json: not a holiday-cn file: the top level is not an object
dubanctl: array.json: 1 error, nothing imported' "$LAST_ERR" "top level"
assert_eq "$BEFORE" "$(snapshot)" "calendar untouched"

# A CSV file is still read as CSV, whatever its name.
printf 'date,workday,name\n2027-05-03,0,劳动节\n' >days.txt
assert_exit 0 "csv by content" -- ctl calendar import days.txt
assert_eq "imported days.txt: 1 row, 1 added, 0 updated, 0 unchanged" "$LAST_OUT" "csv summary"

echo "import_calendar_json: OK"
