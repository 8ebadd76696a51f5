#!/usr/bin/env bash
# schedule_table.sh — a table on a schedule (`schedule add --table`, SPEC §5, §7d, §11), walked
# with `duband --once` on pinned dates of January and February 2027 (holidays imported as the
# office would): on each due day of --days 4,14,24 one `table` notice per office channel, a
# due day on a weekend or in the Spring Festival moved to the working day before it; the WeCom
# robot gets the text, then a valid upload_media of the XLSX (read back with openpyxl, not the
# writer) and a file message naming that media_id; a failed upload retried, never sent twice;
# DingTalk gets a link to the console's export; a due day missed in downtime made up once;
# --table bogus refused; no temporary file left behind.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_schedule_table
duban_config web.base_url=https://duban.example.gov.cn/console
# runs follow each other within a second of real time: no rate limit gets in the way
receiver_start tables --token wecom/ZB=zb-key --token dingtalk/ZB=zb-token --no-rate-limit
mkdir -p "$TEST_TMP/tmp"
export TMPDIR=$TEST_TMP/tmp
ctl migrate >/dev/null
ctl unit add ZB 整改办 --kind office >/dev/null
ctl unit add XJ 新街镇 --kind town >/dev/null
ctl unit add HS 湖山街道 --kind street >/dev/null
ctl channel add ZB --kind wecom --url "$RECEIVER_URL/wecom/ZB/cgi-bin/webhook/send?key=zb-key" \
  --rate 6000 >/dev/null
ctl channel add ZB --kind dingtalk --url "$RECEIVER_URL/dingtalk/ZB?access_token=zb-token" \
  --rate 6000 >/dev/null
for u in XJ HS; do ctl channel add "$u" --kind json --url "$RECEIVER_URL/json/$u" >/dev/null; done
c() { ctl --now 2027-01-01T10:00:00+08:00 "$@"; }
c problem add --ref ZY-01 --title 养殖场污水直排 --level district --unit XJ --supervisors HS \
  --deadline 2027-06-30 --location 新街镇东村 >/dev/null
c problem add --ref ZY-02 --title 河道非法采砂 --level municipal --unit HS --supervisors XJ \
  --deadline 2027-03-31 --location 湖山街道河段 >/dev/null

# 2027 as the State Council would publish it (here: 元旦 1-3 January, 春节 6-14 February, the
# Saturday 20 February worked instead).
{
  echo "date,workday,name"
  for d in 01 02 03; do echo "2027-01-$d,0,元旦"; done
  for d in 06 07 08 09 10 11 12 13 14; do echo "2027-02-$d,0,春节"; done
  echo "2027-02-20,1,春节调休"
} >"$TEST_TMP/2027.csv"
ctl calendar import "$TEST_TMP/2027.csv" >/dev/null

# ---------------------------------------------------------------- schedule add --table
assert_exit 64 "--table bogus" -- c schedule add bad --label 坏 --days 4 --units XJ --table bogus
assert_contains "$LAST_ERR" "unknown table 'bogus'" "the refusal names the table"
assert_contains "$LAST_ERR" "attachment1" "and lists the tables"
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.schedules WHERE name = 'bad'")" "nothing written"
assert_exit 0 "schedule add --table" -- c --json schedule add zxzz --label 专项整治 --days 4,14,24 \
  --units XJ,HS --table attachment1
"$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
assert (d["table"], d["days"], d["units"]) == ("attachment1", [4, 14, 24], 2), d
' <<<"$LAST_OUT" || fail "schedule add --json shows the table"
assert_exit 0 "schedule add --table (text)" -- c schedule add once --label 一次 --dates 2027-03-01 \
  --units XJ --table closure
assert_contains "$LAST_OUT" "table closure to the office on each due day" "text output names the table"
psql_q "DELETE FROM duban.schedules WHERE name = 'once'" >/dev/null

# ---------------------------------------------------------------- the walk
run_day() {   # run_day DAY: one `duband --once` at 09:00 local on DAY
  local rc=0
  dband -f --once --now "${1}T09:00:00+08:00" >"$TEST_TMP/once.$1.log" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || { tail -n 20 "$TEST_TMP/once.$1.log" >&2; fail "duband --once at $1 exited $rc"; }
}
made() {   # the table notices: "made-day:type:period:kind" in order
  psql_q "SELECT coalesce(string_agg((n.created_at AT TIME ZONE 'Asia/Shanghai')::date || ':' || n.type
            || ':' || (n.payload->>'period') || ':' || c.kind, ' '
            ORDER BY n.created_at, n.type, c.kind), '')
            FROM duban.notices n JOIN duban.channels c ON c.id = n.channel_id
           WHERE n.type IN ('table', 'table_file')"
}

# January: the 4th (Monday), the 14th (Thursday: its upload fails once, retried the next
# day), the 24th (Sunday: moved to Friday the 22nd).
for day in 2027-01-04 2027-01-05 2027-01-13; do run_day "$day"; done
receiver_set '{"name":"wecom/ZB","script":["200","500"]}'
for day in 2027-01-14 2027-01-15 2027-01-21 2027-01-22 2027-01-23 2027-01-24 2027-01-25; do
  run_day "$day"
done
# February: the 4th (Thursday); the 14th (Sunday in the Spring Festival: moved back to Friday
# the 5th); the 24th (Wednesday) while the daemon is down, made up on the 26th, once.
for day in 2027-02-03 2027-02-04 2027-02-05 2027-02-06 2027-02-13 2027-02-14 2027-02-15 \
           2027-02-23 2027-02-26 2027-02-26; do
  run_day "$day"
done

exp=""
add() { exp+="$1:table:$2:dingtalk $1:table:$2:wecom $1:table_file:$2:wecom "; }
add 2027-01-04 2027-01-04
add 2027-01-14 2027-01-14
add 2027-01-22 2027-01-24
add 2027-02-04 2027-02-04
add 2027-02-05 2027-02-14
add 2027-02-26 2027-02-24
assert_eq "${exp% }" "$(made)" "one table notice per due day and office channel, on the (moved) day; a file notice for WeCom"
assert_eq "" "$(psql_q "SELECT string_agg(id || ':' || status, ' ') FROM duban.notices
  WHERE type IN ('table', 'table_file') AND status <> 'sent'")" "every table notice sent"
assert_eq "1" "$(psql_q "SELECT attempts FROM duban.notices WHERE type = 'table_file'
  AND payload->>'period' = '2027-01-04'")" "a file sent at its first attempt"
assert_eq "2:2027-01-15" "$(psql_q "SELECT attempts || ':' || (sent_at AT TIME ZONE 'Asia/Shanghai')::date
  FROM duban.notices WHERE type = 'table_file' AND payload->>'period' = '2027-01-14'")" \
  "the failed upload retried the next day"
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.notices n JOIN duban.units u ON u.id = n.unit_id
  WHERE n.type LIKE 'table%' AND u.code <> 'ZB'")" "tables go to the office only"

# ---------------------------------------------------------------- what WeCom got
"$PYTHON" - "$RECEIVER_LOG" <<'PY' || fail "WeCom: text, upload, then the file message with its media_id"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
wecom = [r for r in recs if r["kind"] == "wecom"]
uploads = [r for r in wecom if r["path"].endswith("/upload_media")]
files = [r for r in wecom if isinstance(r["body"], dict) and r["body"].get("msgtype") == "file"]
ok_up = [r for r in uploads if r["ok"]]
assert len(ok_up) == 6 and len(uploads) == 7, [(r["outcome"], r["status"]) for r in uploads]
assert all(r["path"] == "/wecom/ZB/cgi-bin/webhook/upload_media" for r in uploads), uploads[0]["path"]
assert all(r["query"] == {"key": "zb-key", "type": "file"} for r in uploads), uploads[0]["query"]
assert len(files) == 6 and all(r["ok"] for r in files), [(r["outcome"], r["answer"]) for r in files]
media = [r["upload"]["media_id"] for r in ok_up]
assert [r["body"]["file"]["media_id"] for r in files] == media, "file messages name the uploads, in order, once each"
for up in ok_up:
    f = next(r for r in files if r["body"]["file"]["media_id"] == up["upload"]["media_id"])
    assert f["seq"] > up["seq"], "the file message after its upload"
    texts = [r for r in wecom if r["seq"] < up["seq"] and isinstance(r["body"], dict)
             and r["body"].get("msgtype") == "markdown" and "报表" in r["body"]["markdown"]["content"]]
    assert texts, "the text before the upload"
assert ok_up[0]["upload"]["filename"] == "附件1_2027-01-04.xlsx", ok_up[0]["upload"]
assert ok_up[-1]["upload"]["filename"] == "附件1_2027-02-24.xlsx", ok_up[-1]["upload"]
t = next(r["body"]["markdown"]["content"] for r in wecom if isinstance(r["body"], dict)
         and r["body"].get("msgtype") == "markdown" and "报表" in r["body"]["markdown"]["content"])
assert "专项整治（2027年1月4日）的附件1《尚未办结问题整改进展情况自查表》已生成，文件随后发送" in t, t
PY
saved=$(received --path /wecom/ZB/cgi-bin/webhook/upload_media --ok --jsonl | tail -n 1 |
        "$PYTHON" -c 'import json,sys; print(json.loads(sys.stdin.read())["upload"]["saved"])')
/usr/bin/python3 - "$saved" <<'PY' || fail "the uploaded XLSX, read by openpyxl"
import sys
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1])
ws = wb.worksheets[0]
assert ws.title == "附件1", ws.title
rows = [[c.value for c in r] for r in ws.iter_rows()]
assert rows[0] == ["序号", "单位", "详细地址", "群众举报问题具体内容", "目前整改工作现状",
                   "具体整改措施及整改目标", "整改进展", "是否办结"], rows[0]
body = [r for r in rows[1:] if any(v is not None for v in r)]
assert len(body) == 2, body
assert {r[1] for r in body} == {"新街镇", "湖山街道"}, body
assert {r[2] for r in body} == {"新街镇东村", "湖山街道河段"}, body
assert all(r[7] == "正在办理" for r in body), body
assert any("养殖场污水直排" in str(r[3]) for r in body), body
PY

# ---------------------------------------------------------------- what DingTalk got
dt=$(received --path /dingtalk/ZB --texts)
assert_contains "$dt" "专项整治（2027年2月14日）的附件1《尚未办结问题整改进展情况自查表》已生成，请下载核对后于2027年2月14日前报送" \
  "DingTalk: the table's text"
assert_contains "$dt" "(https://duban.example.gov.cn/console/api/export/attachment1?format=xlsx)" \
  "DingTalk: a link to the console's export"
assert_eq 6 "$(grep -c '的附件1《尚未办结问题整改进展情况自查表》已生成' <<<"$dt")" "DingTalk: one table per table day"
assert_eq 0 "$(received --path /dingtalk/ZB --failed --count)" "DingTalk: none refused"
assert_eq "" "$(received --jsonl | "$PYTHON" -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    for w in r.get("warnings", []):
        print(r["path"], w)')" "no request the platforms would misread"

# ---------------------------------------------------------------- payloads as described
assert_eq "" "$(psql -XAtq -v ON_ERROR_STOP=1 -v spec="$(cat "$DUBAN_SOURCE/sql/notice_payloads.json")" \
  -f "$DUBAN_SOURCE/tests/sql/notice_payloads_check.sql")" "payloads match sql/notice_payloads.json"

# ---------------------------------------------------------------- clean
assert_eq "" "$(ls -A "$TEST_TMP/tmp")" "no temporary table file left"
assert_contains "$(cat "$TEST_TMP"/once.2027-01-15.log)" "file=attachment1" "the file's send is logged"

echo "schedule_table: OK"
