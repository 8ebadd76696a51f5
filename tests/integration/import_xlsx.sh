#!/usr/bin/env bash
# import_xlsx: `dubanctl problem import FILE.xlsx` (SPEC §6) — the first sheet of the office's
# workbook, made by openpyxl (not by duban), with a title row, shared strings, date cells in
# a 年月日 format and progress as a percentage cell, imports exactly as the same ledger saved
# as CSV; errors name the sheet's row; hostile workbooks (zip bombs, too many shared strings,
# a huge string, billion laughs, an external entity, not a zip) are refused quickly with a
# clear error, exit 65, nothing written.
. "$DUBAN_SOURCE/tests/harness/lib.sh"

FIX=$DUBAN_SOURCE/tests/fixtures/import
xlsx_tool() { /usr/bin/python3 "$HARNESS/xlsx_tool.py" "$@"; }
cd "$TEST_TMP"
cp "$FIX"/units.csv "$FIX"/ledger.csv .

dump() { psql_q "SELECT string_agg(ref || '=' || md5(row(level, source, category, title, location, unit_id, supervisor_ids, deadline, long_term, measures, target, progress, status, closed_on)::text), ' ' ORDER BY ref) FROM duban.problems"; }

duban_test_db t_import_xlsx_csv
ctl migrate >/dev/null
ctl unit import units.csv >/dev/null
assert_exit 0 "CSV import" -- ctl --now 2026-03-02T10:00:00+08:00 problem import ledger.csv
FROM_CSV=$(dump)

duban_test_db t_import_xlsx
ctl migrate >/dev/null
ctl unit import units.csv >/dev/null
xlsx_tool from-csv ledger.csv ledger.xlsx
assert_exit 0 "XLSX import" -- ctl --now 2026-03-02T10:00:00+08:00 problem import ledger.xlsx
assert_eq "imported ledger.xlsx: 4 rows, 4 added, 0 updated, 0 unchanged" "$LAST_OUT" "summary"
assert_eq "$FROM_CSV" "$(dump)" "the workbook stores exactly what the CSV stored"
assert_eq "2026-03-31|45|2025-12-20" "$(psql_q "SELECT (SELECT deadline FROM duban.problems WHERE ref = 'ZY-01') || '|' || (SELECT progress FROM duban.problems WHERE ref = 'ZY-01') || '|' || (SELECT closed_on FROM duban.problems WHERE ref = 'ZY-03')")" \
  "date cells and the percentage cell"
assert_exit 0 "XLSX again" -- ctl problem import ledger.xlsx
assert_eq "imported ledger.xlsx: 4 rows, 0 added, 0 updated, 4 unchanged" "$LAST_OUT" "re-import changes nothing"
cp ledger.xlsx ledger-renamed.dat
assert_exit 0 "a workbook under another name is known by its first bytes" -- ctl problem import ledger-renamed.dat
assert_contains "$LAST_OUT" "4 unchanged" "read as a workbook"

# ------------------------------------------------------------- errors name the sheet's row
sed -e 's/2026\/6\/30/2026-02-30/' -e 's/,XH,EPB；NRB/,南山镇,EPB；NRB/' ledger.csv >broken.csv
xlsx_tool from-csv broken.csv broken.xlsx
assert_exit 65 "a bad row" -- ctl problem import broken.xlsx
assert_eq "broken.xlsx:4: 主体责任单位: unknown unit \"南山镇\" (neither the code nor the exact name of a unit)
broken.xlsx:4: 整改时限: no such date: 2026-02-30
dubanctl: broken.xlsx: 2 errors, nothing imported" "$LAST_ERR" "FILE:ROW: column: message (row 4: title row, header, ZY-01, ZY-02)"

# ------------------------------------------------------------- hostile workbooks
BEFORE=$(dump)
hostile() {
  local kind=$1 want=$2 t0 t1
  xlsx_tool hostile "$kind" "$kind.xlsx"
  t0=$(date +%s)
  assert_exit 65 "hostile: $kind" -- ctl problem import "$kind.xlsx"
  t1=$(date +%s)
  assert_contains "$LAST_ERR" "$kind.xlsx$want" "hostile: $kind: the reason"
  (( $(printf '%s\n' "$LAST_ERR" | wc -l) <= 2 )) || fail "hostile: $kind: one error (and the summary): $LAST_ERR"
  # bounded time: a few seconds on a quiet machine; the bound only catches a runaway (a loaded
  # machine may be ten times slower)
  (( t1 - t0 < 300 )) || fail "hostile: $kind took $((t1 - t0)) s"
}
hostile declared-bomb ": xl/worksheets/sheet1.xml: inflates to 4026531840 bytes, more than the"
hostile lying-bomb ": xl/worksheets/sheet1.xml: inflates to more than the 1024 bytes it declares"
hostile many-strings ": xl/sharedStrings.xml: more than 16777216 shared strings (refused)"
hostile huge-string ": xl/sharedStrings.xml: malformed XML"
hostile laughs ": xl/sharedStrings.xml: has a DTD (<!DOCTYPE>), which no workbook has: refused"
hostile xxe ": xl/sharedStrings.xml: has a DTD (<!DOCTYPE>), which no workbook has: refused"
hostile not-zip ": not an .xlsx workbook"
hostile no-sheet ": the workbook has no part xl/"
hostile bad-sst-index ":1: a cell names shared string 7, which the workbook does not have"
hostile malformed ": xl/worksheets/sheet1.xml: malformed XML"
assert_eq "$BEFORE" "$(dump)" "nothing written by any of them"

echo "import_xlsx: OK"
