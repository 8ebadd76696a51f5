#!/usr/bin/env bash
# import_channels: `dubanctl channel import` — units by code or name, kinds in English or
# Chinese, ;-separated mentions, upsert on (unit, url), columns a file lacks left alone,
# all-or-nothing errors that never repeat a secret or a URL's token.
. "$DUBAN_SOURCE/tests/harness/lib.sh"

FIX=$DUBAN_SOURCE/tests/fixtures/import
cd "$TEST_TMP"

duban_test_db t_import_channels
ctl migrate >/dev/null
ctl unit import "$FIX/units.csv" >/dev/null

chans() { psql_q "SELECT string_agg(concat_ws('|', u.code, c.kind, c.url, coalesce(c.secret, '-'), c.mention::text, coalesce(c.rate::text, '-')), ' ' ORDER BY c.id) FROM duban.channels c JOIN duban.units u ON u.id = c.unit_id"; }

cat >channels.csv <<'EOF'
单位,类型,地址,密钥,提醒,速率
DH,企业微信,https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K1,,13800000001；13800000002,
区水利局,dingtalk,https://oapi.dingtalk.com/robot/send?access_token=T1,SECabc,"a""b;c\d",10
DH,json,http://127.0.0.1:9999/json/dh,,,
EOF
assert_exit 0 "import" -- ctl channel import channels.csv
assert_eq "imported channels.csv: 3 rows, 3 added, 0 updated, 0 unchanged" "$LAST_OUT" "summary"
assert_eq 'DH|wecom|https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K1|-|{13800000001,13800000002}|- WRB|dingtalk|https://oapi.dingtalk.com/robot/send?access_token=T1|SECabc|{"a\"b","c\\d"}|10 DH|json|http://127.0.0.1:9999/json/dh|-|{}|-' \
  "$(chans)" "channels stored"
assert_eq 20 "$(psql_q "SELECT duban.channel_rate(kind, rate) FROM duban.channels WHERE kind = 'wecom'")" "kind default rate"
ALL=$(chans)

assert_exit 0 "re-import" -- ctl channel import channels.csv
assert_eq "imported channels.csv: 3 rows, 0 added, 0 updated, 3 unchanged" "$LAST_OUT" "idempotent"
assert_eq "$ALL" "$(chans)" "unchanged"

# Only unit, kind, url and rate: the secret and mentions stay; the rate changes.
printf 'unit,kind,url,rate\nWRB,dingtalk,https://oapi.dingtalk.com/robot/send?access_token=T1,5\n' >rate.csv
assert_exit 0 "rate update" -- ctl channel import rate.csv
assert_eq "imported rate.csv: 1 row, 0 added, 1 updated, 0 unchanged" "$LAST_OUT" "one update"
assert_eq 'SECabc|{"a\"b","c\\d"}|5' "$(psql_q "SELECT concat_ws('|', secret, mention::text, rate) FROM duban.channels WHERE kind = 'dingtalk'")" "secret and mention kept"

# A different URL for the same unit is another channel.
printf 'unit,kind,url\n东湖镇,飞书,https://open.feishu.cn/open-apis/bot/v2/hook/H1\n' >feishu.csv
assert_exit 0 "second channel" -- ctl channel import feishu.csv
assert_eq 3 "$(psql_q "SELECT count(*) FROM duban.channels c JOIN duban.units u ON u.id = c.unit_id WHERE u.code = 'DH'")" "DH has three channels"

# Errors.
BEFORE=$(chans)
cat >bad.csv <<'EOF'
unit,kind,url,secret,mention,rate
NOPE,wecom,https://qyapi.weixin.qq.com/x?key=SECRETKEY1,,,
DH,telegram,https://api.telegram.org/botTOKEN/send,,,
DH,slack,hooks.slack.com/services/SECRETPATH,,,
DH,slack,https://hooks.slack.com/services/A,,,0
DH,slack,https://hooks.slack.com/services/B,TOPSECRET,,
东湖镇,slack,https://hooks.slack.com/services/B,,,
EOF
assert_exit 65 "bad channels" -- ctl channel import bad.csv
assert_eq 'bad.csv:2: unit: unknown unit "NOPE" (neither the code nor the exact name of a unit)
bad.csv:3: kind: unknown channel kind "telegram" (allowed: json, wecom/企业微信, dingtalk/钉钉, feishu/飞书, slack)
bad.csv:4: url: not a webhook URL (http:// or https://, without blanks)
bad.csv:5: rate: invalid rate "0" (messages a minute, a whole number from 1; empty for the kind'"'"'s default)
bad.csv:7: url: this unit'"'"'s URL appears twice: already on line 6
dubanctl: bad.csv: 5 errors, nothing imported' "$LAST_ERR" "errors"
assert_not_contains "$LAST_ERR" "SECRET" "no secret or token in messages"
assert_eq "$BEFORE" "$(chans)" "channels untouched"

echo "import_channels: OK"
