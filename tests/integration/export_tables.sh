#!/usr/bin/env bash
# export_tables: `dubanctl export TABLE` (SPEC §11) against a ledger with known answers —
# the five tables' headers, order and figures in CSV (UTF-8 with BOM) and XLSX (opened with
# openpyxl, not the writer: bold frozen header, widths, date cells, 万元 and rate formats,
# the bold 合计 row); --unit; the ledger export re-imported losslessly (CSV and XLSX, into
# the same ledger and into a fresh one); the enforcement figures and 阶段办结 by import and by
# `problem enforce`, with history; errors (unknown table, bad --out, --period where none).
. "$DUBAN_SOURCE/tests/harness/lib.sh"

FIX=$DUBAN_SOURCE/tests/fixtures
xlsx_tool() { /usr/bin/python3 "$HARNESS/xlsx_tool.py" "$@"; }
cd "$TEST_TMP"
cp "$FIX"/import/units.csv "$FIX"/export/ledger.csv .
NOW=--now=2026-04-01T10:00:00+08:00

duban_test_db t_export_tables
ctl migrate >/dev/null
ctl unit import units.csv >/dev/null
assert_exit 0 "ledger import" -- ctl --now 2026-03-02T10:00:00+08:00 problem import ledger.csv
assert_exit 0 "progress note" -- ctl --now 2026-03-25T10:00:00+08:00 problem progress A-1 45 --note 已清运一半
# the CSV file without its BOM, CRLF as LF, for comparing
body() { tail -c +4 "$1" | tr -d '\r'; }

# ------------------------------------------------------------- enforcement and 阶段办结 by import
assert_eq "t|属实|3|2|20.0000" "$(psql_q "SELECT concat_ws('|', long_term, verified, ordered, penalized, fine) FROM duban.problems WHERE ref = 'A-4'")" \
  "A-4: 阶段办结 makes it long-term; figures with 万元"
assert_eq "t" "$(psql_q "SELECT stage_done FROM duban.problems WHERE ref = 'A-4'")" "A-4 is 阶段办结"
assert_exit 0 "show --json" -- ctl --json problem show A-1
assert_eq "张三 13800000000|属实|12.5|1|2|True" "$(printf '%s' "$LAST_OUT" | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print("|".join(str(d[k]) for k in ("contact","verified","fine","detained_admin","interviewed")) + "|" + str(d["stage_done"] is False))')" \
  "problem show --json has contact and the figures"

# ------------------------------------------------------------- attachment2: per local unit, 合计
assert_exit 0 "export attachment2 csv" -- ctl $NOW export attachment2 --out a2.csv
assert_eq "exported attachment2: 6 rows to a2.csv" "$LAST_OUT" "summary"
assert_eq $'\xef\xbb\xbf' "$(head -c 3 a2.csv)" "UTF-8 BOM"
assert_eq "单位,交办数量(件),已办结(件),阶段办结(件),责令整改(家),立案处罚(家),罚款金额(万元),立案侦查(件),拘留(人) 行政,拘留(人) 刑事,约谈(人),问责(人),属实(件),不属实(件)
东湖镇,3,1,1,5,3,32.5,0,1,0,3,1,2,1
区生态环境分局,0,0,0,0,0,0,0,0,0,0,0,0,0
区自然资源局,0,0,0,0,0,0,0,0,0,0,0,0,0
区水利局,0,0,0,0,0,0,0,0,0,0,0,0,0
西湖街道,2,1,0,1,1,3,1,0,1,0,0,1,0
合计,5,2,1,6,4,35.5,1,1,1,3,1,3,1" "$(body a2.csv)" "attachment2 figures"
assert_eq $'\r' "$(head -n 1 a2.csv | tail -c 2 | head -c 1)" "CRLF line ends"
assert_exit 0 "attachment2 --unit" -- ctl $NOW export attachment2 --unit XH --out a2-xh.csv
assert_eq "单位,交办数量(件),已办结(件),阶段办结(件),责令整改(家),立案处罚(家),罚款金额(万元),立案侦查(件),拘留(人) 行政,拘留(人) 刑事,约谈(人),问责(人),属实(件),不属实(件)
西湖街道,2,1,0,1,1,3,1,0,1,0,0,1,0
合计,2,1,0,1,1,3,1,0,1,0,0,1,0" "$(body a2-xh.csv)" "--unit narrows to one unit"

# problem enforce changes the figures, with history
assert_exit 0 "problem enforce" -- ctl --actor office-a problem enforce A-5 --verified 属实 --fine 0.75 --accountable 2
assert_contains "$LAST_OUT" "problem A-5: 核实 属实" "enforce prints the figures"
assert_eq 'enforce|office-a|{"fine": {"after": 0.75, "before": 0}, "verified": {"after": "属实", "before": null}, "accountable": {"after": 2, "before": 0}}' \
  "$(psql_q "SELECT h.action || '|' || h.actor || '|' || (h.detail->'changes')::text FROM duban.history h JOIN duban.problems p ON p.id = h.problem_id WHERE p.ref = 'A-5' ORDER BY h.id DESC LIMIT 1")" \
  "history: before -> after of the figures given"
assert_exit 65 "enforce: bad count" -- ctl problem enforce A-5 --ordered -1
assert_contains "$LAST_ERR" "--ordered: invalid number" "bad count named"
assert_exit 65 "enforce: bad verified" -- ctl problem enforce A-5 --verified 也许
assert_exit 64 "enforce: nothing given" -- ctl problem enforce A-5
assert_exit 65 "enforce: unknown ref" -- ctl problem enforce NOPE --ordered 1
assert_exit 0 "attachment2 after enforce" -- ctl $NOW export attachment2 --unit XH --out a2-xh.csv
assert_eq "西湖街道,2,1,0,1,1,3.75,1,0,1,0,2,2,0" "$(body a2-xh.csv | sed -n 2p)" "the enforced figures counted"

# ------------------------------------------------------------- attachment1: the open problems
assert_exit 0 "export attachment1" -- ctl $NOW export attachment1 --out a1.csv
assert_eq "序号,单位,详细地址,群众举报问题具体内容,目前整改工作现状,具体整改措施及整改目标,整改进展,是否办结
1,东湖镇,东湖村,河道垃圾,正在整改，整改进度 45%,清运；整改目标：清零；整改时限：2026年6月30日,2026-03-25 已清运一半（45%）,正在办理
2,东湖镇,东湖镇北,黑臭水体,正在整改，整改进度 50%,截污；整改目标：消除黑臭；整改时限：2026年12月31日,,阶段办结
3,西湖街道,西湖路,\"餐饮油烟, \"\"夜间\"\"\",正在整改，整改进度 60%，已超过整改时限 17 天,安装净化器；整改目标：达标；整改时限：2026年3月15日,,正在办理" \
  "$(body a1.csv)" "attachment1 rows, RFC 4180 quoting"

# ------------------------------------------------------------- closure: by level and source
assert_exit 0 "export closure" -- ctl $NOW export closure --out closure.csv
assert_eq "层级,问题来源,交办,已销号,逾期,销号率
中央,信访件,2,0,1,0.0%
省级,信访件,1,1,0,100.0%
省级,自查,1,0,0,0.0%
区级,自查,1,1,0,100.0%
合计,,5,2,1,40.0%" "$(body closure.csv)" "closure figures"

# ------------------------------------------------------------- bulletin: as the daemon made it
assert_exit 65 "bulletin before one was made" -- ctl $NOW export bulletin --out b.csv
assert_contains "$LAST_ERR" "no bulletin has been made yet" "says why"
[[ ! -e b.csv ]] || fail "no file after a failed export"
[[ -z $(ls b.csv.tmp-* 2>/dev/null) ]] || fail "no temporary file left"
receiver_start export
ctl channel add OFFICE --kind json --url "$RECEIVER_URL/json/OFFICE" >/dev/null
assert_exit 0 "duband --once on the first working day of April" -- dband --once --now 2026-04-01T09:00:00+08:00
assert_exit 0 "export bulletin" -- ctl $NOW export bulletin --period 2026-03 --out b.csv
assert_eq "名次,单位,未销号,逾期,已销号,销号率,指数,榜单
1,东湖镇,2,0,1,33.3%,105.0,红榜
2,西湖街道,1,1,1,50.0%,55.0,黑榜" "$(body b.csv)" "bulletin: units with problems, place, index, lists"
assert_exit 0 "export bulletin: the latest by default" -- ctl $NOW export bulletin --out b2.csv
cmp -s b.csv b2.csv || fail "the latest bulletin is 2026-03's"
assert_exit 65 "bulletin of a period without one" -- ctl $NOW export bulletin --period 2025-01 --out b3.csv
assert_contains "$LAST_ERR" "no bulletin for period 2025-01 has been made yet" "names the period"

# ------------------------------------------------------------- XLSX, read by openpyxl
assert_exit 0 "export attachment2 xlsx" -- ctl $NOW export attachment2 --out a2.xlsx
xlsx_tool dump a2.xlsx >a2.json
"$PYTHON" - a2.json <<'PY' || fail "attachment2.xlsx as openpyxl reads it"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sheet"] == "附件2", d["sheet"]
assert d["freeze"] == "A2", d["freeze"]
rows = d["rows"]
head = [c[0] for c in rows[0]]
assert head[0] == "单位" and head[6] == "罚款金额(万元)" and head[13] == "不属实(件)", head
assert all(c[3] for c in rows[0]), "header bold"
assert all(w and w >= 8 for w in d["widths"].values()) and len(d["widths"]) == 14, d["widths"]
dh = rows[1]
assert [c[0] for c in dh] == ["东湖镇", "3", "1", "1", "5", "3", "32.5", "0", "1", "0", "3", "1", "2", "1"], dh
assert dh[1][1] == "n" and dh[6][1] == "n" and dh[6][2] == "#,##0.00", dh[6]
assert not any(c[3] for c in dh), "data rows not bold"
total = rows[-1]
assert total[0][0] == "合计" and total[6][0] == "36.25" and all(c[3] for c in total if c[0] is not None), total
PY
assert_exit 0 "export closure xlsx" -- ctl $NOW export closure --out closure.xlsx
xlsx_tool dump closure.xlsx >closure.json
"$PYTHON" - closure.json <<'PY' || fail "closure.xlsx rates"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
rate = rows[2][5]
assert rate[0] == "1" and rate[2] == "0.0%" and rate[1] == "n", rate
assert rows[-1][5][0] == "0.4", rows[-1]
PY

# ------------------------------------------------------------- the ledger, and its round trip
assert_exit 0 "export ledger csv" -- ctl $NOW export ledger --out ledger-out.csv
assert_eq "序号,编号,层级,问题来源,类别,问题,地址,主体责任单位,监管责任单位,整改时限,整改措施,整改目标,整改进度,办理状态,办结日期,责任人
1,A-1,中央,信访件,,河道垃圾,东湖村,东湖镇,区生态环境分局,2026-06-30,清运,清零,45,正在办理,,张三 13800000000
2,A-2,中央,信访件,,\"餐饮油烟, \"\"夜间\"\"\",西湖路,西湖街道,区生态环境分局、区自然资源局,2026-03-15,安装净化器,达标,60,正在办理,,李四
3,A-3,省级,信访件,,非法采砂,东湖河,东湖镇,区水利局,2025-12-31,拆除,恢复,100,已办结,2025-12-20,
4,A-4,省级,自查,,黑臭水体,东湖镇北,东湖镇,区生态环境分局、区水利局,2026-12-31,截污,消除黑臭,50,阶段办结,,王五 13900000000
5,A-5,区级,自查,,建筑垃圾,西湖北,西湖街道,区水利局,2026-09-30,清运,清零,100,已办结,2026-03-20," \
  "$(body ledger-out.csv)" "ledger rows"
assert_exit 0 "export ledger xlsx" -- ctl $NOW export ledger --out ledger-out.xlsx
xlsx_tool dump ledger-out.xlsx >ledger.json
"$PYTHON" - ledger.json <<'PY' || fail "ledger.xlsx date cells"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
deadline = rows[1][9]
assert deadline[0] == "2026-06-30" and deadline[1] == "d" and deadline[2] == "yyyy-mm-dd", deadline
assert rows[3][14][0] == "2025-12-20" and rows[3][14][1] == "d", rows[3][14]
assert rows[1][12][0] == "45" and rows[1][12][1] == "n", rows[1][12]
PY
assert_exit 0 "re-import of the CSV export" -- ctl problem import ledger-out.csv
assert_eq "imported ledger-out.csv: 5 rows, 0 added, 0 updated, 5 unchanged" "$LAST_OUT" "CSV round trip changes nothing"
assert_exit 0 "re-import of the XLSX export" -- ctl problem import ledger-out.xlsx
assert_eq "imported ledger-out.xlsx: 5 rows, 0 added, 0 updated, 5 unchanged" "$LAST_OUT" "XLSX round trip changes nothing"
for kind in csv xlsx; do
  duban_test_db "t_export_tables_$kind"
  ctl migrate >/dev/null
  ctl unit import units.csv >/dev/null
  assert_exit 0 "import of the $kind export into a fresh ledger" -- ctl problem import "ledger-out.$kind"
  assert_exit 0 "export again" -- ctl $NOW export ledger --out "again-$kind.csv"
  cmp -s ledger-out.csv "again-$kind.csv" || fail "the $kind round trip is lossless: $(diff <(body ledger-out.csv) <(body "again-$kind.csv"))"
done

# ------------------------------------------------------------- 阶段办结 with 长期 否: the cell stands
printf '编号,层级,问题,主体责任单位,监管责任单位,整改时限,长期,办理状态\nS-1,区级,阶段办结而非长期,DH,EPB,2026-12-31,否,阶段办结\n' >stage.csv
assert_exit 0 "阶段办结 on a row whose 长期 says 否" -- ctl problem import stage.csv
assert_eq "false|true" "$(psql_q "SELECT long_term || '|' || stage_done FROM duban.problems WHERE ref = 'S-1'")" "the 长期 cell stands"

# ------------------------------------------------------------- supervisors by position, any number
# (the first three are joined by position, a longer list spelled out: both in the listed order)
assert_exit 0 "four supervisors" -- ctl problem add --ref M-4 --title 四个监管单位 --level district --unit XH \
  --supervisors WRB,NRB,DH,EPB --deadline 2026-12-31
assert_exit 0 "three supervisors" -- ctl problem add --ref M-3 --title 三个监管单位 --level district --unit XH \
  --supervisors NRB,EPB,WRB --deadline 2026-12-31
assert_exit 0 "export ledger --unit XH" -- ctl $NOW export ledger --unit XH --out sup.csv
assert_eq "M-4 区水利局、区自然资源局、东湖镇、区生态环境分局
M-3 区自然资源局、区生态环境分局、区水利局" "$(body sup.csv | "$PYTHON" -c '
import csv, sys
for r in csv.DictReader(sys.stdin):
    if r["编号"].startswith("M-"):
        print(r["编号"], r["监管责任单位"])')" "supervisor names in their order"

# ------------------------------------------------------------- usage errors
assert_exit 64 "unknown table" -- ctl export nope --out x.csv
assert_contains "$LAST_ERR" "unknown table 'nope' (tables: ledger, attachment1, attachment2, bulletin, closure)" "names the tables"
assert_exit 64 "no --out" -- ctl export ledger
assert_exit 64 "bad extension" -- ctl export ledger --out x.txt
assert_exit 64 "--period where none" -- ctl export ledger --period 2026-03 --out x.csv
assert_exit 65 "unknown --unit" -- ctl export ledger --unit NOPE --out x.csv
assert_exit 73 "unwritable --out" -- ctl export ledger --out /nonexistent/dir/x.csv

echo "export_tables: OK"
