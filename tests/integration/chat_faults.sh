#!/usr/bin/env bash
# chat_faults.sh — what duband does with the chat platforms' refusals, through `duband --once`
# runs at later --now times (retry back-offs read the pinned ledger clock; a platform's own
# throttle, kept in channels.paused_until, runs on the real clock):
#  - throttling and transient answers (WeCom 45009, DingTalk 130101, Feishu 11232, Slack 429 and
#    503, json 500) are retried, never before their least delay, and end delivered exactly once;
#  - permanent answers (WeCom 93000 bad key, DingTalk 310000 sign not match, Feishu 19021 bad
#    signature) make the notices dead after one attempt, one err line per dead notice with the
#    platform's errmsg, never retried, never a token or secret in the log; `notice retry --dead`
#    revives them once the channel is fixed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

NOW1=2026-03-09T09:00:00+08:00   # Monday, in the delivery window
NOW2=2026-03-09T11:00:00+08:00   # two hours later: every ledger back-off (≤ 10 min) is over
NOW3=2026-03-09T13:00:00+08:00
NOW4=2026-03-09T15:00:00+08:00

duban_test_db t_chat_faults
duban_config log.level=debug
ctl migrate >/dev/null

WECOM_KEY=693a91f6-7d1e-4bc4-97a0-0ec2f1fa5aaa
WRONG_KEY=0badc0de-0000-4bad-8bad-00000000beef
DT_TOKEN=8d4f0c2b9e6a41d3b7c5e2f1a0d9c8b7e6f5a4d3c2b1a0f9e8d7c6b5a4f3e2d1
DT_SECRET=SEC0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f
FS_SECRET=qWeRt7yUiOp3aSdF9gHjK
WRONG_SECRET=SECwrong0000111122223333444455556666777788889999aaaabbbbccccdddd
SLACK_TOKEN=abcdEFGH1234ijklMNOP5678
MOBILE=13800000000
SECRETS=("$WECOM_KEY" "$WRONG_KEY" "$DT_TOKEN" "$DT_SECRET" "$FS_SECRET" "$WRONG_SECRET" "$SLACK_TOKEN")

receiver_start faults \
  --token wecom/wt="$WECOM_KEY" --token wecom/wbad="$WECOM_KEY" \
  --token dingtalk/dt="$DT_TOKEN" --secret dingtalk/dt="$DT_SECRET" \
  --token dingtalk/dbad="$DT_TOKEN" --secret dingtalk/dbad="$DT_SECRET" \
  --secret feishu/ft="$FS_SECRET" --secret feishu/fbad="$FS_SECRET" \
  --script wecom/wt=errcode:45009 --script dingtalk/dt=errcode:130101 \
  --script feishu/ft=errcode:11232 --script slack/st=429@2 --script slack/s5=503 \
  --script json/jt=500
R=$RECEIVER_URL

ctl unit add town1 '东城镇' --kind town >/dev/null
ctl unit add sup1 '区生态环境分局' --kind department >/dev/null
ctl unit add office '区整改办' --kind office >/dev/null

# name kind url [secret] [mention]: one channel of town1; CH[name] = its id
declare -A CH=()
chan() {
  local name=$1 kind=$2 url=$3 secret=${4:-} mention=${5:-}
  local args=(channel add town1 --kind "$kind" --url "$url")
  [[ -n $secret ]] && args+=(--secret "$secret")
  [[ -n $mention ]] && args+=(--mention "$mention")
  ctl "${args[@]}" >/dev/null
  CH[$name]=$(psql_q "select max(id) from duban.channels")
}
chan wt wecom "$R/wecom/wt?key=$WECOM_KEY"
chan dt dingtalk "$R/dingtalk/dt?access_token=$DT_TOKEN" "$DT_SECRET" "$MOBILE"
chan ft feishu "$R/feishu/ft" "$FS_SECRET"
chan st slack "$R/slack/st/services/T0ABC1234/B0ABC1234/$SLACK_TOKEN"
chan s5 slack "$R/slack/s5/services/T0ABC1234/B0ABC1234/$SLACK_TOKEN"
chan jt json "$R/json/jt"
chan wbad wecom "$R/wecom/wbad?key=$WRONG_KEY"
chan dbad dingtalk "$R/dingtalk/dbad?access_token=$DT_TOKEN" "$WRONG_SECRET" "$MOBILE"
chan fbad feishu "$R/feishu/fbad" "$WRONG_SECRET"
RETRY=(wt dt ft st s5 jt)
DEAD=(wbad dbad fbad)

# the path prefix of a channel at the receiver
declare -A PATHOF=([wt]=/wecom/wt [dt]=/dingtalk/dt [ft]=/feishu/ft [st]=/slack/st [s5]=/slack/s5
                   [jt]=/json/jt [wbad]=/wecom/wbad [dbad]=/dingtalk/dbad [fbad]=/feishu/fbad)
# the platform's message each channel's first answer carries, and the least ledger delay (s)
declare -A ERRMSG=([wt]='api freq out of limit' [dt]='send too fast' [ft]='frequency limited'
                   [st]='HTTP 429' [s5]='HTTP 503' [jt]='HTTP 500' [wbad]='invalid webhook url'
                   [dbad]='sign not match' [fbad]='sign match fail')
declare -A MINDELAY=([wt]=60 [dt]=600 [ft]=60 [st]=24 [s5]=24 [jt]=24)

# Three problems past their deadline: a supervise notice per problem for each channel of town1.
for i in 1 2 3; do
  ctl --now "$NOW1" problem add --ref "ZY-F-00$i" --title "河道非法采砂第${i}处" --level central \
    --unit town1 --supervisors sup1 --deadline 2026-02-01 >/dev/null
done

# q SQL: one value
q() { psql_q "$1"; }
notices_of() { q "select count(*) from duban.notices where channel_id = ${CH[$1]} $2"; }
requests() { received --path "${PATHOF[$1]}" --count; }
once() {   # once NOW LOGNAME: one `duband --once` run at NOW, logged to $TEST_TMP/LOGNAME
  local rc=0
  dband -f --once --now "$1" >"$TEST_TMP/$2" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || { tail -n 30 "$TEST_TMP/$2" >&2; fail "duband --once --now $1 exited $rc"; }
}
no_secret_in_logs() {
  local logs s
  logs=$(cat "$TEST_TMP"/run*.log)
  for s in "${SECRETS[@]}"; do assert_not_contains "$logs" "$s" "duband's log shows a secret or token"; done
}

# ---------------------------------------------------------------- run 1: every robot refuses
once "$NOW1" run1.log
for c in "${RETRY[@]}" "${DEAD[@]}"; do
  n=$(notices_of "$c" '')
  ((n >= 3)) || fail "$c: $n notices, expected at least the 3 escalations"
  assert_eq 1 "$(requests "$c")" "$c: one message in run 1"
done
for c in "${RETRY[@]}"; do
  assert_eq "$(notices_of "$c" '')" "$(notices_of "$c" "and status = 'pending' and attempts = 1")" \
    "$c: a throttled/transient refusal leaves the notices pending after one attempt"
  assert_eq 0 "$(notices_of "$c" "and position('${ERRMSG[$c]}' in coalesce(last_error, '')) = 0")" \
    "$c: last_error carries '${ERRMSG[$c]}'"
  assert_eq 0 "$(notices_of "$c" "and next_attempt_at < '$NOW1'::timestamptz + interval '${MINDELAY[$c]} seconds'")" \
    "$c: retried no sooner than ${MINDELAY[$c]} s (ledger clock)"
done
for c in "${DEAD[@]}"; do
  assert_eq "$(notices_of "$c" '')" "$(notices_of "$c" "and status = 'dead' and attempts = 1")" \
    "$c: a permanent refusal makes the notices dead at once"
  for id in $(q "select id from duban.notices where channel_id = ${CH[$c]}"); do
    lines=$(grep -E "level=err .*event=dead .*notice=$id( |$)" "$TEST_TMP/run1.log" || true)
    assert_eq 1 "$(grep -c . <<<"$lines" || true)" "$c: one err line for dead notice $id"
    assert_contains "$lines" "${ERRMSG[$c]}" "$c: the err line of notice $id has the platform's errmsg"
  done
done
# nothing else was logged at err: only the permanent refusals
others=$(grep 'level=err' "$TEST_TMP/run1.log" | grep -v -e 'invalid webhook url' -e 'sign not match' -e 'sign match fail' || true)
assert_eq "" "$others" "unexpected err lines in run 1"
no_secret_in_logs

# ---------------------------------------------------------------- run 2: two hours later
# Ledger back-offs are over. A platform throttle may be kept on the real clock (paused_until):
# such a channel is left alone (still one request) or delivered; nothing is sent twice.
# Slack's Retry-After: 2 paused its channel on the real clock: wait until that pause is over
# (and any other of st, s5, jt), not a fixed time, so that run 2 retries them for sure.
unpaused() {
  [[ $(q "select count(*) from duban.channels where id in (${CH[st]}, ${CH[s5]}, ${CH[jt]})
            and paused_until > clock_timestamp()") == 0 ]]
}
wait_until 120 unpaused || fail "the channels st, s5, jt still paused (real clock) after 120 s: $(q \
  "select id, paused_until, clock_timestamp() from duban.channels where paused_until is not null")"
once "$NOW2" run2.log
for c in st s5 jt; do
  assert_eq "$(notices_of "$c" '')" "$(notices_of "$c" "and status = 'sent' and attempts = 2")" \
    "$c: delivered at the second attempt"
  assert_eq 2 "$(requests "$c")" "$c: exactly two messages"
done
# Whether a pause was still on when run 2 claimed is a matter of real time (a loaded machine
# may take longer than the pause): judged by what the outbox recorded, not by the clock now.
for c in wt dt ft; do
  if [[ $(notices_of "$c" "and attempts >= 2") == 0 ]]; then
    assert_eq 1 "$(requests "$c")" "$c: a channel paused by its platform (real clock) is not sent to"
    assert_eq "$(notices_of "$c" '')" "$(notices_of "$c" "and status = 'pending' and attempts = 1")" \
      "$c: still pending after one attempt while paused"
  else
    assert_eq 2 "$(requests "$c")" "$c: its pause was over, so retried once in run 2"
    assert_eq "$(notices_of "$c" '')" "$(notices_of "$c" "and status = 'sent' and attempts = 2")" \
      "$c: delivered at the second attempt"
  fi
done
if [[ $(q "select paused_until > clock_timestamp() + interval '500 seconds' from duban.channels where id = ${CH[dt]}") == t ]]; then
  echo "chat_faults: DingTalk 130101 paused its channel for 10 min of real time"
fi
for c in "${DEAD[@]}"; do
  assert_eq 1 "$(requests "$c")" "$c: a dead notice is never retried"
done

# ---------------------------------------------------------------- run 3: the platforms' bans are over
q "update duban.channels set paused_until = null" >/dev/null   # stands for 10 min of real time
once "$NOW3" run3.log
for c in "${RETRY[@]}"; do
  assert_eq "$(notices_of "$c" '')" "$(notices_of "$c" "and status = 'sent' and attempts = 2")" \
    "$c: delivered at the second attempt"
  assert_eq 2 "$(requests "$c")" "$c: one refused and one accepted message, no more"
  assert_eq 1 "$(received --path "${PATHOF[$c]}" --ok --count)" "$c: accepted once"
done
for c in "${DEAD[@]}"; do
  assert_eq 1 "$(requests "$c")" "$c: still one message"
  assert_eq "$(notices_of "$c" '')" "$(notices_of "$c" "and status = 'dead' and attempts = 1")" "$c: still dead"
done
# every dead notice was logged at err exactly once over all runs
for id in $(q "select id from duban.notices where status = 'dead'"); do
  assert_eq 1 "$(cat "$TEST_TMP"/run*.log | grep -cE "level=err .*event=dead .*notice=$id( |$)" || true)" \
    "dead notice $id logged once"
done
# the accepted messages: each escalation exactly once, DingTalk signed with its mention
"$PYTHON" - "$RECEIVER_LOG" "$MOBILE" <<'EOF' || fail "accepted messages are wrong"
import json, re, sys, collections
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
mobile = sys.argv[2]
def text(r):
    b = r["body"]
    return {"wecom": lambda: b["markdown"]["content"], "dingtalk": lambda: b["markdown"]["text"],
            "feishu": lambda: "\n\n".join([b["card"]["header"]["title"]["content"]] +
                [e["text"]["content"] for e in b["card"]["elements"] if e["tag"] == "div"])
            }.get(r["kind"], lambda: b["text"])()
for name in ("wt", "dt", "ft", "st", "s5", "jt"):
    ok = [r for r in recs if r["name"] == name and r["ok"]]
    assert len(ok) == 1, (name, len(ok))
    refs = collections.Counter(re.findall(r"ZY-F-00\d", text(ok[0])))
    assert refs == {"ZY-F-001": 1, "ZY-F-002": 1, "ZY-F-003": 1}, (name, refs)
dt = [r for r in recs if r["name"] == "dt" and r["ok"]][0]
assert dt["body"]["at"]["atMobiles"] == [mobile] and "@" + mobile in text(dt), dt["body"]
assert dt["query"].get("sign") and dt["outcome"] == "ok", dt
jt = [r for r in recs if r["name"] == "jt"]
assert sorted(n["id"] for n in jt[0]["body"]["notices"]) == sorted(n["id"] for n in jt[1]["body"]["notices"]), \
    "a retried json message keeps its notice ids"
EOF
no_secret_in_logs

# ---------------------------------------------------------------- run 4: fixed and revived
q "update duban.channels set url = replace(url, '$WRONG_KEY', '$WECOM_KEY') where id = ${CH[wbad]};
   update duban.channels set secret = '$DT_SECRET' where id = ${CH[dbad]};
   update duban.channels set secret = '$FS_SECRET' where id = ${CH[fbad]}" >/dev/null
assert_exit 0 "notice retry --dead" -- ctl --now "$NOW4" notice retry --dead
once "$NOW4" run4.log
for c in "${DEAD[@]}"; do
  assert_eq "$(notices_of "$c" '')" "$(notices_of "$c" "and status = 'sent'")" "$c: revived and delivered"
  assert_eq 2 "$(requests "$c")" "$c: one refused and one accepted message"
done
for c in "${RETRY[@]}"; do
  assert_eq 2 "$(requests "$c")" "$c: nothing sent again in run 4"
done
assert_eq 0 "$(q "select count(*) from duban.notices where status <> 'sent'")" "everything delivered in the end"
no_secret_in_logs

echo "chat_faults: OK"
