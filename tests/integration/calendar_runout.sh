#!/usr/bin/env bash
# calendar_runout.sh — the working-day calendar never runs out silently (SPEC §3). The
# migrations ship 2024–2026. On pinned dates: 2026-11-30 nothing is said; from 2026-12-01
# `dubanctl status` (text and --json: calendar_until, calendar_missing), every sweep's log
# (a warning) and /metrics (duband_calendar_until_days) say that 2027 is missing; on
# 2027-01-04, with no 2027 calendar, days are Monday–Friday and the warning goes on;
# importing 2027 silences it all.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

duban_test_db t_calendar_runout
duban_config log.level=debug
ctl migrate >/dev/null

at() { printf '%sT09:00:00+08:00' "$1"; }
status_json() { ctl --json --now "$(at "$1")" status; }
jfield() { "$PYTHON" -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print("null" if v is None else v)' "$1"; }
sweep_once() {   # sweep_once DAY: one `duband --once` at DAY; its log in $TEST_TMP/once.DAY.log
  local rc=0
  dband -f --once --now "$(at "$1")" >"$TEST_TMP/once.$1.log" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || { tail -n 20 "$TEST_TMP/once.$1.log" >&2; fail "duband --once at $1 exited $rc"; }
  ONCE_LOG=$(cat "$TEST_TMP/once.$1.log")
}

# ---------------------------------------------------------------- 2026-11-30: all quiet
assert_exit 0 "status 2026-11-30" -- ctl --now "$(at 2026-11-30)" status
assert_contains "$LAST_OUT" "calendar   until 2026-12-31 (31 days)" "status shows the reach"
assert_not_contains "$LAST_OUT" "WARNING" "no warning in November"
assert_eq "2026-12-31" "$(status_json 2026-11-30 | jfield calendar_until)" "--json calendar_until"
assert_eq "null" "$(status_json 2026-11-30 | jfield calendar_missing)" "--json nothing missing"
sweep_once 2026-11-30
assert_contains "$ONCE_LOG" "event=sweep" "the sweep ran"
assert_not_contains "$ONCE_LOG" "event=calendar" "no calendar warning in November"

# ---------------------------------------------------------------- from 2026-12-01: warned
assert_exit 0 "status 2026-12-01" -- ctl --now "$(at 2026-12-01)" status
assert_contains "$LAST_OUT" "calendar   until 2026-12-31 (30 days); WARNING: no holidays for 2027 (Monday-Friday assumed): run dubanctl calendar import 2027.csv" "status warns"
assert_eq "2027" "$(status_json 2026-12-01 | jfield calendar_missing)" "--json names the year"
assert_eq "30" "$(status_json 2026-12-01 | jfield calendar_until_days)" "--json days left"
for day in 2026-12-01 2026-12-02; do
  sweep_once "$day"
  assert_contains "$ONCE_LOG" "level=warning event=calendar missing=2027 until=2026-12-31" \
    "$day: the sweep logs a warning"
  assert_contains "$ONCE_LOG" 'fix="dubanctl calendar import 2027.csv"' "$day: the warning says what to run"
done

metric() { curl -sf "$DUBAN_HTTP_URL/metrics" | sed -n "s/^duband_calendar_until_days \(-\?[0-9]*\)$/\1/p"; }
metric_is() { [[ $(metric) == "$1" ]]; }
dband_start --now "$(at 2026-12-01)"
wait_until 60 metric_is 30 || fail "duband_calendar_until_days never 30 (got '$(metric)')"
wait_until 60 grep -q "level=warning event=calendar missing=2027" "$DBAND_LOG" || fail "no warning logged"
dband_stop

# ---------------------------------------------------------------- 2027 begins without a calendar
assert_eq "true|true|false" "$(psql_q "SELECT duban.is_workday('2027-01-04') || '|' || duban.is_workday('2027-02-08') || '|' || duban.is_workday('2027-02-06')")" \
  "past the last covered date: Monday–Friday"
assert_exit 0 "status 2027-01-04" -- ctl --now "$(at 2027-01-04)" status
assert_contains "$LAST_OUT" "calendar   until 2026-12-31 (-4 days); WARNING: no holidays for 2027" "status still warns"
sweep_once 2027-01-04
assert_contains "$ONCE_LOG" "level=warning event=calendar missing=2027 until=2026-12-31 until_days=-4" \
  "the warning goes on in 2027"
dband_start --now "$(at 2027-01-04)"
wait_until 60 metric_is -4 || fail "duband_calendar_until_days never -4 (got '$(metric)')"
dband_stop

# ---------------------------------------------------------------- 2027 imported: silence
printf '{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"春节","date":"2027-02-08","isOffDay":true}]}' >"$TEST_TMP/2027.json"
ctl calendar import "$TEST_TMP/2027.json" >/dev/null
for day in 2026-12-01 2027-01-04; do
  assert_exit 0 "status $day after the import" -- ctl --now "$(at "$day")" status
  assert_not_contains "$LAST_OUT" "WARNING" "$day: no warning once 2027 is imported"
  assert_eq "2027-12-31" "$(status_json "$day" | jfield calendar_until)" "$day: --json calendar_until"
  sweep_once "$day"
  assert_not_contains "$ONCE_LOG" "event=calendar" "$day: the sweep is silent"
done
assert_eq "false" "$(psql_q "SELECT duban.is_workday('2027-02-08')::text")" "the imported holiday counts"
dband_start --now "$(at 2026-12-01)"
wait_until 60 metric_is 395 || fail "duband_calendar_until_days never 395 (got '$(metric)')"
dband_stop

echo "calendar_runout: OK"
