#!/usr/bin/env bash
# chat_channel_test.sh — `dubanctl channel test UNIT` against the imitation robots of every kind
# (receiver.py): one signed test message per channel, the platform's answer and verdict printed
# per channel, exit 0 / 69 / 65, --json shape, wrong secrets and tokens refused by the platform,
# no secret or token ever printed (nor by `channel list`), and the outbox left alone.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_chat_channel_test
duban_config
ctl migrate >/dev/null

# Secrets and tokens shaped like the real ones; none may ever be printed.
WECOM_KEY=693a91f6-7d1e-4bc4-97a0-0ec2f1fa5aaa
DT_TOKEN=8d4f0c2b9e6a41d3b7c5e2f1a0d9c8b7e6f5a4d3c2b1a0f9e8d7c6b5a4f3e2d1
DT_SECRET=SEC0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f
FS_HOOK=2c8f3b7e-1a2b-4c5d-9e8f-0a1b2c3d4e5f
FS_SECRET=qWeRt7yUiOp3aSdF9gHjK
SLACK_TOKEN=abcdEFGH1234ijklMNOP5678
WRONG_SECRET=SECwrong0000111122223333444455556666777788889999aaaabbbbccccdddd
WRONG_KEY=0badc0de-0000-4bad-8bad-00000000beef
MOBILE=13800000000
SECRETS=("$WECOM_KEY" "$DT_TOKEN" "$DT_SECRET" "$FS_HOOK" "$FS_SECRET" "$SLACK_TOKEN" "$WRONG_SECRET" "$WRONG_KEY")

receiver_start robots \
  --token wecom/w1="$WECOM_KEY" --token dingtalk/d1="$DT_TOKEN" \
  --secret dingtalk/d1="$DT_SECRET" --secret feishu/f1="$FS_SECRET"
R=$RECEIVER_URL

# no_secret TEXT WHAT: fails when TEXT contains any secret or token.
no_secret() {
  local s
  for s in "${SECRETS[@]}"; do assert_not_contains "$1" "$s" "$2 shows a secret or token"; done
}

ctl unit add t1 '东城镇' --kind town >/dev/null
ctl unit add t2 '西城街道' --kind street >/dev/null
ctl unit add t3 '南湖园区' --kind park >/dev/null
ctl unit add t4 '北山镇' --kind town >/dev/null
ctl unit add t5 '中心镇' --kind town >/dev/null
ctl unit add lonely '无通道单位' --kind department >/dev/null

ctl channel add t1 --kind wecom --url "$R/wecom/w1?key=$WECOM_KEY" --mention zhangsan >/dev/null
ctl channel add t1 --kind dingtalk --url "$R/dingtalk/d1?access_token=$DT_TOKEN" \
  --secret "$DT_SECRET" --mention "$MOBILE" >/dev/null
ctl channel add t1 --kind feishu --url "$R/feishu/f1/open-apis/bot/v2/hook/$FS_HOOK" \
  --secret "$FS_SECRET" >/dev/null
ctl channel add t1 --kind slack --url "$R/slack/s1/services/T0ABC1234/B0ABC1234/$SLACK_TOKEN" >/dev/null
ctl channel add t1 --kind json --url "$R/json/j1" >/dev/null
# mentions are checked for the kind: Feishu robots cannot mention by mobile (SPEC §8)
assert_exit 65 "feishu mention by mobile" -- ctl channel add t2 --kind feishu \
  --url "$R/feishu/f9/open-apis/bot/v2/hook/$FS_HOOK" --mention "ou_abc,$MOBILE"
assert_contains "$LAST_ERR" "--mention $MOBILE: Feishu robots cannot mention by mobile" "feishu refusal reason"
assert_exit 65 "slack mention by mobile" -- ctl channel add t2 --kind slack --url "$R/slack/s9/x" --mention "$MOBILE"
printf 'unit,kind,url,mention\nt2,飞书,%s,ou_abc;%s\n' "$R/feishu/f9/open-apis/bot/v2/hook/x" "$MOBILE" >"$TEST_TMP/ch.csv"
assert_exit 65 "channel import: feishu mention by mobile" -- ctl channel import "$TEST_TMP/ch.csv"
assert_contains "$LAST_ERR" "ch.csv:2: mention: $MOBILE: Feishu robots cannot mention by mobile" "import refusal"
assert_eq 0 "$(psql_q "select count(*) from duban.channels c join duban.units u on u.id = c.unit_id where u.code = 't2'")" \
  "nothing written"
ids=$(psql_q "select string_agg(c.id::text, ' ' order by c.id) from duban.channels c
              join duban.units u on u.id = c.unit_id where u.code = 't1'")
read -r CH_WECOM CH_DT CH_FS CH_SLACK CH_JSON <<<"$ids"

# ---------------------------------------------------------------- every kind succeeds
assert_exit 0 "channel test of five good channels" -- ctl channel test t1
out=$LAST_OUT
no_secret "$out$LAST_ERR" "channel test"
assert_eq 5 "$(grep -c '^channel ' <<<"$out")" "one line per channel"
assert_contains "$out" "channel $CH_WECOM wecom $R/wecom/w1?key=***: HTTP 200, answer {\"errcode\": 0, \"errmsg\": \"ok\"}: ok" "wecom line"
assert_contains "$out" "channel $CH_DT dingtalk $R/dingtalk/d1?access_token=***: HTTP 200, answer {\"errcode\": 0, \"errmsg\": \"ok\"}: ok" "dingtalk line"
assert_contains "$out" "channel $CH_FS feishu $R/feishu/f1/open-apis/bot/v2/hook/***: HTTP 200, answer {\"code\": 0, \"msg\": \"success\", \"data\": {}}: ok" "feishu line"
assert_contains "$out" "channel $CH_SLACK slack $R/slack/s1/services/T0ABC1234/B0ABC1234/***: HTTP 200, answer ok: ok" "slack line"
assert_contains "$out" "channel $CH_JSON json $R/json/j1: HTTP 200, answer {}: ok" "json line"

# what the robots got: one request each, the kind's shape, signed, mentions, the test text
assert_eq "1 1 /dingtalk/d1
1 1 /feishu/f1/open-apis/bot/v2/hook/$FS_HOOK
1 1 /json/j1
1 1 /slack/s1/services/T0ABC1234/B0ABC1234/$SLACK_TOKEN
1 1 /wecom/w1" "$(received)" "one accepted request per channel"
"$PYTHON" - "$RECEIVER_LOG" "$MOBILE" <<'EOF' || fail "test messages are not what the platforms expect"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
mobile = sys.argv[2]
by = {r["kind"]: r for r in recs}
for r in recs:
    assert r["outcome"] == "ok" and not r["warnings"], r
    assert r["headers"]["content-type"].startswith("application/json"), r
wc = by["wecom"]["body"]
assert wc["msgtype"] == "markdown" and "测试" in wc["markdown"]["content"], wc
assert "<@zhangsan>" in wc["markdown"]["content"], wc
dt = by["dingtalk"]
assert "timestamp" in dt["query"] and "sign" in dt["query"], dt["query"]
assert dt["body"]["at"]["atMobiles"] == [mobile], dt["body"]
assert "@" + mobile in dt["body"]["markdown"]["text"], dt["body"]
assert "测试" in dt["body"]["markdown"]["title"] + dt["body"]["markdown"]["text"], dt["body"]
fs = by["feishu"]["body"]
assert isinstance(fs.get("timestamp"), str) and fs.get("sign"), fs
assert fs["msg_type"] == "interactive" and "测试" in json.dumps(fs["card"], ensure_ascii=False), fs
assert fs["card"]["header"]["title"]["content"] == "【整改办】测试 1 条", fs
assert "测试" in by["slack"]["body"]["text"], by["slack"]
js = by["json"]["body"]
assert js["channel"] == "t1" and js["sent_at"] and "测试" in js["text"], js
assert [n["type"] for n in js["notices"]] == ["test"], js
EOF

# --json: an array of {channel, kind, url, http_status, answer, ok, error}
assert_exit 0 "channel test --json" -- ctl --json channel test t1
no_secret "$LAST_OUT" "channel test --json"
"$PYTHON" - "$LAST_OUT" "$CH_WECOM" "$CH_DT" "$CH_FS" "$CH_SLACK" "$CH_JSON" <<'EOF' || fail "channel test --json: $LAST_OUT"
import json, sys
rows = json.loads(sys.argv[1])
ids = [int(x) for x in sys.argv[2:]]
assert [r["channel"] for r in rows] == ids, rows
assert [r["kind"] for r in rows] == ["wecom", "dingtalk", "feishu", "slack", "json"], rows
for r in rows:
    assert set(r) >= {"channel", "kind", "url", "http_status", "answer", "ok", "error"}, r
    assert r["ok"] is True and r["error"] is None and r["http_status"] == 200, r
    assert "***" in r["url"] or r["kind"] == "json", r
assert json.loads(rows[0]["answer"]) == {"errcode": 0, "errmsg": "ok"}, rows[0]
assert rows[3]["answer"] == "ok", rows[3]
EOF

# ---------------------------------------------------------------- the outbox is not touched
assert_eq 0 "$(psql_q 'select count(*) from duban.notices')" "channel test writes no notice"
assert_eq 0 "$(psql_q 'select count(*) from duban.channel_sends')" "channel test logs no send"

# ---------------------------------------------------------------- wrong secrets and tokens
# t2: a DingTalk robot whose secret is wrong (310000 sign not match) and a good wecom robot
ctl channel add t2 --kind wecom --url "$R/wecom/w2?key=k2" >/dev/null
ctl channel add t2 --kind dingtalk --url "$R/dingtalk/d1?access_token=$DT_TOKEN&x=1" \
  --secret "$WRONG_SECRET" --mention "$MOBILE" >/dev/null
bad_dt=$(psql_q "select max(id) from duban.channels")
assert_exit 69 "a wrong DingTalk secret fails the test" -- ctl channel test t2
no_secret "$LAST_OUT$LAST_ERR" "failed channel test"
assert_contains "$LAST_OUT" "wecom $R/wecom/w2?key=***: HTTP 200, answer {\"errcode\": 0, \"errmsg\": \"ok\"}: ok" "the good channel of t2 still reported ok"
assert_contains "$LAST_OUT" "channel $bad_dt dingtalk $R/dingtalk/d1?access_token=***&x=***: HTTP 200, answer {\"errcode\": 310000, \"errmsg\": \"sign not match" "platform answer printed"
assert_contains "$LAST_OUT" "FAILED (permanent: errcode 310000: sign not match" "verdict printed"
assert_contains "$LAST_ERR" "1 of 2 channels failed" "summary on stderr"
assert_eq bad_sign "$(received --path /dingtalk/d1 --jsonl | tail -n 1 | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["outcome"])')" "the receiver checked the signature"

# t3: Feishu wrong secret (19021), WeCom wrong key (93000), Slack 404 (no such hook)
ctl channel add t3 --kind feishu --url "$R/feishu/f1" --secret "$WRONG_SECRET" >/dev/null
receiver_stop robots
receiver_start robots2 --secret feishu/f1="$FS_SECRET" --token wecom/w3="$WECOM_KEY" --status slack/gone=404
R2=$RECEIVER_URL
psql_q "update duban.channels set url = replace(url, '$R', '$R2')" >/dev/null
ctl channel add t3 --kind wecom --url "$R2/wecom/w3?key=$WRONG_KEY" >/dev/null
ctl channel add t3 --kind slack --url "$R2/slack/gone/services/T0ABC1234/B0ABC1234/$SLACK_TOKEN" >/dev/null
assert_exit 69 "wrong secrets and keys fail" -- ctl --json channel test t3
no_secret "$LAST_OUT$LAST_ERR" "failed channel test --json"
"$PYTHON" - "$LAST_OUT" <<'EOF' || fail "wrong-secret verdicts: $LAST_OUT"
import json, sys
rows = {r["kind"]: r for r in json.loads(sys.argv[1])}
fs, wc, sl = rows["feishu"], rows["wecom"], rows["slack"]
assert fs["ok"] is False and fs["http_status"] == 200 and json.loads(fs["answer"])["code"] == 19021, fs
assert "code 19021" in fs["error"] and fs["verdict"] == "permanent", fs
assert wc["ok"] is False and json.loads(wc["answer"])["errcode"] == 93000, wc
assert wc["error"] == "errcode 93000: invalid webhook url" and wc["verdict"] == "permanent", wc
assert sl["ok"] is False and sl["http_status"] == 404 and sl["error"].startswith("HTTP 404"), sl
EOF
assert_contains "$LAST_ERR" "3 of 3 channels failed" "all three failed"

# every kind good again on the second receiver: t1 succeeds there too
since=$(date +%s.%N)
assert_exit 0 "t1 against the second receiver" -- ctl channel test t1
assert_eq 5 "$(received --ok --count --since "$since")" "five accepted on the second receiver"

# a robot that does not answer at all (closed port): no HTTP status, exit 69
dead_port=$(free_port)
ctl channel add t4 --kind wecom --url "http://127.0.0.1:$dead_port/wecom/x?key=$WECOM_KEY" >/dev/null
assert_exit 69 "unreachable robot" -- ctl channel test t4
no_secret "$LAST_OUT$LAST_ERR" "unreachable channel test"
assert_contains "$LAST_OUT" "wecom http://127.0.0.1:$dead_port/wecom/x?key=***: no answer: FAILED (retry: curl 7:" "no answer reported"
assert_exit 69 "unreachable robot --json" -- ctl --json channel test t4
"$PYTHON" -c 'import json,sys; r=json.loads(sys.argv[1])[0]; assert r["http_status"] is None and r["answer"] is None and r["ok"] is False and r["error"].startswith("curl 7"), r' "$LAST_OUT" \
  || fail "unreachable --json: $LAST_OUT"

# a robot that hangs is bounded by delivery.timeout: the robot holds its answer 600 s, so an
# answer at all (curl 28 is the timeout) proves the 2 s timeout applied; `timeout 300` only
# keeps a broken build from hanging the test (exit 124)
ctl channel add t5 --kind slack --url "$R2/slack/slow" >/dev/null
receiver_set '{"name":"slack/slow","delay":600}'
duban_config delivery.timeout=2
assert_exit 69 "hanging robot times out" -- timeout 300 "$DUBAN_BUILD/dubanctl" channel test t5
assert_contains "$LAST_OUT" "no answer: FAILED (retry: curl 28:" "timeout reported"
receiver_set '{"name":"slack/slow","delay":null}'
duban_config   # back to the harness's long timeout: a loaded machine may answer slowly

# ---------------------------------------------------------------- bad input
assert_exit 65 "unknown unit" -- ctl channel test nosuchunit
assert_contains "$LAST_ERR" "nosuchunit" "unknown unit named"
assert_exit 65 "unit without a channel" -- ctl channel test lonely
assert_contains "$LAST_ERR" "no channel" "no channel said"
assert_exit 64 "usage" -- ctl channel test
assert_exit 0 "unit by its exact name" -- ctl channel test '东城镇'

# ---------------------------------------------------------------- channel list never shows a secret
assert_exit 0 "channel list --json" -- ctl --json channel list
no_secret "$LAST_OUT" "channel list --json"
"$PYTHON" - "$LAST_OUT" <<'EOF' || fail "channel list --json: $LAST_OUT"
import json, sys
rows = json.loads(sys.argv[1])
assert len(rows) >= 11, rows
for r in rows:
    assert r.get("secret") in (None, "***"), r
signed = [r for r in rows if r["kind"] in ("dingtalk", "feishu") and r["unit"] in ("t1", "t2", "t3")]
assert signed and all(r["secret"] == "***" for r in signed), signed
EOF
assert_exit 0 "channel list" -- ctl channel list
no_secret "$LAST_OUT" "channel list"
assert_eq 0 "$(psql_q 'select count(*) from duban.notices')" "still no notice after all the tests"

echo "chat_channel_test: OK"
