#!/usr/bin/env bash
# ctl_commands: dubanctl's ledger commands (SPEC §5) against a fresh database — units, channels
# (secrets masked), problem add/progress/milestone/show/list (JSON, CSV, --overdue), reports
# (late or not), custom schedules, deductions, notices and retry, policy, status; exit codes.
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db ctl_commands
NOW=2026-03-09T09:00:00+08:00
c() { ctl --now "$NOW" --actor tester "$@"; }
# pyj CODE: run python CODE with d = the JSON document on stdin
pyj() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

assert_exit 69 "status before migrate" -- c status
assert_contains "$LAST_ERR" "dubanctl migrate" "says what to run"
assert_exit 69 "unit list before migrate" -- c unit list
c migrate >/dev/null

# ---------------------------------------------------------------- units
assert_exit 0 "unit add office" -- c unit add OFF 整改办 --kind office
c unit add LEAD 领导小组 --kind 领导小组 >/dev/null
c unit add T1 一镇 --kind town --parent OFF >/dev/null
c unit add S1 一街道 --kind street >/dev/null
c unit add D1 环保局 --kind department >/dev/null
c unit add D2 水利局 --kind 部门 >/dev/null
assert_exit 65 "duplicate code" -- c unit add T1 别的镇 --kind town
assert_eq "dubanctl: unit T1 already exists" "$LAST_ERR" "duplicate code message"
assert_exit 65 "duplicate name" -- c unit add T2 一镇 --kind town
assert_exit 65 "bad code" -- c unit add "T 3" 三镇 --kind town
assert_exit 65 "bad kind" -- c unit add T3 三镇 --kind village
assert_exit 65 "unknown parent" -- c unit add T3 三镇 --kind town --parent NOPE
assert_exit 64 "missing --kind" -- c unit add T3 三镇
assert_exit 64 "missing NAME" -- c unit add T3 --kind town
assert_eq 6 "$(psql_q 'SELECT count(*) FROM duban.units')" "refused units not written"

assert_exit 0 "unit list" -- c unit list
assert_contains "$LAST_OUT" "领导小组" "unit list shows names"
c --json unit list | pyj '
assert [u["code"] for u in d] == ["OFF", "LEAD", "T1", "S1", "D1", "D2"], d
for u in d: assert set(("code", "name", "kind", "parent")) <= set(u), u
t1 = [u for u in d if u["code"] == "T1"][0]
assert (t1["name"], t1["kind"], t1["parent"]) == ("一镇", "town", "OFF"), t1
assert [u for u in d if u["code"] == "LEAD"][0]["kind"] == "leadership"
assert [u for u in d if u["code"] == "D2"][0]["parent"] is None
' || fail "unit list --json"

# ---------------------------------------------------------------- channels
WECOM='https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa'
DING='https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef'
FEISHU='https://open.feishu.cn/open-apis/bot/v2/hook/0f8a7c2e-1234-4cde-9abc-0123456789ab'
assert_exit 0 "channel add wecom" -- c channel add T1 --kind wecom --url "$WECOM" --mention '13800000000,user2'
assert_not_contains "$LAST_OUT" "693a91f6" "channel add does not echo the key"
c channel add OFF --kind dingtalk --url "$DING" --secret SECtopsecret --rate 10 >/dev/null
c channel add 环保局 --kind feishu --url "$FEISHU" >/dev/null
c channel add LEAD --kind json --url "http://127.0.0.1:9/hook" >/dev/null
assert_exit 65 "duplicate channel" -- c channel add T1 --kind wecom --url "$WECOM"
assert_exit 65 "bad channel kind" -- c channel add T1 --kind telegram --url "$WECOM"
assert_exit 65 "bad url" -- c channel add T1 --kind json --url "ftp://example.org/x"
assert_exit 65 "bad rate" -- c channel add T1 --kind json --url "http://example.org/x" --rate 0
assert_exit 65 "unknown unit" -- c channel add NOPE --kind json --url "http://example.org/x"
assert_exit 64 "missing --url" -- c channel add T1 --kind json
assert_eq 4 "$(psql_q 'SELECT count(*) FROM duban.channels')" "refused channels not written"

for mode in "" --json; do
  out=$(c $mode channel list)
  for secret in 693a91f6 0123456789abcdef SECtopsecret 0f8a7c2e; do
    assert_not_contains "$out" "$secret" "channel list $mode masks $secret"
  done
done
c --json channel list | pyj '
by = {ch["unit"]: ch for ch in d}
for ch in d: assert set(("id", "unit", "kind", "url", "secret", "mention", "rate")) <= set(ch), ch
assert by["T1"]["url"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***", by["T1"]
assert by["OFF"]["url"] == "https://oapi.dingtalk.com/robot/send?access_token=***", by["OFF"]
assert by["D1"]["url"] == "https://open.feishu.cn/open-apis/bot/v2/hook/***", by["D1"]
assert by["OFF"]["secret"] == "***" and by["T1"]["secret"] is None
assert by["T1"]["mention"] == ["13800000000", "user2"], by["T1"]
assert (by["T1"]["rate"], by["OFF"]["rate"], by["D1"]["rate"], by["LEAD"]["rate"]) == (20, 10, 100, None), d
' || fail "channel list --json"
assert_eq "$WECOM" "$(psql_q "SELECT url FROM duban.channels WHERE kind = 'wecom'")" "the real URL is stored"

# ---------------------------------------------------------------- problem add
assert_exit 0 "problem add" -- c problem add --ref ZY-07 --title "xx 河道非法采砂" --level 中央 --unit 一镇 \
  --supervisors "D1、水利局" --deadline 2026年3月31日 --source 中央督察 --category 水 --location "xx 河"
c problem add --ref ZY-08 --title "overdue" --level district --unit T1 --supervisors D2 --deadline 2026/3/1 >/dev/null
c problem add --ref ZY-09 --title "street item" --level municipal --unit S1 --supervisors D1 --deadline 2026-12-31 --long-term >/dev/null
assert_eq "T1|{D1,D2}|2026-03-31|central|中央督察" \
  "$(psql_q "SELECT u.code, (SELECT array_agg(s.code ORDER BY x.o) FROM unnest(p.supervisor_ids) WITH ORDINALITY x(id, o) JOIN duban.units s ON s.id = x.id), p.deadline, p.level, p.source FROM duban.problems p JOIN duban.units u ON u.id = p.unit_id WHERE p.ref = 'ZY-07'")" \
  "problem add stored units by code or name, lead first"
padd() { c problem add --ref ZY-99 --title t --level district --unit T1 --supervisors D1 --deadline 2026-06-30 "$@"; }
assert_exit 65 "duplicate ref" -- c problem add --ref ZY-07 --title t --level district --unit T1 --supervisors D1 --deadline 2026-06-30
assert_eq "dubanctl: problem ZY-07 already exists" "$LAST_ERR" "duplicate ref message"
assert_exit 65 "bad level" -- padd --level national-ish
assert_exit 65 "unknown unit" -- padd --unit NOPE
assert_contains "$LAST_ERR" "NOPE" "unknown unit named"
assert_exit 65 "unknown supervisor" -- padd --supervisors D1,NOPE2
assert_contains "$LAST_ERR" "NOPE2" "unknown supervisor named"
assert_exit 65 "supervisor twice" -- padd --supervisors D1,D1
assert_exit 65 "bad deadline" -- padd --deadline 2026-02-30
assert_exit 64 "missing --ref" -- c problem add --title t --level district --unit T1 --supervisors D1 --deadline 2026-06-30
assert_exit 64 "missing --supervisors" -- c problem add --ref ZY-99 --title t --level district --unit T1 --deadline 2026-06-30
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.problems WHERE ref = 'ZY-99'")" "refused problem not written"

# ---------------------------------------------------------------- progress
assert_exit 0 "progress" -- c problem progress ZY-07 45% --note "清理一半"
assert_eq "45" "$(psql_q "SELECT progress FROM duban.problems WHERE ref = 'ZY-07'")" "progress stored"
assert_eq "2026-03-09|45|清理一半|tester" "$(psql_q "SELECT n.on_date, n.percent, n.note, n.actor FROM duban.progress_notes n JOIN duban.problems p ON p.id = n.problem_id WHERE p.ref = 'ZY-07'")" "progress note"
assert_eq 1 "$(psql_q "SELECT count(*) FROM duban.history WHERE action = 'progress' AND detail#>>'{changes,progress,after}' = '45'")" "progress history"
assert_exit 65 "progress 101" -- c problem progress ZY-07 101
assert_exit 65 "progress abc" -- c problem progress ZY-07 abc
assert_exit 65 "progress unknown ref" -- c problem progress NOPE 10
assert_exit 64 "progress without PERCENT" -- c problem progress ZY-07

# ---------------------------------------------------------------- milestones
assert_exit 0 "milestone add" -- c problem milestone ZY-07 2026-03-20 "清理砂石"
c problem milestone ZY-07 2026/3/25 "恢复河道" >/dev/null
assert_eq "t|2026-03-20" "$(psql_q "SELECT long_term, ladder_due FROM duban.problems WHERE ref = 'ZY-07'")" "a milestone makes it long-term; D = earliest unmet"
assert_exit 0 "milestone target changed (upsert)" -- c problem milestone ZY-07 2026-03-20 "清理全部砂石"
assert_eq "1|清理全部砂石" "$(psql_q "SELECT count(*), max(target) FROM duban.milestones WHERE due = '2026-03-20'")" "milestone upsert"
assert_exit 0 "milestone done" -- c problem milestone ZY-07 2026-03-20 --done
assert_eq "2026-03-09|2026-03-25" "$(psql_q "SELECT m.done_on, p.ladder_due FROM duban.milestones m JOIN duban.problems p ON p.id = m.problem_id WHERE m.due = '2026-03-20'")" "met milestone moves D"
assert_exit 0 "milestone done twice" -- c problem milestone ZY-07 2026-03-20 --done
assert_contains "$LAST_OUT" "already met" "second --done says so"
assert_exit 65 "done for a missing milestone" -- c problem milestone ZY-07 2026-04-01 --done
assert_exit 65 "milestone bad date" -- c problem milestone ZY-07 2026-13-01 x
assert_exit 64 "milestone without TARGET" -- c problem milestone ZY-07 2026-04-01
assert_exit 64 "milestone --done with TARGET" -- c problem milestone ZY-07 2026-04-01 x --done

# ---------------------------------------------------------------- show
assert_exit 0 "show" -- c problem show ZY-07
for s in "xx 河道非法采砂" "D1 环保局 (lead)" "D2 水利局" "清理全部砂石" "progress-note" "tester"; do
  assert_contains "$LAST_OUT" "$s" "show has $s"
done
c --json problem show ZY-07 | pyj '
for k in ("ref", "level", "source", "category", "title", "location", "unit", "supervisors", "deadline", "long_term", "progress", "status", "milestones", "history", "notices"):
    assert k in d, k
assert (d["ref"], d["level"], d["unit"], d["supervisors"], d["deadline"], d["long_term"], d["progress"], d["status"]) == \
       ("ZY-07", "central", "T1", ["D1", "D2"], "2026-03-31", True, 45, "rectifying"), d
assert d["milestones"][0] == {"due": "2026-03-20", "target": "清理全部砂石", "done_on": "2026-03-09"}, d["milestones"]
assert d["history"][0]["action"] == "create" and d["history"][0]["actor"] == "tester"
' || fail "problem show --json"
assert_exit 65 "show unknown" -- c problem show NOPE
assert_eq "dubanctl: no problem with ref NOPE" "$LAST_ERR" "show unknown message"

# ---------------------------------------------------------------- list, --overdue, --csv
c problem apply ZY-09 >/dev/null
assert_exit 0 "list" -- c problem list
assert_contains "$LAST_OUT" "ZY-08" "list has ZY-08"
c --json problem list | pyj '
assert [p["ref"] for p in d] == ["ZY-07", "ZY-08", "ZY-09"], d
for p in d:
    for k in ("ref", "level", "source", "category", "title", "location", "unit", "supervisors", "deadline", "long_term", "progress", "status"):
        assert k in p, (k, p)
' || fail "problem list --json"
assert_eq "ZY-08" "$(c --json problem list --overdue | pyj 'print(",".join(p["ref"] for p in d))')" "--overdue: rectifying with D < today"
assert_eq "ZY-08" "$(ctl --now 2026-03-10T09:00:00+08:00 --json problem list --overdue | pyj 'print(",".join(p["ref"] for p in d))')" "D = 2026-03-25 is not overdue yet"
assert_eq "ZY-07,ZY-08" "$(ctl --now 2026-03-26T09:00:00+08:00 --json problem list --overdue | pyj 'print(",".join(p["ref"] for p in d))')" "overdue after D"
assert_eq "ZY-09" "$(c --json problem list --status applied | pyj 'print(",".join(p["ref"] for p in d))')" "--status"
assert_eq "ZY-09" "$(c --json problem list --unit S1 | pyj 'print(",".join(p["ref"] for p in d))')" "--unit"
assert_exit 65 "bad --status" -- c problem list --status done
assert_exit 65 "unknown --unit" -- c problem list --unit NOPE
c problem list --csv >"$TEST_TMP/list.csv"
python3 - "$TEST_TMP/list.csv" <<'EOF' || fail "problem list --csv"
import csv, sys
raw = open(sys.argv[1], "rb").read()
assert raw.endswith(b"\r\n"), raw[-10:]
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
assert list(rows[0].keys()) == "ref,level,source,category,title,location,unit,supervisors,deadline,long_term,measures,target,status,closed_on,progress,contact,verified,ordered,penalized,fine,investigated,detained_admin,detained_criminal,interviewed,accountable".split(","), rows[0].keys()
r = rows[0]
assert (r["ref"], r["supervisors"], r["deadline"], r["long_term"], r["progress"], r["title"]) == \
       ("ZY-07", "D1;D2", "2026-03-31", "yes", "45", "xx 河道非法采砂"), r
assert rows[2]["status"] == "rectifying", rows[2]   # applied is still 正在办理 in the import vocabulary
EOF

# ---------------------------------------------------------------- reports
assert_exit 0 "report on time" -- c report submit T1 quarterly-self-inspection 2026-Q1
assert_exit 0 "report late" -- ctl --now 2026-03-11T10:00:00+08:00 report submit S1 quarterly-self-inspection 2026-q1
assert_contains "$LAST_OUT" "late" "late submission says so"
assert_exit 0 "report on the due day" -- ctl --now 2026-03-10T23:00:00+08:00 report submit D1 quarterly-self-inspection 2026-Q1
assert_exit 0 "report again" -- c report submit T1 quarterly-self-inspection 2026-Q1
assert_contains "$LAST_OUT" "already" "second submission is not a new one"
assert_exit 0 "monthly" -- c report submit T1 monthly-self-found 2026-3
assert_exit 65 "wrong period form" -- c report submit T1 quarterly-self-inspection 2026-03
assert_exit 65 "bad period" -- c report submit T1 quarterly-self-inspection 2026-Q5
assert_exit 65 "unknown schedule" -- c report submit T1 nope 2026-Q1
assert_exit 65 "office does not do self-inspection" -- c report submit OFF quarterly-self-inspection 2026-Q1
assert_exit 64 "report submit needs 3 args" -- c report submit T1 quarterly-self-inspection
c --json report list --schedule quarterly-self-inspection | pyj '
got = {(r["unit"], r["period"]): r["late"] for r in d}
assert got == {("T1", "2026-Q1"): False, ("S1", "2026-Q1"): True, ("D1", "2026-Q1"): False}, got
for r in d: assert set(("schedule", "unit", "period", "submitted_at", "late")) <= set(r), r
' || fail "report list --json"
assert_eq 1 "$(c --json report list --period 2026-03 | pyj 'print(len(d))')" "report list --period"

# ---------------------------------------------------------------- custom schedules
assert_exit 0 "schedule add" -- c schedule add campaign --label '河湖“四乱”专项整治' --days 4,14,24 --units T1,一街道 --remind 3,1,0
assert_eq '河湖“四乱”专项整治' "$(psql_q "select label from duban.schedules where name = 'campaign'")" "schedule label kept"
assert_eq "campaign|custom|{4,14,24}||{3,1,0}" "$(psql_q "SELECT name, kind, days, months, remind FROM duban.schedules WHERE name = 'campaign'")" "schedule stored"
assert_eq "S1,T1" "$(psql_q "SELECT string_agg(u.code, ',' ORDER BY u.code) FROM duban.schedule_units s JOIN duban.units u ON u.id = s.unit_id WHERE s.schedule = 'campaign'")" "schedule units"
assert_exit 65 "schedule exists" -- c schedule add campaign --days 5 --units T1
assert_exit 65 "bad day" -- c schedule add camp2 --days 0 --units T1
assert_exit 65 "bad month" -- c schedule add camp2 --days 5 --months 13 --units T1
assert_exit 65 "bad unit" -- c schedule add camp2 --days 5 --units T1,NOPE
assert_exit 65 "bad name" -- c schedule add "Camp 2" --days 5 --units T1
assert_exit 64 "missing --units" -- c schedule add camp2 --days 5
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.schedules WHERE name = 'camp2'")" "refused schedule not written"
assert_exit 0 "custom report on time" -- c report submit T1 campaign 2026-03-14
assert_exit 0 "custom report late" -- ctl --now 2026-03-15T09:00:00+08:00 report submit S1 campaign 2026-03-14 --json
assert_eq True "$(pyj 'print(d["late"])' <<<"$LAST_OUT")" "custom late"
assert_exit 65 "not a due day" -- c report submit T1 campaign 2026-03-15
assert_exit 65 "unit not in the schedule" -- c report submit D1 campaign 2026-03-14

# ---------------------------------------------------------------- deductions
assert_exit 0 "deduct" -- c deduct D1 5 --reason "逾期未整改" --problem ZY-08
assert_contains "$LAST_OUT" "total 5" "yearly total printed"
assert_exit 0 "deduct again" -- c deduct 环保局 6 --reason "材料不实" --json
assert_eq "11 2026" "$(pyj 'print(d["total"], d["year"])' <<<"$LAST_OUT")" "total after the second deduction"
assert_eq "5|ZY-08|tester" "$(psql_q "SELECT d.points, p.ref, d.actor FROM duban.deductions d JOIN duban.problems p ON p.id = d.problem_id")" "deduction row"
assert_exit 65 "zero points" -- c deduct D1 0 --reason x
assert_exit 65 "unknown problem" -- c deduct D1 3 --reason x --problem NOPE
assert_exit 65 "unknown unit" -- c deduct NOPE 3 --reason x
assert_exit 64 "missing --reason" -- c deduct D1 3
assert_eq 2 "$(psql_q 'SELECT count(*) FROM duban.deductions')" "refused deductions not written"

# ---------------------------------------------------------------- notices and retry
psql_q "DELETE FROM duban.notices"
psql_q "INSERT INTO duban.notices (key, type, unit_id, channel_id, payload, status, attempts, last_error)
        SELECT 't:' || s, 'test', ch.unit_id, ch.id, '{}', CASE WHEN s <= 2 THEN 'dead' WHEN s = 3 THEN 'sent' ELSE 'pending' END,
               CASE WHEN s <= 2 THEN 10 ELSE 1 END, CASE WHEN s <= 2 THEN 'HTTP 400' END
          FROM generate_series(1, 4) s, duban.channels ch WHERE ch.kind = 'wecom'"
ids=($(psql_q "SELECT id FROM duban.notices ORDER BY key"))
c --json notice list | pyj '
assert len(d) == 4, d
for n in d:
    assert set(("id", "type", "unit", "channel", "status", "attempts")) <= set(n), n
    assert n["unit"] == "T1" and n["type"] == "test"
assert sorted(n["status"] for n in d) == ["dead", "dead", "pending", "sent"], d
' || fail "notice list --json"
assert_eq 2 "$(c --json notice list --status dead | pyj 'print(len(d))')" "notice list --status dead"
assert_exit 65 "bad notice status" -- c notice list --status lost
assert_exit 0 "retry one" -- c notice retry "${ids[0]}"
assert_contains "$LAST_OUT" "1 notice" "retry reports how many"
assert_eq "pending|0|HTTP 400|t" "$(psql_q "SELECT status, attempts, last_error, next_attempt_at >= '$NOW' AND next_attempt_at < '$NOW'::timestamptz + interval '1 minute' FROM duban.notices WHERE id = ${ids[0]}")" "retried: pending, attempts 0, error kept, due now"
assert_exit 65 "retry unknown id" -- c notice retry "${ids[1]}" 999999
assert_eq dead "$(psql_q "SELECT status FROM duban.notices WHERE id = ${ids[1]}")" "nothing written on an unknown id"
assert_exit 65 "retry bad id" -- c notice retry abc
assert_exit 64 "retry nothing" -- c notice retry
assert_exit 64 "retry ids and --dead" -- c notice retry "${ids[1]}" --dead
assert_exit 0 "retry --dead" -- c notice retry --dead --json
assert_eq 1 "$(pyj 'print(d["retried"])' <<<"$LAST_OUT")" "retry --dead count"
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.notices WHERE status = 'dead'")" "no dead notices left"
assert_exit 0 "retry a sent one" -- c notice retry "${ids[2]}"
assert_eq sent "$(psql_q "SELECT status FROM duban.notices WHERE id = ${ids[2]}")" "sent notices stay sent"
psql_q "UPDATE duban.notices SET problem_id = (SELECT id FROM duban.problems WHERE ref = 'ZY-07') WHERE id = ${ids[2]}"
assert_contains "$(c problem show ZY-07)" "#${ids[2]}  test  to T1  channel" "show lists the problem's notices"
c --json problem show ZY-07 | pyj "
n = d['notices']
assert [(x['id'], x['type'], x['unit'], x['kind'], x['status'], x['attempts']) for x in n] == [(${ids[2]}, 'test', 'T1', 'wecom', 'sent', 1)], n
" || fail "show --json notices"

# ---------------------------------------------------------------- policy
assert_exit 0 "policy show" -- c policy show
assert_contains "$LAST_OUT" "ladder.prompt_days" "policy show lists keys"
assert_eq 30 "$(c --json policy show | pyj 'print([p["value"] for p in d if p["key"] == "ladder.prompt_days"][0])')" "policy show --json"
assert_exit 0 "policy set" -- c policy set ladder.prompt_days 45
assert_contains "$LAST_OUT" "was 30" "policy set shows the old value"
assert_eq 45 "$(psql_q "SELECT value FROM duban.policy WHERE key = 'ladder.prompt_days'")" "policy stored"
assert_eq "2026-01-15" "$(psql_q "SELECT l.next_on FROM duban.ladders l JOIN duban.problems p ON p.id = l.problem_id WHERE p.ref = 'ZY-08'")" "ladder check dates follow the new policy"
assert_exit 65 "policy unknown key" -- c policy set ladder.nope 3
assert_contains "$LAST_ERR" "ladder.nope" "unknown key named"
assert_exit 65 "policy bad value" -- c policy set ladder.prompt_days soon
assert_eq 45 "$(psql_q "SELECT value FROM duban.policy WHERE key = 'ladder.prompt_days'")" "bad value not written"
assert_exit 64 "policy set needs 2 args" -- c policy set ladder.prompt_days

# ---------------------------------------------------------------- status
assert_exit 0 "status" -- c status
assert_contains "$LAST_OUT" "schema" "status shows the schema"
c --json status | pyj '
assert d["schema"]["ok"] is True and d["schema"]["database"] == d["schema"]["binary"], d["schema"]
assert d["problems"]["rectifying"] == 2 and d["problems"]["applied"] == 1 and d["problems"]["overdue"] == 1, d["problems"]
assert d["notices"]["sent"] == 1 and d["notices"]["dead"] == 0, d["notices"]
assert d["today"] == "2026-03-09", d
assert isinstance(d["sweeps"], list)
' || fail "status --json"

# ---------------------------------------------------------------- usage and an unreachable database
assert_exit 64 "unit list with an argument" -- c unit list extra
assert_exit 69 "database down" -- ctl --dsn "host=/nonexistent port=1 dbname=x connect_timeout=2" unit list

echo "ctl_commands: OK"
