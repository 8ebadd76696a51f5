#!/usr/bin/env bash
# import_problems: `dubanctl problem import` (SPEC §6) — the office's Excel ledger in UTF-8
# (BOM, CRLF, Chinese headers, 、-separated supervisors, 年月日 dates, quoted cells with
# commas, quotes and line breaks) and in GBK; all-or-nothing error reports as
# FILE:LINE: column: message; idempotent re-imports; updates of only the columns a file
# has, recorded in history; status conflicts; closed history rows; the error cap.
. "$DUBAN_SOURCE/tests/harness/lib.sh"

FIX=$DUBAN_SOURCE/tests/fixtures/import
cd "$TEST_TMP"
cp "$FIX"/units.csv "$FIX"/ledger.csv "$FIX"/broken.csv .

duban_test_db t_import_problems
ctl migrate >/dev/null
assert_exit 0 "unit import" -- ctl unit import units.csv

# count: problems / history entries (duban.problem_history: an import's creation entry per
# problem it made, plus duban.history) / progress notes
count() { psql_q "SELECT (SELECT count(*) FROM duban.problems) || '/' || (SELECT count(*) FROM duban.problem_history) || '/' || (SELECT count(*) FROM duban.progress_notes)"; }
# row REF: the user-facing columns of one problem, units as codes.
row() {
  psql_q "SELECT concat_ws('|', p.level, p.source, p.category, p.title, p.location, u.code,
            (SELECT string_agg(s.code, ',' ORDER BY x.o) FROM unnest(p.supervisor_ids) WITH ORDINALITY x(id, o)
               JOIN duban.units s ON s.id = x.id),
            p.deadline, p.long_term, p.measures, p.target, p.progress, p.status, coalesce(p.closed_on::text, '-'))
          FROM duban.problems p JOIN duban.units u ON u.id = p.unit_id WHERE p.ref = '$1'"
}
dump() { psql_q "SELECT string_agg(ref || '=' || md5(row(level, source, category, title, location, unit_id, supervisor_ids, deadline, long_term, measures, target, progress, status, closed_on)::text), ' ' ORDER BY ref) FROM duban.problems"; }

# ------------------------------------------------------------- the Excel ledger (UTF-8)
assert_eq 0 "$(count | cut -d/ -f1)" "empty ledger to start"
assert_exit 0 "import of the UTF-8 ledger" -- ctl --now 2026-03-02T10:00:00+08:00 problem import ledger.csv
assert_eq "imported ledger.csv: 4 rows, 4 added, 0 updated, 0 unchanged" "$LAST_OUT" "summary"
assert_eq "central|中央督察|水污染|东湖\"黑臭\"水体, 反复出现|东湖镇东侧|DH|EPB,WRB|2026-03-31|f|截污纳管
清淤疏浚|消除黑臭|45|rectifying|-" "$(row ZY-01)" "ZY-01: quotes, commas, a line break, unit by name, 、, 年月日, 45%"
assert_eq "provincial|信访件|大气污染|餐饮油烟扰民|西湖街道 12 号, 临街|XH|EPB,NRB|2026-06-30|t|安装油烟净化器|达标排放|80|rectifying|-" \
  "$(row ZY-02)" "ZY-02: unit by code, ；, 2026/6/30, 是, 阶段办结"
assert_eq "municipal|警示片|生态破坏|非法采砂|东湖村|DH|WRB|2025-12-31|f|拆除砂场|恢复河道|100|closed|2025-12-20" \
  "$(row ZY-03)" "ZY-03: closed history row with its closing date"
assert_eq "district|自查|固废|建筑垃圾乱堆|东湖镇北|DH|EPB,WRB|2026-09-30|t|清运|清零|0|rectifying|-" \
  "$(row ZY-04)" "ZY-04: trimmed cells, ; list, 1 = long term, empty status and progress"
assert_eq "4/4/0" "$(count)" "4 problems, 4 history rows"
assert_eq "import|4" "$(psql_q "SELECT action || '|' || count(*) FROM duban.problem_history GROUP BY action")" "history action is import"
assert_eq "0" "$(psql_q "SELECT count(*) FROM duban.history")" "the bulk path writes no history row per problem"
assert_eq "1|problems|ledger.csv|4|0|${SUDO_USER:-$(id -un)}|2026-03-02 10:00" \
  "$(psql_q "SELECT id, kind, file, added, updated, actor, to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM duban.imports")" \
  "the import is recorded once: what, how many, who, when"
assert_exit 0 "problem show" -- ctl problem show ZY-01
assert_contains "$LAST_OUT" "${SUDO_USER:-$(id -un)}  import  {\"file\":\"ledger.csv\"" "problem show tells who imported it, when, from which file"
assert_eq "2026-03-31|0|2026-03-01 2026-06-30|0|2026-05-31 2025-12-31|0|-" \
  "$(psql_q "SELECT string_agg(concat_ws('|', p.ladder_due, coalesce(l.stage, 0), coalesce(l.next_on::text, '-')), ' ' ORDER BY p.ref) FROM duban.problems p LEFT JOIN duban.ladders l ON l.problem_id = p.id WHERE p.ref IN ('ZY-01', 'ZY-02', 'ZY-03')")" \
  "the bulk path writes the ladder state the trigger would (D = deadline, first check D - 30, none when closed)"
assert_eq "2" "$(psql_q "SELECT count(*) FROM duban.ladders l JOIN duban.problems p ON p.id = l.problem_id WHERE p.ref IN ('ZY-01', 'ZY-02', 'ZY-03')")" \
  "a ladder row for each open problem the import made, none for the closed one"
BEFORE=$(dump)

# ------------------------------------------------------------- the same file again: nothing
assert_exit 0 "re-import" -- ctl problem import ledger.csv
assert_eq "imported ledger.csv: 4 rows, 0 added, 0 updated, 4 unchanged" "$LAST_OUT" "re-import changes nothing"
assert_eq "4/4/0" "$(count)" "no new history on re-import"
assert_exit 0 "re-import --json" -- ctl --json problem import ledger.csv
assert_eq '{"file":"ledger.csv","rows":4,"added":0,"updated":0,"unchanged":4}' \
  "$(printf '%s' "$LAST_OUT" | "$PYTHON" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), separators=(",",":"), ensure_ascii=False))')" "--json summary"

# ------------------------------------------------------------- GBK
tail -c +4 ledger.csv | iconv -f UTF-8 -t GB18030 >ledger-gbk.csv
if cmp -s <(tail -c +4 ledger.csv) ledger-gbk.csv; then fail "the GBK fixture is not GBK"; fi
assert_exit 65 "GBK without --encoding" -- ctl problem import ledger-gbk.csv
assert_contains "$LAST_ERR" "ledger-gbk.csv:1: invalid UTF-8" "names the file and line"
assert_contains "$LAST_ERR" "--encoding gbk" "names the flag"
assert_eq "4/4/0" "$(count)" "nothing written by the refused GBK file"
assert_exit 0 "GBK with --encoding gbk (same content: no change)" -- ctl problem import ledger-gbk.csv --encoding gbk
assert_eq "imported ledger-gbk.csv: 4 rows, 0 added, 0 updated, 4 unchanged" "$LAST_OUT" "GBK reads as the UTF-8 file"
assert_exit 64 "unknown encoding" -- ctl problem import ledger.csv --encoding latin9
assert_contains "$LAST_ERR" "unknown --encoding 'latin9'" "bad --encoding named"
duban_test_db t_import_problems_gbk
ctl migrate >/dev/null
ctl unit import units.csv >/dev/null
assert_exit 0 "GBK into an empty ledger" -- ctl problem import --encoding gbk ledger-gbk.csv
assert_eq "imported ledger-gbk.csv: 4 rows, 4 added, 0 updated, 0 unchanged" "$LAST_OUT" "GBK summary"
assert_eq "$BEFORE" "$(dump)" "the GBK import stores exactly what the UTF-8 import stored"
export PGDATABASE=t_import_problems
assert_eq "$BEFORE" "$(dump)" "back on the first database"

# ------------------------------------------------------------- a broken file: all or nothing
assert_exit 65 "broken file" -- ctl problem import broken.csv
expected="broken.csv:3: 整改时限: no such date: 2026-02-30
broken.csv:4: 主体责任单位: unknown unit \"南山镇\" (neither the code nor the exact name of a unit)
broken.csv:4: 监管责任单位: unknown unit \"不存在局\" (neither the code nor the exact name of a unit)
broken.csv:5: 层级: unknown level \"乡级\" (allowed: central/中央, provincial/省级, municipal/市级, district/区级)
broken.csv:6: 整改进度: progress 120 out of range 0-100
broken.csv:8: 编号: ref B-1 appears twice: already on line 2
broken.csv:9: 办结日期: empty: a closed problem (\"已办结\") needs its closing date
dubanctl: broken.csv: 7 errors, nothing imported"
assert_eq "$expected" "$LAST_ERR" "every bad row as FILE:LINE: column: message, in line order"
assert_eq "" "$LAST_OUT" "no summary for a refused file"
assert_eq "4/4/0" "$(count)" "database untouched by the broken file"
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.problems WHERE ref LIKE 'B-%'")" "not even the good row B-1"

# ------------------------------------------------------------- header errors
printf 'ref,level,title,unit,supervisors\nX-1,district,t,DH,EPB\n' >nodeadline.csv
assert_exit 65 "missing column" -- ctl problem import nodeadline.csv
assert_eq "nodeadline.csv:1: header: missing required column 'deadline' (整改时限)
dubanctl: nodeadline.csv: 1 error, nothing imported" "$LAST_ERR" "missing required column"
printf '编号,问题,层级,问题描述,主体责任单位,监管责任单位,整改时限\n' >twice.csv
assert_exit 65 "a column twice" -- ctl problem import twice.csv
assert_contains "$LAST_ERR" "twice.csv:1: header: column '问题描述' names title (问题) again: '问题' already does" "duplicate column"
: >empty.csv
assert_exit 65 "empty file" -- ctl problem import empty.csv
assert_contains "$LAST_ERR" "empty.csv: the file is empty" "empty file"
assert_exit 66 "no such file" -- ctl problem import nosuch.csv
assert_exit 64 "no file argument" -- ctl problem import

# ------------------------------------------------------------- a title row above the header
printf '东湖镇生态环境问题整改台账,,,,,\n编号,层级,问题,主体责任单位,监管责任单位,整改时限\nT-1,区级,标题行之后,DH,EPB,2026-12-31\nT-2,区级,坏日期,DH,EPB,2026-13-01\n' >titled.csv
assert_exit 65 "title row file with an error" -- ctl problem import titled.csv
assert_contains "$LAST_ERR" "titled.csv:4: 整改时限: no such date: 2026-13-01" "line numbers count the title row"

# ------------------------------------------------------------- a changed deadline: one history row
sed 's/2026年3月31日/2026年4月30日/' ledger.csv >changed.csv
assert_exit 0 "changed deadline" -- ctl --now 2026-03-05T09:00:00+08:00 --actor office-a problem import changed.csv
assert_eq "imported changed.csv: 4 rows, 0 added, 1 updated, 3 unchanged" "$LAST_OUT" "one row updated"
assert_eq "4/5/0" "$(count)" "exactly one new history row"
assert_eq 'import|office-a|{"deadline": {"after": "2026-04-30", "before": "2026-03-31"}}' \
  "$(psql_q "SELECT h.action || '|' || h.actor || '|' || (h.detail->'changes')::text FROM duban.history h JOIN duban.problems p ON p.id = h.problem_id WHERE p.ref = 'ZY-01' ORDER BY h.id DESC LIMIT 1")" \
  "history has who, the action and before -> after of the deadline only"
assert_eq "2026-04-30" "$(psql_q "SELECT ladder_due FROM duban.problems WHERE ref = 'ZY-01'")" "the ladder follows the new deadline"

# ------------------------------------------------------------- only the columns the file has
printf 'ref,level,title,unit,supervisors,deadline\r\nZY-01,central,东湖黑臭水体（更新）,DH,EPB;WRB,2026-04-30\r\n' >noprogress.csv
assert_exit 0 "file without progress, status, measures columns" -- ctl problem import noprogress.csv
assert_eq "imported noprogress.csv: 1 row, 0 added, 1 updated, 0 unchanged" "$LAST_OUT" "title updated"
assert_eq "central|中央督察|水污染|东湖黑臭水体（更新）|东湖镇东侧|DH|EPB,WRB|2026-04-30|f|截污纳管
清淤疏浚|消除黑臭|45|rectifying|-" "$(row ZY-01)" "progress, source, measures... untouched"
assert_eq '{"title": {"after": "东湖黑臭水体（更新）", "before": "东湖\"黑臭\"水体, 反复出现"}}' \
  "$(psql_q "SELECT (h.detail->'changes')::text FROM duban.history h JOIN duban.problems p ON p.id = h.problem_id WHERE p.ref = 'ZY-01' ORDER BY h.id DESC LIMIT 1")" "title change in history"
assert_eq "4/6/0" "$(count)" "one more history row"

# ------------------------------------------------------------- progress changes leave a dated note
printf 'ref,level,title,unit,supervisors,deadline,progress\nZY-04,区级,建筑垃圾乱堆,DH,EPB、WRB,2026-09-30,60%%\nZY-02,省级,餐饮油烟扰民,XH,EPB；NRB,2026/6/30,\n' >progress.csv
assert_exit 0 "progress import" -- ctl --now 2026-03-06T09:00:00+08:00 problem import progress.csv
assert_eq "imported progress.csv: 2 rows, 0 added, 1 updated, 1 unchanged" "$LAST_OUT" "ZY-04 updated, ZY-02's empty progress keeps 80"
assert_eq "60|80" "$(psql_q "SELECT string_agg(progress::text, '|' ORDER BY ref DESC) FROM duban.problems WHERE ref IN ('ZY-04', 'ZY-02')")" "progress values"
assert_eq "2026-03-06|60|import progress.csv" "$(psql_q "SELECT n.on_date || '|' || n.percent || '|' || n.note FROM duban.progress_notes n JOIN duban.problems p ON p.id = n.problem_id WHERE p.ref = 'ZY-04'")" "a progress note dated the import day"
assert_exit 0 "progress import again" -- ctl problem import progress.csv
assert_eq "imported progress.csv: 2 rows, 0 added, 0 updated, 2 unchanged" "$LAST_OUT" "same progress: nothing"
assert_eq 1 "$(psql_q "SELECT count(*) FROM duban.progress_notes")" "no second note"

# ------------------------------------------------------------- status conflicts
# An applied problem is still open (正在办理) in the office's sheet: no conflict, no change.
psql_q "UPDATE duban.problems SET status = 'applied', applied_on = '2026-03-06' WHERE ref = 'ZY-02'"
assert_exit 0 "ledger says applied, the file 阶段办结 (open)" -- ctl problem import ledger.csv
assert_eq "imported ledger.csv: 4 rows, 0 added, 1 updated, 3 unchanged" "$LAST_OUT" "only ZY-01 (back to its first title and deadline)"
STATE=$(count)
assert_eq applied "$(psql_q "SELECT status FROM duban.problems WHERE ref = 'ZY-02'")" "status never written by an import"
sed -e 's/,阶段办结,,80/,已办结,2026-03-07,80/' ledger.csv >close.csv
assert_exit 65 "closing an applied problem by import" -- ctl problem import close.csv
assert_eq "close.csv:4: 办理状态: problem ZY-02 is applied in the ledger, the file says closed: status changes go through dubanctl problem apply, accept, reject, object and reopen
dubanctl: close.csv: 1 error, nothing imported" "$LAST_ERR" "status conflict named on its line"
sed -e 's/,已办结,2025年12月20日,/,正在办理,,/' -e 's/清零,,,/清零,已办结,2026-03-01,/' ledger.csv >reopen.csv
assert_exit 65 "closed in the ledger, open in the file; open in the ledger, closed in the file" -- ctl problem import reopen.csv
assert_contains "$LAST_ERR" "reopen.csv:5: 办理状态: problem ZY-03 is closed in the ledger, the file says rectifying" "no reopening by import"
assert_contains "$LAST_ERR" "reopen.csv:6: 办理状态: problem ZY-04 is rectifying in the ledger, the file says closed" "no closing by import"
assert_contains "$LAST_ERR" "2 errors, nothing imported" "both conflicts reported"
assert_eq "$STATE" "$(count)" "nothing written"

# The CSV that `problem list --csv` writes imports back without a change.
assert_exit 0 "problem list --csv" -- ctl problem list --csv
cp "$TEST_TMP/last.out" listed.csv
assert_exit 0 "re-import of problem list --csv" -- ctl problem import listed.csv
assert_eq "imported listed.csv: 4 rows, 0 added, 0 updated, 4 unchanged" "$LAST_OUT" "list --csv round trip"
assert_eq "$STATE" "$(count)" "round trip writes nothing"

# ------------------------------------------------------------- closed history rows
printf '编号,层级,问题,主体责任单位,监管责任单位,整改时限,办理状态,办结日期\nH-1,区级,历史问题一,DH,EPB,2021-12-31,已办结,2021/12/1\nH-2,区级,历史问题二,XH,WRB,2022-06-30,closed,2022-07-15\nH-3,district,在办问题,XH,WRB,2026-06-30,rectifying,\n' >history.csv
assert_exit 0 "closed history import" -- ctl problem import history.csv
assert_eq "imported history.csv: 3 rows, 3 added, 0 updated, 0 unchanged" "$LAST_OUT" "history rows added"
assert_eq "H-1|closed|2021-12-01|100 H-2|closed|2022-07-15|100 H-3|rectifying||0" \
  "$(psql_q "SELECT string_agg(concat_ws('|', ref, status, coalesce(closed_on::text, ''), progress), ' ' ORDER BY ref) FROM duban.problems WHERE ref LIKE 'H-%'")" \
  "closed rows keep their closing date"
sed 's/2021\/12\/1/2021\/12\/2/' history.csv >history2.csv
assert_exit 0 "closing date corrected" -- ctl problem import history2.csv
assert_eq "imported history2.csv: 3 rows, 0 added, 1 updated, 2 unchanged" "$LAST_OUT" "closed_on updated"
printf 'ref,level,title,unit,supervisors,deadline,status\nH-4,district,t,DH,EPB,2021-01-01,已办结\n' >noclosedcol.csv
assert_exit 65 "closed without a closed_on column" -- ctl problem import noclosedcol.csv
assert_contains "$LAST_ERR" "noclosedcol.csv:2: status: \"已办结\" needs the closing date, but the file has no closed_on (办结日期) column" "closed needs closed_on"

# ------------------------------------------------------------- many bad rows: the cap
{
  echo 'ref,level,title,unit,supervisors,deadline'
  for i in $(seq 1 1200); do echo "C-$i,district,t,NOPE,EPB,2026-01-01"; done
} >many.csv
assert_exit 65 "1200 bad rows" -- ctl problem import many.csv
assert_eq 1000 "$(grep -c '^many.csv:[0-9]*: unit: unknown unit "NOPE"' "$TEST_TMP/last.err")" "1000 errors printed"
assert_contains "$LAST_ERR" "many.csv: ... and 200 more errors" "the rest counted"
assert_contains "$LAST_ERR" "dubanctl: many.csv: 1200 errors, nothing imported" "total"
assert_contains "$(head -n 1 "$TEST_TMP/last.err")" "many.csv:2: unit:" "first error first"

# ------------------------------------------------------------- the direct path and its fallback
# A file of new problems is copied straight into the ledger; a ref the ledger already has, or
# a ref twice, sends the whole file through the staged path instead: the same outcome.
printf 'ref,level,title,unit,supervisors,deadline\nO-3,district,丙,DH,EPB,2026-12-31\nO-1,district,甲,DH,EPB,2026-12-31\nO-2,district,乙,XH,WRB,2026-11-30\n' >fresh.csv
assert_exit 0 "a file of new problems" -- ctl problem import fresh.csv
assert_eq "imported fresh.csv: 3 rows, 3 added, 0 updated, 0 unchanged" "$LAST_OUT" "all added"
assert_eq "O-3 O-1 O-2" "$(psql_q "SELECT string_agg(ref, ' ' ORDER BY id) FROM duban.problems WHERE ref LIKE 'O-%'")" \
  "ids follow the file's lines"
assert_eq "3|3" "$(psql_q "SELECT count(*) || '|' || count(l.problem_id) FROM duban.problems p LEFT JOIN duban.ladders l ON l.problem_id = p.id WHERE p.ref LIKE 'O-%'")" \
  "each new open problem has its ladder row"
assert_eq "fresh.csv|3|0" "$(psql_q "SELECT file || '|' || added || '|' || updated FROM duban.imports ORDER BY id DESC LIMIT 1")" \
  "the import is recorded"
printf 'ref,level,title,unit,supervisors,deadline\nN-1,district,新一,DH,EPB,2026-12-31\nH-3,district,在办问题,XH,WRB,2026-06-30\nN-2,district,新二,DH,EPB,2026-12-31\n' >mixed.csv
assert_exit 0 "new rows around a known one" -- ctl problem import mixed.csv
assert_eq "imported mixed.csv: 3 rows, 2 added, 0 updated, 1 unchanged" "$LAST_OUT" "the known row is compared, the new ones added once"
assert_eq "N-1 N-2" "$(psql_q "SELECT string_agg(ref, ' ' ORDER BY id) FROM duban.problems WHERE ref LIKE 'N-%'")" \
  "ids in file order on the staged path too"
printf 'ref,level,title,unit,supervisors,deadline\nD-1,district,甲,DH,EPB,2026-12-31\nD-2,district,乙,DH,EPB,2026-12-31\nD-1,district,甲,DH,EPB,2026-12-31\n' >twice.csv
assert_exit 65 "a new ref twice" -- ctl problem import twice.csv
assert_contains "$LAST_ERR" "twice.csv:4: ref: ref D-1 appears twice: already on line 2" "reported with its lines"
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.problems WHERE ref LIKE 'D-%'")" "nothing written"
printf 'ref,level,title,unit,supervisors,deadline\nE-1,district,甲,DH,EPB,2026-12-31\nE-2,district,乙,NOPE,EPB,2026-12-31\nE-3,district,丙,DH,EPB,bad\n' >late.csv
assert_exit 65 "errors after good rows" -- ctl problem import late.csv
assert_contains "$LAST_ERR" "late.csv:3: unit: unknown unit" "the first error"
assert_contains "$LAST_ERR" "late.csv:4: deadline:" "and every later one"
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.problems WHERE ref LIKE 'E-%'")" "nothing written"

# ------------------------------------------------------------- planner statistics
# An import that changes much of the ledger analyzes it in its own transaction (reltuples is
# only set by ANALYZE or VACUUM; it is -1 on a table never analyzed).
duban_test_db t_import_problems_analyze
ctl migrate >/dev/null
ctl unit import units.csv >/dev/null
{
  echo 'ref,level,title,unit,supervisors,deadline'
  for i in $(seq 1 300); do echo "A-$i,district,t$i,DH,EPB,2026-12-31"; done
} >big.csv
assert_exit 0 "300-row import" -- ctl problem import big.csv
assert_eq "300" "$(psql_q "SELECT reltuples::int FROM pg_class WHERE oid = 'duban.problems'::regclass")" \
  "the import analyzed the problems it wrote"

echo "import_problems: OK"
