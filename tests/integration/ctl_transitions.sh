#!/usr/bin/env bash
# ctl_transitions: the status transitions of SPEC §4 through dubanctl — every legal one, every
# illegal one (exit 65 naming the current status, nothing written), required options (64), the
# history rows they leave (actor, pinned time, reason) and history being append-only.
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db ctl_transitions
NOW=2026-03-09T09:00:00+08:00
c() { ctl --now "$NOW" --actor tester "$@"; }
hist_count() { psql_q "SELECT count(*) FROM duban.history h JOIN duban.problems p ON p.id = h.problem_id WHERE p.ref = '$1'"; }
status_of() { psql_q "SELECT status FROM duban.problems WHERE ref = '$1'"; }

c migrate >/dev/null
c unit add OFF 整改办 --kind office >/dev/null
c unit add T1 一镇 --kind town >/dev/null
c unit add D1 环保局 --kind department >/dev/null
c unit add D2 水利局 --kind department >/dev/null
add() { c problem add --ref "$1" --title "问题 $1" --level central --unit T1 --supervisors D1,D2 --deadline 2026-06-30 >/dev/null; }

# ---------------------------------------------------------------- the legal path, step by step
add ZY-07
assert_exit 0 "apply" -- c problem apply ZY-07
assert_contains "$LAST_OUT" "rectifying -> applied" "apply output"
assert_eq "applied|2026-03-09" "$(psql_q "SELECT status, applied_on FROM duban.problems WHERE ref = 'ZY-07'")" "apply sets applied_on = today"

assert_exit 0 "reject" -- c problem reject ZY-07 --reason "照片不清晰"
assert_eq "rectifying|" "$(psql_q "SELECT status, applied_on FROM duban.problems WHERE ref = 'ZY-07'")" "reject: back to rectifying"

assert_exit 0 "apply again" -- c problem apply ZY-07
assert_exit 0 "accept" -- c problem accept ZY-07 --json
assert_eq "publicizing 2026-03-09" "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["on"])' <<<"$LAST_OUT")" "accept --json"
assert_eq "publicizing|2026-03-09" "$(psql_q "SELECT status, accepted_on FROM duban.problems WHERE ref = 'ZY-07'")" "accept sets accepted_on = today"

assert_exit 0 "object" -- c problem object ZY-07 --reason "群众有异议"
assert_eq "rectifying||" "$(psql_q "SELECT status, applied_on, accepted_on FROM duban.problems WHERE ref = 'ZY-07'")" "object: back to rectifying"

c problem apply ZY-07 >/dev/null
c problem accept ZY-07 >/dev/null
# the publicity sweep closes it (A+8); here the database is told directly
psql_q "UPDATE duban.problems SET status = 'closed', closed_on = '2026-03-17' WHERE ref = 'ZY-07'"
assert_exit 0 "reopen" -- c problem reopen ZY-07 --reason "反弹" --deadline 2026年9月30日
assert_eq "rectifying|2026-09-30|||" \
  "$(psql_q "SELECT status, deadline, applied_on, accepted_on, closed_on FROM duban.problems WHERE ref = 'ZY-07'")" \
  "reopen: new deadline, dates cleared"
assert_eq "2026-09-30" "$(psql_q "SELECT ladder_due FROM duban.problems WHERE ref = 'ZY-07'")" "reopen: new D"

# ---------------------------------------------------------------- history of those steps
actions=$(psql_q "SELECT string_agg(h.action, ',' ORDER BY h.id) FROM duban.history h JOIN duban.problems p ON p.id = h.problem_id WHERE p.ref = 'ZY-07' AND h.actor = 'tester'")
assert_eq "create,apply,reject,apply,accept,object,apply,accept,reopen" "$actions" "history actions"
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.history WHERE actor = 'tester' AND NOT (at >= '$NOW' AND at < '$NOW'::timestamptz + interval '1 minute')")" \
  "history.at is the pinned time"
assert_eq "照片不清晰" "$(psql_q "SELECT detail->>'reason' FROM duban.history WHERE action = 'reject'")" "reject reason in history"
assert_eq "群众有异议" "$(psql_q "SELECT detail->>'reason' FROM duban.history WHERE action = 'object'")" "object reason in history"
assert_eq "反弹|closed|rectifying|2026-06-30|2026-09-30" \
  "$(psql_q "SELECT detail->>'reason', detail#>>'{changes,status,before}', detail#>>'{changes,status,after}', detail#>>'{changes,deadline,before}', detail#>>'{changes,deadline,after}' FROM duban.history WHERE action = 'reopen'")" \
  "reopen history: before -> after"

out=$(c --json problem show ZY-07)
python3 - "$out" <<'EOF' || fail "problem show --json history"
import json, sys
p = json.loads(sys.argv[1])
h = p["history"]
assert [x["action"] for x in h if x["actor"] == "tester"][:3] == ["create", "apply", "reject"], h
for x in h:
    assert set(("at", "actor", "action", "detail")) <= set(x), x
assert h[0]["at"].startswith("2026-03-09T09:00:0"), h[0]["at"]
assert h[0]["at"].endswith("+08:00"), h[0]["at"]
EOF

# ---------------------------------------------------------------- history is append-only
if psql_q "UPDATE duban.history SET actor = 'mallory'" 2>"$TEST_TMP/err"; then fail "history UPDATE allowed"; fi
assert_contains "$(cat "$TEST_TMP/err")" "append-only" "UPDATE refused"
if psql_q "DELETE FROM duban.history" 2>"$TEST_TMP/err"; then fail "history DELETE allowed"; fi
assert_contains "$(cat "$TEST_TMP/err")" "append-only" "DELETE refused"
if psql_q "TRUNCATE duban.history" 2>/dev/null; then fail "history TRUNCATE allowed"; fi
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.history WHERE actor = 'mallory'")" "history untouched"

# ---------------------------------------------------------------- every illegal transition
add R1                                     # rectifying
add A1; c problem apply A1 >/dev/null       # applied
add P1; c problem apply P1 >/dev/null; c problem accept P1 >/dev/null   # publicizing
add C1; c problem apply C1 >/dev/null; c problem accept C1 >/dev/null
psql_q "UPDATE duban.problems SET status = 'closed', closed_on = '2026-03-17' WHERE ref = 'C1'"

declare -A needs=([apply]=rectifying [accept]=applied [reject]=applied [object]=publicizing [reopen]=closed)
declare -A refs=([rectifying]=R1 [applied]=A1 [publicizing]=P1 [closed]=C1)
for action in apply accept reject object reopen; do
  for st in rectifying applied publicizing closed; do
    [[ ${needs[$action]} == "$st" ]] && continue
    ref=${refs[$st]}
    before=$(hist_count "$ref")
    assert_exit 65 "$action on $st" -- c problem "$action" "$ref" --reason because --deadline 2026-12-31
    assert_eq "dubanctl: problem $ref is $st; $action needs status ${needs[$action]}" "$LAST_ERR" "$action on $st: message"
    assert_eq "$st" "$(status_of "$ref")" "$action on $st: status unchanged"
    assert_eq "$before" "$(hist_count "$ref")" "$action on $st: no history written"
  done
done

# ---------------------------------------------------------------- usage and unknown refs
assert_exit 64 "reject without --reason" -- c problem reject A1
assert_contains "$LAST_ERR" "--reason" "reject names --reason"
assert_exit 64 "object without --reason" -- c problem object P1
assert_exit 64 "reopen without --reason" -- c problem reopen C1 --deadline 2026-12-31
assert_exit 64 "reopen without --deadline" -- c problem reopen C1 --reason x
assert_exit 64 "reject with blank reason" -- c problem reject A1 --reason "  "
assert_exit 64 "apply without REF" -- c problem apply
assert_exit 65 "reopen with a bad deadline" -- c problem reopen C1 --reason x --deadline 2026-02-30
assert_eq "closed" "$(status_of C1)" "still closed after refusals"
assert_exit 65 "unknown ref" -- c problem apply NOPE-1
assert_eq "dubanctl: no problem with ref NOPE-1" "$LAST_ERR" "unknown ref message"
assert_exit 65 "unknown ref (reopen)" -- c problem reopen NOPE-1 --reason x --deadline 2026-12-31

# ---------------------------------------------------------------- a race: two applies, one wins
add RACE
ctl --now "$NOW" problem apply RACE >/dev/null 2>&1 & p1=$!
ctl --now "$NOW" problem apply RACE >/dev/null 2>&1 & p2=$!
r1=0; wait "$p1" || r1=$?
r2=0; wait "$p2" || r2=$?
assert_eq "0 65" "$(printf '%s\n' "$r1" "$r2" | sort -n | tr '\n' ' ' | sed 's/ $//')" "exactly one apply wins"
assert_eq 1 "$(psql_q "SELECT count(*) FROM duban.history h JOIN duban.problems p ON p.id = h.problem_id WHERE p.ref = 'RACE' AND h.action = 'apply'")" "one apply in history"

# the default actor is the OS user
add WHO
ctl --now "$NOW" problem apply WHO >/dev/null
assert_eq "${SUDO_USER:-$(id -un)}" "$(psql_q "SELECT h.actor FROM duban.history h JOIN duban.problems p ON p.id = h.problem_id WHERE p.ref = 'WHO' AND h.action = 'apply'")" "default actor"

echo "ctl_transitions: OK"
