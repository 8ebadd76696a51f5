#!/usr/bin/env bash
# daemon_pg_restart.sh — the database goes away under a running duband: after a PostgreSQL
# restart the daemon reconnects (back-off), checks the schema, LISTENs again and carries on
# (a NOTIFY from dubanctl is acted upon, new notices are delivered); while the database is down
# it keeps running, /healthz answers 503, and once it is back /healthz is 200 again.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

NOW=2026-03-09T09:00:00+08:00
pg_private
duban_test_db t_daemon_pg_restart
# A long poll interval: only NOTIFY duban_wake and the reconnect can trigger these sweeps.
duban_config daemon.poll_interval=3600 log.level=debug
ctl migrate >/dev/null
receiver_start pgr

ctl unit add sv '区水利局' --kind department >/dev/null
ctl unit add u1 '东城镇' --kind town >/dev/null
ctl channel add u1 --kind json --url "$RECEIVER_URL/json/u1" >/dev/null
add() { # add REF: a problem already late (its supervise goes to u1 at the next sweep)
  ctl --now "$NOW" problem add --ref "$1" --title "问题 $1" --level district --unit u1 \
    --supervisors sv --deadline 2026-03-01 >/dev/null
}
healthz() { curl -s -o /dev/null -w '%{http_code}' "$DUBAN_HTTP_URL/healthz" || true; }
healthy() { [[ $(healthz) == 200 ]]; }
unhealthy() { [[ $(healthz) == 503 ]]; }
got_ref() { received --path /json/u1 --notices | grep -q "\"problem\": \"$1\""; }
count() { grep -c "$1" "$DBAND_LOG" || true; }

add P1
dband_start --now "$NOW"
wait_until 60 healthy || fail "/healthz never 200 (code $(healthz))"
wait_until 60 got_ref P1 || fail "P1 not delivered"
assert_eq 1 "$(count 'event=ready')" "ready once"

# ---------------------------------------------------------------- restart under the daemon
pg_restart
wait_until 60 grep -q 'event=disconnect' "$DBAND_LOG" || fail "the loss was not noticed"
ready_twice() { (($(count 'event=ready') >= 2)); }
wait_until 120 ready_twice || fail "no reconnect after the restart"
wait_until 60 healthy || fail "/healthz not 200 after the reconnect"
kill -0 "$DBAND_PID" || fail "duband died with the database"

add P2    # dubanctl commits with NOTIFY duban_wake: the new LISTEN must hear it
wait_until 60 got_ref P2 || fail "P2 not delivered after the reconnect (LISTEN lost?)"

# ---------------------------------------------------------------- a longer outage
pg_halt
wait_until 60 unhealthy || fail "/healthz still $(healthz) with the database down"
kill -0 "$DBAND_PID" || fail "duband exited while the database was down"
metrics=$(curl -s "$DUBAN_HTTP_URL/metrics")
assert_contains "$metrics" "duband_db_connected 0" "metrics show the database away"
assert_contains "$metrics" "duband_up 1" "metrics still served"
pg_resume
ready_thrice() { (($(count 'event=ready') >= 3)); }
wait_until 120 ready_thrice || fail "no reconnect after the outage"
wait_until 60 healthy || fail "/healthz not 200 after the outage"
add P3
wait_until 60 got_ref P3 || fail "P3 not delivered after the outage"

metrics=$(curl -s "$DUBAN_HTTP_URL/metrics")
assert_contains "$metrics" "duband_db_connected 1" "connected again"
connects=$(sed -n 's/^duband_db_connects_total \([0-9]*\)$/\1/p' <<<"$metrics")
((connects >= 3)) || fail "duband_db_connects_total is $connects, expected at least 3"
assert_eq "" "$(received --ids | sort | uniq -d)" "nothing delivered twice across the outages"
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.notices WHERE status <> 'sent'")" "all sent"
dband_stop
assert_eq 0 "$DBAND_RC" "SIGTERM: exit 0"
echo "daemon_pg_restart: ok"
