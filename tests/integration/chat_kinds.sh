#!/usr/bin/env bash
# chat_kinds.sh — a storm of 500 escalation notices for each chat kind (wecom, dingtalk with a
# secret and mentions, feishu with a secret, slack; and json for exact ids), made by the real
# ladder sweep and delivered by `duband -f` to the imitation robots of receiver.py, which enforce
# each platform's shapes, signatures (real clock), size limits and rate limits (real clock).
# Asserts: every notice sent exactly once (refs in the texts, ids for json, one attempt each),
# digests within each limit and few enough, no rate-limit answer (the daemon kept each robot's
# rate), mentions in every message, signatures accepted, and no secret or token in the logs.
# Throttling and permanent answers are in chat_faults.sh, `channel test` in chat_channel_test.sh.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

STORM=${CHAT_STORM:-500}        # notices per channel
DEADLINE_S=${CHAT_STORM_TIMEOUT:-420}   # the rates impose about 2 min; generous for a loaded machine
NOW=2026-03-09T09:00:00+08:00    # a Monday (working day), inside the 08:30-18:00 window
TODAY=2026-03-09

duban_test_db t_chat_kinds
duban_config log.level=debug
ctl migrate >/dev/null

WECOM_KEY=693a91f6-7d1e-4bc4-97a0-0ec2f1fa5aaa
DT_TOKEN=8d4f0c2b9e6a41d3b7c5e2f1a0d9c8b7e6f5a4d3c2b1a0f9e8d7c6b5a4f3e2d1
DT_SECRET=SEC0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f
FS_HOOK=2c8f3b7e-1a2b-4c5d-9e8f-0a1b2c3d4e5f
FS_SECRET=qWeRt7yUiOp3aSdF9gHjK
SLACK_TOKEN=abcdEFGH1234ijklMNOP5678
MOBILE=13800000000
FS_USER=ou_7d8a6e6df7621556ce0d21922b676706
SLACK_USER=U012AB3CD

receiver_start storm \
  --token wecom/wc="$WECOM_KEY" --token dingtalk/dt="$DT_TOKEN" \
  --secret dingtalk/dt="$DT_SECRET" --secret feishu/fs="$FS_SECRET"
R=$RECEIVER_URL

ctl unit add town1 '东城镇' --kind town >/dev/null
ctl unit add sup1 '区生态环境分局' --kind department >/dev/null
ctl unit add sup2 '区水利局' --kind department >/dev/null
ctl unit add office '区整改办' --kind office >/dev/null
# Only town1 has channels, so each problem makes exactly one notice per channel.
ctl channel add town1 --kind wecom --url "$R/wecom/wc?key=$WECOM_KEY" --mention zhangsan >/dev/null
ctl channel add town1 --kind dingtalk --url "$R/dingtalk/dt?access_token=$DT_TOKEN" \
  --secret "$DT_SECRET" --mention "$MOBILE" >/dev/null
ctl channel add town1 --kind feishu --url "$R/feishu/fs/open-apis/bot/v2/hook/$FS_HOOK" \
  --secret "$FS_SECRET" --mention "$FS_USER" >/dev/null
ctl channel add town1 --kind slack --url "$R/slack/sl/services/T0ABC1234/B0ABC1234/$SLACK_TOKEN" \
  --mention "$SLACK_USER" >/dev/null
ctl channel add town1 --kind json --url "$R/json/js" >/dev/null

# ---------------------------------------------------------------- the storm: STORM problems due
# Four stages in turn (prompt, warn, supervise, supervise long overdue), titles of varied length
# with characters each kind must escape (" < > & \ and markdown *_), and two titles too long for
# one WeCom message on their own (cut with "…", the ref still first). About 260 bytes a notice:
# some 35 WeCom messages, i.e. two windows of a 20/min robot's rate.
psql -XAtq -v ON_ERROR_STOP=1 -v storm="$STORM" -v today="$TODAY" >/dev/null <<'SQL'
SELECT set_config('duban.now', :'today' || 'T08:00:00+08:00', false);
INSERT INTO duban.problems (ref, level, source, category, title, location, unit_id, supervisor_ids,
                            deadline, progress)
SELECT format('ZY-2026-%s', lpad(i::text, 4, '0')),
       (ARRAY['central', 'provincial', 'municipal', 'district'])[1 + i % 4],
       '中央生态环境保护督察', '水污染',
       CASE WHEN i % 167 = 0 THEN repeat('超长问题描述', 300)
            ELSE format('河道"采砂"<整改> & 复查\第%s处 *重点*_%s', i, repeat('污染', i % 5)) END,
       format('东城镇第%s村', i),
       (SELECT id FROM duban.units WHERE code = 'town1'),
       ARRAY[(SELECT id FROM duban.units WHERE code = 'sup1'), (SELECT id FROM duban.units WHERE code = 'sup2')],
       CASE i % 4 WHEN 0 THEN :'today'::date + 25 WHEN 1 THEN :'today'::date + 10
                  WHEN 2 THEN :'today'::date - 5 ELSE :'today'::date - 40 END,
       CASE WHEN i % 4 = 0 THEN 90 ELSE 30 END
  FROM generate_series(1, :storm) i;
SQL
assert_eq "$STORM" "$(psql_q 'select count(*) from duban.problems')" "problems inserted"

# ---------------------------------------------------------------- deliver with the real daemon
started=$(date +%s)
dband_start --now "$NOW"
pending_left() {
  local made pending
  made=$(psql_q "select count(*) from duban.notices where type = 'escalation'")
  pending=$(psql_q "select count(*) from duban.notices where status = 'pending'")
  [[ $made -ge $((STORM * 5)) && $pending -eq 0 ]]
}
done_in_time=1
if ! wait_until "$DEADLINE_S" pending_left; then
  done_in_time=0
  echo "after $DEADLINE_S s (kind status notices max_attempts):" >&2
  psql_q "select c.kind, n.status, count(*), max(n.attempts) from duban.notices n
          join duban.channels c on c.id = n.channel_id group by 1, 2 order by 1, 2" >&2
fi
elapsed=$(($(date +%s) - started))
# No pause needed before stopping: the receiver logs each request before it answers, and a
# notice is marked sent only after the answer, so every request of the storm is logged by now.
dband_stop "$DBAND_PID"
assert_eq 0 "$DBAND_RC" "duband -f exits 0 on SIGTERM"
echo "chat_kinds: storm of $STORM notices x 5 channels: $elapsed s, all delivered: $done_in_time"
received   # per robot: requests, accepted, path

# ---------------------------------------------------------------- what the robots got
psql_q "select c.kind || ' ' || n.type || ' ' || count(*) from duban.notices n
        join duban.channels c on c.id = n.channel_id group by c.kind, n.type order by 1" >"$TEST_TMP/expected"
"$PYTHON" - "$RECEIVER_LOG" "$STORM" "$MOBILE" "$FS_USER" "$SLACK_USER" "$TEST_TMP/expected" "$TEST_TMP/slow" <<'EOF' || fail "the robots' view of the storm is wrong (see above)"
import json, re, sys, collections
log, storm, mobile, fs_user, slack_user, expected_file, slow_file = sys.argv[1:8]
storm = int(storm)
recs = [json.loads(l) for l in open(log, encoding="utf-8") if l.strip()]
expected = collections.Counter()
for line in open(expected_file, encoding="utf-8"):
    kind, typ, n = line.split()
    expected[(kind, typ)] = int(n)
refs = {"ZY-2026-%04d" % i for i in range(1, storm + 1)}
REF = re.compile(r"ZY-2026-\d{4}")
# A mention each kind writes into every message's text.
mention_text = {"wecom": "<@zhangsan>", "dingtalk": "@" + mobile,
                "feishu": '<at id=%s></at>' % fs_user, "slack": "<@%s>" % slack_user}
limits = {"wecom": 4096, "dingtalk": 20000, "feishu": 20000, "slack": 4000}
# Upper bounds on the number of messages: a digest must carry many notices at once.
max_msgs = {"wecom": 60, "dingtalk": 20, "feishu": 20, "slack": 40, "json": 10}
rate = {"wecom": 20, "dingtalk": 20, "feishu": 100, "slack": 60}
errors = []
slow = []   # reported at the very end of the test, after the correctness checks
def bad(msg):
    errors.append(msg)

for kind in ("wecom", "dingtalk", "feishu", "slack", "json"):
    rs = [r for r in recs if r["kind"] == kind]
    failed = [r for r in rs if not r["ok"]]
    print(f"{kind}: {len(rs)} messages, {len(failed)} refused", end="")
    for r in failed[:3]:
        bad(f"{kind}: request {r['seq']} refused: {r['status']} {r['outcome']} {json.dumps(r['answer'], ensure_ascii=False)[:200]}")
    # receiver.py flags the closing '>' of a Slack mention <@U…> as unescaped; the escaping of
    # Slack texts is checked below instead
    warned = [r for r in rs if [w for w in r["warnings"]
                                if not (kind == "slack" and w.startswith("unescaped"))]]
    for r in warned[:3]:
        bad(f"{kind}: request {r['seq']} warnings {r['warnings']}")
    accepted = [r for r in rs if r["ok"]]
    if len(accepted) > max_msgs[kind]:
        bad(f"{kind}: {len(accepted)} messages for {storm} notices: digests too small")
    if not rs:
        bad(f"{kind}: nothing received")
        print()
        continue
    times = sorted(r["t"] for r in rs)
    print(f", first..last {times[-1] - times[0]:.1f} s")
    # the robot's rate, on the real clock: never more than `rate` messages in any 60 s
    if kind in rate:
        j = 0
        for i, t in enumerate(times):
            while times[j] <= t - 60:
                j += 1
            if i - j + 1 > rate[kind]:
                bad(f"{kind}: {i - j + 1} messages within 60 s (limit {rate[kind]})")
                break
    if kind == "feishu":
        for i in range(5, len(times)):
            if times[i] - times[i - 5] < 1.0:
                bad("feishu: 6 messages within 1 s (limit 5/s)")
                break
    # pacing: the daemon sends again as soon as the robot's rate allows (real clock), so the
    # storm takes about what the rate imposes, plus slack for a loaded machine (every message
    # costs a claim, a render and a record on top of the rate's wait: on a busy 2-core machine
    # that is up to a second each), so only a gross delay (e.g. waiting a poll interval) fails
    n = len(rs)
    # (WeCom and DingTalk: 20 a minute, spread at most 1 a second by duban's burst budget)
    allowed = {"wecom": (n - 1) // 20 * 60 + (n - 1) % 20,
               "dingtalk": (n - 1) // 20 * 60 + (n - 1) % 20,
               "feishu": max((n - 1) // 100 * 60, (n - 1) // 5), "slack": n - 1, "json": 0}[kind]
    if times[-1] - times[0] > allowed * 1.5 + 60:
        slow.append(f"{kind}: {n} messages took {times[-1] - times[0]:.0f} s; the rate allows "
                    f"them in about {allowed} s (the daemon waits longer than the rate requires)")
    if kind == "json":
        continue
    counts = collections.Counter()
    for r in rs:
        b = r["body"]
        if kind == "wecom":
            text = b["markdown"]["content"]
            size = len(text.encode())
        elif kind == "dingtalk":
            text = b["markdown"]["text"]
            size = int(r["headers"]["content-length"])
            if b.get("at", {}).get("atMobiles") != [mobile]:
                bad(f"dingtalk: request {r['seq']} at.atMobiles = {b.get('at')}")
            if not r["query"].get("timestamp") or not r["query"].get("sign"):
                bad(f"dingtalk: request {r['seq']} not signed: {r['query'].keys()}")
        elif kind == "feishu":
            card = b["card"]
            text = "\n\n".join([card["header"]["title"]["content"]] +
                               [e["text"]["content"] for e in card["elements"] if e["tag"] == "div"])
            size = int(r["headers"]["content-length"])
            if not isinstance(b.get("timestamp"), str) or not b.get("sign"):
                bad(f"feishu: request {r['seq']} not signed")
        else:
            text = b["text"]
            size = len(text)
            if "&lt;整改&gt;" not in text and "超长问题描述" not in text:
                bad(f"slack: request {r['seq']} lacks the escaped title")
            if re.search(r"[<>]", re.sub(r"<[@!#][^<>]*>|<https?:[^<>]*>", "", text)):
                bad(f"slack: request {r['seq']} has an unescaped < or >")
        if size > limits[kind]:
            bad(f"{kind}: request {r['seq']} is {size} > {limits[kind]}")
        if mention_text[kind] not in text:
            bad(f"{kind}: request {r['seq']} lacks the mention {mention_text[kind]}")
        if r["ok"]:
            counts.update(REF.findall(text))
    missing = sorted(refs - set(counts))
    twice = sorted(ref for ref, n in counts.items() if n != 1)
    extra = sorted(set(counts) - refs)
    if missing:
        bad(f"{kind}: {len(missing)} problems never delivered, e.g. {missing[:5]}")
    if twice:
        bad(f"{kind}: {len(twice)} problems delivered more than once, e.g. {[(t, counts[t]) for t in twice[:5]]}")
    if extra:
        bad(f"{kind}: unknown refs {extra[:5]}")
    if kind == "wecom" and not any("…" in r["body"]["markdown"]["content"] for r in rs):
        bad("wecom: the over-long notices were not cut with …")
# json: every notice of the outbox, by type
got = collections.Counter()
for r in recs:
    if r["kind"] == "json" and r["ok"]:
        for n in r["body"]["notices"]:
            got[n["type"]] += 1
for (kind, typ), n in expected.items():
    if kind == "json" and got[typ] != n:
        bad(f"json: {got[typ]} {typ} notices received, {n} in the outbox")
with open(slow_file, "w", encoding="utf-8") as f:
    f.writelines(m + "\n" for m in slow)
for e in errors:
    print("FAIL:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

((done_in_time)) || fail "the storm was not delivered within $DEADLINE_S s"

# ---------------------------------------------------------------- the outbox: every notice sent once
assert_eq "$((STORM * 5))" "$(psql_q "select count(*) from duban.notices where type = 'escalation'")" \
  "one escalation notice per problem and channel"
assert_eq "" "$(psql_q "select id || ' ' || status || ' ' || attempts from duban.notices
                        where status <> 'sent' or attempts <> 1 limit 5")" \
  "every notice sent at the first attempt (no retry: no rate-limit answer, no error)"
assert_eq 0 "$(psql_q 'select count(*) from duban.notices where claimed_by is not null')" "no claim left"

# json: ids exactly once, and exactly the channel's notices
json_ch=$(psql_q "select id from duban.channels where kind = 'json'")
assert_eq "" "$(received --path /json/js --ids | sort | uniq -d | head -n 5)" "a json notice id delivered twice"
assert_eq "$(psql_q "select string_agg(id::text, ' ' order by id) from duban.notices where channel_id = $json_ch")" \
  "$(received --path /json/js --ok --ids | sort -n | paste -sd' ')" "json ids delivered = the channel's notices"

# ---------------------------------------------------------------- no secret or token in the logs
logs=$(cat "$TEST_TMP"/duband.*.log)
for s in "$WECOM_KEY" "$DT_TOKEN" "$DT_SECRET" "$FS_HOOK" "$FS_SECRET" "$SLACK_TOKEN"; do
  assert_not_contains "$logs" "$s" "duband's log shows a secret or token"
done
assert_contains "$logs" "event=deliver result=sent" "deliveries are logged"
assert_not_contains "$logs" "level=err" "no error logged during the storm"

# ---------------------------------------------------------------- pacing (last: the rest is correct)
assert_eq "" "$(cat "$TEST_TMP/slow")" "the storm took longer than the robots' rates require"

echo "chat_kinds: OK"
