#!/usr/bin/env bash
# chat_messages.sh — what the groups receive, through duband and the loopback robots enforcing
# the platforms' documented rules (keyword security included): a prompt made on a Saturday and
# sent on Monday counts its days to Monday (剩余 27 天); the first line names message.sender;
# a DingTalk/Feishu robot refuses a message without its keyword (310000 / 19024) unless the
# channel's --keyword is set; WeCom mobiles go in a follow-up text message; each transition
# (apply, accept, reject, object, reopen) tells its recipients in the words of their role;
# each unit that missed a report gets its own notice.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_chat_messages
duban_config message.sender=清河区整改办
ctl migrate >/dev/null
receiver_start msgs --keyword dingtalk/dk=督办通知 --keyword feishu/fk=督办通知 \
  --keyword dingtalk/dnokw=督办通知 --no-rate-limit
R=$RECEIVER_URL
MOBILE=13800000000

ctl unit add XJ '新街镇' --kind town >/dev/null
ctl unit add HS '河市镇' --kind town >/dev/null
ctl unit add SLJ '区水利局' --kind department >/dev/null
ctl unit add HB '区生态环境分局' --kind department >/dev/null
ctl unit add ZB '区整改办' --kind office >/dev/null
for u in XJ HS SLJ HB ZB; do ctl channel add "$u" --kind json --url "$R/json/$u" >/dev/null; done
ctl channel add XJ --kind dingtalk --url "$R/dingtalk/dk?access_token=t" --keyword 督办通知 \
  --mention "$MOBILE" >/dev/null
ctl channel add XJ --kind dingtalk --url "$R/dingtalk/dnokw?access_token=t" >/dev/null
ctl channel add XJ --kind feishu --url "$R/feishu/fk" --keyword 督办通知 --mention ou_abc >/dev/null
ctl channel add XJ --kind wecom --url "$R/wecom/wk?key=k" --mention "$MOBILE,zhangsan" >/dev/null
assert_contains "$(ctl channel list)" "督办通知" "channel list shows the keyword"

# ZY-07: due Sunday 2026-04-05; its prompt (D-30) is made on Saturday 2026-03-07
ctl --now 2026-03-01T09:00:00+08:00 problem add --ref ZY-07 --title 河道非法采砂 --level district \
  --unit XJ --supervisors SLJ,HB --deadline 2026-04-05 >/dev/null
psql_q "update duban.problems set contact = '王强 13900000000' where ref = 'ZY-07'" >/dev/null
ctl --now 2026-03-01T09:00:00+08:00 report submit XJ quarterly-self-inspection 2026-Q1 >/dev/null

assert_exit 0 "Saturday: the prompt is made, not sent" -- dband --once --now 2026-03-07T09:00:00+08:00
assert_eq 0 "$(received --count)" "nothing is sent on a Saturday"
assert_exit 0 "Monday: sent" -- dband --once --now 2026-03-09T09:00:00+08:00

"$PYTHON" - "$RECEIVER_LOG" "$MOBILE" <<'PY' || fail "Monday's messages are wrong"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
mobile = sys.argv[2]
by = {}
for r in recs:
    by.setdefault(r["path"], []).append(r)
# the json group: first line, 27 days left, days -27
js = by["/json/XJ"][0]["body"]
assert js["text"].startswith("【清河区整改办】提示 1 条\n\n【提示】问题 ZY-07「河道非法采砂」整改时限为2026年4月5日，剩余 27 天"), js["text"]
n = js["notices"][0]
assert (n["type"], n["stage"], n["days"], n["due"], n["role"]) == ("escalation", "prompt", -27, "2026-04-05", "main"), n
assert "duban" not in js["text"], js["text"]
assert js["text"].endswith("请抓紧推进整改，确保按期完成。责任人：王强 13900000000。"), js["text"]
# DingTalk with the keyword on the channel: accepted, keyword in the title, @mobile
dk = by["/dingtalk/dk"]
assert len(dk) == 1 and dk[0]["ok"], dk
assert dk[0]["body"]["markdown"]["title"] == "【清河区整改办】提示 1 条（督办通知）", dk[0]["body"]
assert "剩余 27 天" in dk[0]["body"]["markdown"]["text"] and "@" + mobile in dk[0]["body"]["markdown"]["text"]
assert dk[0]["body"]["at"]["atMobiles"] == [mobile], dk[0]["body"]
# the same robot settings without --keyword: refused by the platform (310000)
dn = by["/dingtalk/dnokw"]
assert len(dn) == 1 and not dn[0]["ok"] and dn[0]["outcome"] == "bad_keyword", dn
assert dn[0]["answer"]["errcode"] == 310000, dn[0]["answer"]
# Feishu: an interactive card with the keyword, <at id=…>
fk = by["/feishu/fk"][0]
assert fk["ok"] and not fk["warnings"], fk
card = fk["body"]["card"]
assert card["header"]["title"]["content"] == "【清河区整改办】提示 1 条（督办通知）", card
assert card["header"]["template"] == "blue", card
assert any("<at id=ou_abc></at>" in e["text"]["content"] for e in card["elements"] if e["tag"] == "div")
# WeCom: markdown, then the text message that mentions the mobile
wk = by["/wecom/wk"]
assert [r["body"]["msgtype"] for r in wk] == ["markdown", "text"], [r["body"] for r in wk]
assert all(r["ok"] and not r["warnings"] for r in wk), wk
assert "<@zhangsan>" in wk[0]["body"]["markdown"]["content"] and mobile not in wk[0]["body"]["markdown"]["content"]
assert wk[1]["body"]["text"]["mentioned_mobile_list"] == [mobile], wk[1]["body"]
PY
# the refused message is dead at once, logged at err with the platform's words
assert_eq "dead 1" "$(psql_q "select n.status || ' ' || n.attempts from duban.notices n join duban.channels c
  on c.id = n.channel_id where c.url like '%/dnokw%'")" "keyword refusal is permanent"

# ---------------------------------------------------------------- transitions
json_texts() {  # UNIT SINCE: the texts the unit's json group received since request SINCE
  received --path "/json/$1" --jsonl | "$PYTHON" -c '
import json, sys
since = int(sys.argv[1])
for l in sys.stdin:
    r = json.loads(l)
    if r["seq"] > since:
        print(r["body"]["text"])' "$2"
}
seq() { received --jsonl | tail -n 1 | "$PYTHON" -c 'import json,sys; print(json.loads(sys.stdin.read())["seq"])'; }

S=$(seq)
ctl --now 2026-03-10T10:00:00+08:00 problem apply ZY-07 >/dev/null
assert_exit 0 "deliver the application" -- dband --once --now 2026-03-10T10:05:00+08:00
assert_contains "$(json_texts SLJ "$S")" "【申请验收】新街镇已于2026年3月10日对问题 ZY-07「河道非法采砂」申请验收。你单位是监管（验收）牵头单位，请于2026年3月24日前（第 10 个工作日）完成验收" "lead supervisor told to accept by the 10th working day"
assert_contains "$(json_texts ZB "$S")" "监管（验收）牵头单位区水利局应于2026年3月24日前完成验收。请跟踪。" "office told"
assert_not_contains "$(json_texts HB "$S")" "申请验收" "other supervisors are not told of an application"

S=$(seq)
ctl --now 2026-03-11T10:00:00+08:00 problem reject ZY-07 --reason 照片不全 >/dev/null
assert_exit 0 "deliver the rejection" -- dband --once --now 2026-03-11T10:05:00+08:00
assert_contains "$(json_texts XJ "$S")" "【验收未通过】问题 ZY-07「河道非法采砂」验收未通过，理由：照片不全。请针对问题继续整改" "main unit told the reason"
assert_contains "$(json_texts HB "$S")" "请督促指导新街镇继续整改" "supervisors told to guide"
assert_not_contains "$(json_texts HB "$S")" "王强" "the contact is shown to the main unit only"

S=$(seq)
ctl --now 2026-03-12T10:00:00+08:00 problem apply ZY-07 >/dev/null
ctl --now 2026-03-12T11:00:00+08:00 problem accept ZY-07 >/dev/null
assert_exit 0 "deliver the acceptance" -- dband --once --now 2026-03-12T11:05:00+08:00
assert_contains "$(json_texts XJ "$S")" "【公示】问题 ZY-07「河道非法采砂」已通过验收，于2026年3月13日至2026年3月19日公示。" "publicity dates"

S=$(seq)
ctl --now 2026-03-13T10:00:00+08:00 problem object ZY-07 --reason 群众反映仍有采砂 >/dev/null
assert_exit 0 "deliver the objection" -- dband --once --now 2026-03-13T10:05:00+08:00
assert_contains "$(json_texts XJ "$S")" "【公示异议】问题 ZY-07「河道非法采砂」公示期间收到异议：群众反映仍有采砂，已退回整改。" "objection told"
assert_contains "$(json_texts ZB "$S")" "【公示异议】新街镇负责整改的问题 ZY-07「河道非法采砂」公示期间收到异议：群众反映仍有采砂，已退回整改。请跟踪。" "office told of the objection"

# ---------------------------------------------------------------- each unit that missed a report
# (made on 2026-03-11, the day after the quarterly due day, and sent with the rejection)
assert_contains "$(json_texts HS 0)" "【逾期未报】你单位未在2026年3月10日前报送季度自查（2026年第一季度），已列入逾期未报名单。请立即补报。" "HS told it missed the report"
assert_contains "$(json_texts ZB 0)" "季度自查（2026年第一季度，截止2026年3月10日）未按时报送的单位" "office gets the list"
assert_not_contains "$(json_texts XJ 0)" "逾期未报" "XJ submitted: not told"
assert_not_contains "$(json_texts ZB 0)" "新街镇、" "XJ not in the list"

# every accepted message passed the platforms' rules without warnings
assert_eq "" "$(received --ok --jsonl | "$PYTHON" -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["warnings"]: print(r["path"], r["warnings"])')" "no warnings from the robots"
echo "chat_messages: OK"
