#!/usr/bin/env bash
# daemon_ladder.sh — the rectification ladder (SPEC §7a) as the units' chat groups see it, day by
# simulated day with `duband --once --now DAY`: each stage arrives on its day and not the day
# before, to the right recipients; an item imported already late starts at supervise (no prompt
# or warn); supervise repeats every 7 days; interview comes 14 days after the first supervise;
# a repeated run sends nothing twice; every notice id reaches its group exactly once.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_daemon_ladder
duban_config delivery.workdays_only=false log.level=debug
ctl migrate >/dev/null
receiver_start ladder

ctl unit add u1 '东城镇' --kind town >/dev/null
ctl unit add sv '区水利局' --kind department >/dev/null
ctl unit add of '区整改办' --kind office >/dev/null
ctl unit add ld '区领导小组' --kind leadership >/dev/null
for u in u1 sv of ld; do
  ctl channel add "$u" --kind json --url "$RECEIVER_URL/json/$u" >/dev/null
done
# L1: due 2026-06-30 (D), created well before the ladder starts.
ctl --now 2026-05-01T09:00:00+08:00 problem add --ref L1 --title '河道非法采砂' --level district \
  --unit u1 --supervisors sv --deadline 2026-06-30 >/dev/null

MARK=0
# run DAY [HH:MM]: one `duband --once` at DAY (default 09:00 local); fails unless it exits 0.
run() {
  MARK=$(received --count)
  assert_exit 0 "duband --once on $1" -- dband --once --now "$1T${2:-09:00}:00+08:00"
}
# escalations: "group problem stage cycle" of the escalation notices received by the last run.
escalations() {
  received --jsonl | "$PYTHON" -c '
import json, sys
skip = int(sys.argv[1])
for i, line in enumerate(sys.stdin):
    if i < skip:
        continue
    rec = json.loads(line)
    for n in (rec.get("body") or {}).get("notices") or []:
        if n.get("type") == "escalation":
            print(rec["name"], n["problem"], n["stage"], n["cycle"])
' "$MARK" | sort
}
# expect MSG [LINE...]: the last run delivered exactly these escalations (any order).
expect() {
  local msg=$1 want=''
  shift
  if (($# > 0)); then want=$(printf '%s\n' "$@" | sort); fi
  assert_eq "$want" "$(escalations)" "$msg"
}

run 2026-05-30
expect "no prompt the day before D-30"
run 2026-05-31
expect "prompt to the main unit on D-30" "u1 L1 prompt 1"
days=$(received --notices --path /json/u1 | "$PYTHON" -c '
import json, sys
for l in sys.stdin:
    n = json.loads(l)
    if n.get("type") == "escalation": print(n["days"], n["due"])')
assert_eq "-30 2026-06-30" "$days" "prompt carries days left and D"

run 2026-06-14
expect "no warn the day before D-15"
run 2026-06-15
expect "warn to main unit and lead supervisor on D-15 (progress 0 < 80)" \
  "sv L1 warn 1" "u1 L1 warn 1"

run 2026-06-30
expect "no supervise on D itself"
run 2026-07-01
expect "supervise to main unit, supervisors and office the day after D" \
  "of L1 supervise 1" "sv L1 supervise 1" "u1 L1 supervise 1"

# L2 arrives already 61 days late: it starts at supervise, never prompt or warn.
ctl --now 2026-07-01T10:00:00+08:00 problem add --ref L2 --title '违规排污' --level municipal \
  --unit u1 --supervisors sv --deadline 2026-05-01 >/dev/null
run 2026-07-01 10:30
expect "a late import starts at the highest stage that holds (supervise)" \
  "of L2 supervise 1" "sv L2 supervise 1" "u1 L2 supervise 1"

run 2026-07-07
expect "supervise does not repeat after 6 days"
run 2026-07-08
expect "supervise repeats on day 7 (cycle 2)" \
  "of L1 supervise 2" "sv L1 supervise 2" "u1 L1 supervise 2" \
  "of L2 supervise 2" "sv L2 supervise 2" "u1 L2 supervise 2"

run 2026-07-14
expect "no interview 13 days after the first supervise"
run 2026-07-15
expect "L2: interview 14 days after supervise (and D+30 passed); L1: supervise cycle 3" \
  "ld L2 interview 1" "of L2 interview 1" "sv L2 interview 1" "u1 L2 interview 1" \
  "of L1 supervise 3" "sv L1 supervise 3" "u1 L1 supervise 3"

run 2026-07-30
expect "L1 on D+30: still supervise (latest cycle 5 after the days not run), no interview yet" \
  "of L1 supervise 5" "sv L1 supervise 5" "u1 L1 supervise 5"
run 2026-07-31
expect "L1 interview on D+31 (supervise first sent 30 days before)" \
  "ld L1 interview 1" "of L1 interview 1" "sv L1 interview 1" "u1 L1 interview 1"

# The same day again: nothing at all is sent a second time.
run 2026-07-31 15:00
assert_eq "$MARK" "$(received --count)" "a repeated run sends nothing"
run 2026-08-01
expect "interview is sent once; supervise does not come back below it"

# Every notice made was delivered, each id exactly once, with one attempt.
dups=$(received --ids | sort | uniq -d)
assert_eq "" "$dups" "no notice id delivered twice"
assert_eq "$(psql_q "SELECT count(*) FROM duban.notices")" "$(received --ids | sort -u | wc -l)" \
  "every notice in the outbox was received"
assert_eq "sent 1" "$(psql_q "SELECT DISTINCT status || ' ' || attempts FROM duban.notices")" \
  "every notice sent at the first attempt"
echo "daemon_ladder: ok"
