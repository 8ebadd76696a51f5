#!/usr/bin/env bash
# import_units: `dubanctl unit import` — Chinese or English headers and kinds, parents by
# code (also later in the file), idempotent re-imports, updates only where a unit differs,
# parents untouched by a file without a parent column, all-or-nothing error reports.
. "$DUBAN_SOURCE/tests/harness/lib.sh"

FIX=$DUBAN_SOURCE/tests/fixtures/import
cd "$TEST_TMP"
cp "$FIX"/units.csv .

duban_test_db t_import_units
ctl migrate >/dev/null

units() { psql_q "SELECT string_agg(concat_ws(':', u.code, u.name, u.kind, p.code), ' ' ORDER BY u.code) FROM duban.units u LEFT JOIN duban.units p ON p.id = u.parent_id"; }

assert_exit 0 "import" -- ctl unit import units.csv
assert_eq "imported units.csv: 7 rows, 7 added, 0 updated, 0 unchanged" "$LAST_OUT" "summary"
assert_eq "DH:东湖镇:town:LEAD EPB:区生态环境分局:department:LEAD LEAD:区生态环境保护督察整改工作领导小组:leadership NRB:区自然资源局:department:LEAD OFFICE:区整改办:office:LEAD WRB:区水利局:department:LEAD XH:西湖街道:street:LEAD" \
  "$(units)" "units, Chinese kinds, OFFICE's parent LEAD defined later in the file"
ALL=$(units)

assert_exit 0 "re-import" -- ctl unit import units.csv
assert_eq "imported units.csv: 7 rows, 0 added, 0 updated, 7 unchanged" "$LAST_OUT" "nothing changes"
assert_eq "$ALL" "$(units)" "same units"

# English headers, a rename, a new unit with a new parent, a parent change.
printf 'code,name,kind,parent\r\nDH,东湖镇人民政府,town,LEAD\r\nNEW1,新园区,park,DH\r\nXH,西湖街道,street,OFFICE\r\n' >more.csv
assert_exit 0 "update" -- ctl --json unit import more.csv
assert_contains "$LAST_OUT" '"added": 1' "json added"
assert_contains "$LAST_OUT" '"updated": 2' "json updated (rename, parent)"
assert_contains "$LAST_OUT" '"unchanged": 0' "json unchanged"
assert_eq "DH:东湖镇人民政府:town:LEAD NEW1:新园区:park:DH XH:西湖街道:street:OFFICE" \
  "$(psql_q "SELECT string_agg(concat_ws(':', u.code, u.name, u.kind, p.code), ' ' ORDER BY u.code) FROM duban.units u LEFT JOIN duban.units p ON p.id = u.parent_id WHERE u.code IN ('DH', 'NEW1', 'XH')")" "updated units"

# No parent column: parents stay.
printf '编码,名称,类型\nXH,西湖街道办事处,街道\n' >noparent.csv
assert_exit 0 "no parent column" -- ctl unit import noparent.csv
assert_eq "imported noparent.csv: 1 row, 0 added, 1 updated, 0 unchanged" "$LAST_OUT" "renamed"
assert_eq "西湖街道办事处:OFFICE" "$(psql_q "SELECT u.name || ':' || p.code FROM duban.units u JOIN duban.units p ON p.id = u.parent_id WHERE u.code = 'XH'")" "parent untouched"

# An empty parent cell clears the parent.
printf 'code,name,kind,parent\nNEW1,新园区,park,\n' >clear.csv
assert_exit 0 "clear parent" -- ctl unit import clear.csv
assert_eq "" "$(psql_q "SELECT parent_id FROM duban.units WHERE code = 'NEW1'")" "parent cleared"

# Errors: every bad row, nothing written.
BEFORE=$(psql_q "SELECT count(*), string_agg(code || name || kind || coalesce(parent_id::text, ''), ',' ORDER BY id) FROM duban.units")
printf 'code,name,kind,parent\nGOOD,好单位,town,\nbad code,坏编码,town,\nK1,坏类型,village,\nP1,坏上级,town,NOPE\nGOOD,重复编码,town,\nS1,自己,town,S1\nN1,区水利局,department,\nN2,好单位,town,\n' >bad.csv
assert_exit 65 "bad units" -- ctl unit import bad.csv
assert_eq 'bad.csv:3: code: invalid unit code "bad code" (letters, digits, _ and - only)
bad.csv:4: kind: unknown unit kind "village" (allowed: town/镇, street/街道, park/园区, department/部门, office/整改办, leadership/领导小组)
bad.csv:5: parent: unknown parent unit NOPE (not a unit code in the ledger or in this file)
bad.csv:6: code: unit GOOD appears twice: already on line 2
bad.csv:7: parent: a unit cannot be its own parent
bad.csv:8: name: the name 区水利局 already belongs to unit WRB
bad.csv:9: name: the name 好单位 appears twice: already on line 2
dubanctl: bad.csv: 7 errors, nothing imported' "$LAST_ERR" "errors"
assert_eq "$BEFORE" "$(psql_q "SELECT count(*), string_agg(code || name || kind || coalesce(parent_id::text, ''), ',' ORDER BY id) FROM duban.units")" "units untouched"

# A cycle through the ledger: LEAD under DH while DH is under LEAD.
printf 'code,name,kind,parent\nLEAD,区生态环境保护督察整改工作领导小组,leadership,DH\n' >cycle.csv
assert_exit 65 "cycle" -- ctl unit import cycle.csv
assert_contains "$LAST_ERR" "cycle.csv:2: parent: unit LEAD would be its own ancestor" "cycle refused"
assert_eq "" "$(psql_q "SELECT parent_id FROM duban.units WHERE code = 'LEAD'")" "cycle rolled back"

assert_exit 65 "missing columns" -- ctl unit import <(printf 'code,parent\nA,B\n')
assert_contains "$LAST_ERR" "header: missing required column 'name' (名称)" "name required"
assert_contains "$LAST_ERR" "header: missing required column 'kind' (类型)" "kind required"

echo "import_units: OK"
