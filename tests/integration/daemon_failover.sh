#!/usr/bin/env bash
# daemon_failover.sh — PostgreSQL failover (SPEC §9): a primary and a synchronous streaming
# standby started by the harness; the DSN lists both with target_session_attrs=read-write. A
# server that is up but read-only counts as down (dubanctl and duband refuse the standby alone
# and skip it when it comes first). The primary fails in the middle of a delivery storm, the
# standby is promoted, and the daemon finds it: every notice is delivered, none twice, none
# made twice.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

pg_private
pg_standby
DB=t_daemon_failover
duban_test_db "$DB"
conn() { # conn HOST... : a conninfo over the given "socket-dir:port" servers, read-write only
  local hosts='' ports='' hp
  for hp in "$@"; do hosts+=${hosts:+,}${hp%:*}; ports+=${ports:+,}${hp##*:}; done
  printf 'host=%s port=%s user=postgres dbname=%s target_session_attrs=read-write connect_timeout=5' \
    "$hosts" "$ports" "$DB"
}
P=$PRIMARY_HOST:$PRIMARY_PORT
S=$STANDBY_HOST:$STANDBY_PORT
DSN=$(conn "$P" "$S")
assert_exit 0 "migrate through the multi-host DSN" -- ctl --dsn "$DSN" migrate

# ---------------------------------------------------------------- a read-only server is down
assert_eq on "$(psql -XAtq -h "$STANDBY_HOST" -p "$STANDBY_PORT" -d "$DB" -c 'SHOW transaction_read_only')" \
  "the standby is read-only"
assert_exit 69 "dubanctl against the standby alone" -- ctl --dsn "$(conn "$S")" status
assert_exit 69 "duband --once against the standby alone" -- \
  timeout 60 "$DUBAN_BUILD/duband" --once --dsn "$(conn "$S")"
assert_exit 0 "dubanctl skips the read-only standby listed first" -- ctl --dsn "$(conn "$S" "$P")" status

# ---------------------------------------------------------------- the ledger: a storm ready
# 100 units with a JSON channel each (one path, so that one --delay slows them all) and 20 late
# problems each; the supervise notices are made outside the delivery window, before the storm.
cd "$TEST_TMP"
{ echo 'code,name,kind'; echo 'SV,区生态环境分局,department'
  for u in $(seq -w 1 100); do echo "U$u,镇$u,town"; done; } >units.csv
{ echo 'unit,kind,url'
  for u in $(seq -w 1 100); do echo "U$u,json,http://127.0.0.1:PORT/json/storm?u=$u"; done; } >channels.csv
{ echo 'ref,level,title,unit,supervisors,deadline'
  for u in $(seq -w 1 100); do for i in $(seq -w 1 20); do
    echo "P$u-$i,district,问题 $u-$i,U$u,SV,2026-02-27"; done; done; } >ledger.csv
receiver_start storm --delay storm=1   # ~12 s of storm at concurrency 8: the crash lands inside it even on a loaded machine
sed -i "s/PORT/$RECEIVER_PORT/" channels.csv
export DUBAN_DSN=$DSN
duban_config delivery.concurrency=2 log.level=debug daemon.poll_interval=3600
ctl unit import units.csv >/dev/null
ctl channel import channels.csv >/dev/null
ctl --now 2026-03-01T09:00:00+08:00 problem import ledger.csv >/dev/null
assert_exit 0 "the sweep that makes the notices (before the window opens)" -- \
  dband --once --now 2026-03-09T07:00:00+08:00
TOTAL=$(psql_q "SELECT count(*) FROM duban.notices")
((TOTAL >= 2000)) || fail "expected at least 2000 notices, found $TOTAL"
assert_eq 0 "$(received --count)" "nothing sent outside the window"

# ---------------------------------------------------------------- the storm and the failover
dband_start --now 2026-03-09T09:00:00+08:00
received_at_least() { (($(received --count) >= $1)); }
wait_until 300 received_at_least 30 || fail "the storm did not start: $(received --count) requests"
pg_crash_primary
BEFORE=$(received --count)
pg_promote_standby
assert_eq off "$(psql_q 'SHOW transaction_read_only')" "the standby is the primary now"
all_sent() { [[ $(psql_q "SELECT count(*) FROM duban.notices WHERE status = 'sent'") == "$TOTAL" ]]; }
wait_until 300 all_sent || fail "not everything delivered after the failover: $(psql_q \
  "SELECT status || ' ' || count(*) FROM duban.notices GROUP BY status")"
kill -0 "$DBAND_PID" || fail "duband died in the failover"
dband_stop
assert_eq 0 "$DBAND_RC" "duband exits 0"

# ---------------------------------------------------------------- nothing lost, nothing twice
((BEFORE < 100)) || fail "the primary failed after the storm, not during it ($BEFORE requests)"
assert_eq "$TOTAL" "$(psql_q "SELECT count(*) FROM duban.notices")" "no notice made twice"
assert_eq "$TOTAL" "$(received --ok --ids | sort -u | wc -l)" "every notice delivered"
assert_eq "" "$(received --ok --ids | sort | uniq -d | head -n 5)" "none delivered twice"
connects=$(grep -c 'event=connect ok=1' "$DBAND_LOG" || true)
((connects >= 2)) || fail "duband did not reconnect ($connects connections logged)"
assert_contains "$(cat "$DBAND_LOG")" "event=disconnect" "the lost primary was logged"
echo "failover: $TOTAL notices in $(received --count) messages, $BEFORE before the primary failed"
