#!/usr/bin/env bash
# acceptance_fresh.sh — an acceptance notice is rendered at each attempt (SPEC §8): made on
# one day and delivered on a later one, its `working_days` (json field and text) count the
# working days from the application to the local date of the delivery, not of the making.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_acceptance_fresh
duban_config
receiver_start acc
ctl migrate >/dev/null
ctl unit add ZB 整改办 --kind office >/dev/null
ctl unit add XJ 新街镇 --kind town >/dev/null
ctl unit add SLJ 区水利局 --kind department >/dev/null
for u in ZB XJ SLJ; do ctl channel add "$u" --kind json --url "$RECEIVER_URL/json/$u" >/dev/null; done

# Applied Monday 2 March 2026; the 8th working day after it is Thursday 12 March.
ctl --now 2026-03-01T09:00:00+08:00 problem add --ref ZY-09 --title 河道垃圾堆放 --level district \
  --unit XJ --supervisors SLJ --deadline 2026-12-31 >/dev/null
ctl --now 2026-03-02T10:00:00+08:00 problem apply ZY-09 >/dev/null
assert_exit 0 "deliver the application" -- dband --once --now 2026-03-02T10:05:00+08:00

# Made on the evening of the 12th (after the delivery window, 8 working days), sent on the 13th.
assert_exit 0 "Thursday evening: the prompt is made, not sent" -- dband --once --now 2026-03-12T20:00:00+08:00
assert_eq "8" "$(psql_q "SELECT payload->>'working_days' FROM duban.notices WHERE type = 'acceptance' AND status = 'pending'")" \
  "made with 8 working days"
assert_exit 0 "Friday: sent" -- dband --once --now 2026-03-13T09:00:00+08:00
assert_eq "sent" "$(psql_q "SELECT string_agg(DISTINCT status, ',') FROM duban.notices WHERE type = 'acceptance'")" "the prompt went out"
got=$(received --path /json/SLJ --notices | "$PYTHON" -c '
import json, sys
for line in sys.stdin:
    n = json.loads(line)
    if n["type"] == "acceptance":
        print(n["stage"], n["applied"], n["working_days"])')
assert_eq "prompt 2026-03-02 9" "$got" "delivered on the 13th: 9 working days, counted to the attempt"
texts=$(received --path /json/SLJ --texts)
assert_contains "$texts" "已过 9 个工作日" "the text counts to the attempt too"
assert_not_contains "$texts" "已过 8 个工作日" "not the count it was made with"

echo "acceptance_fresh: OK"
