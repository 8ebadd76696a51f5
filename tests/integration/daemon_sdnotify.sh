#!/usr/bin/env bash
# daemon_sdnotify.sh — duband's systemd protocol, seen through a stand-in $NOTIFY_SOCKET: no
# READY=1 when the schema check fails; READY=1 once connected and checked, STATUS= lines,
# WATCHDOG=1 keep-alives at half of $WATCHDOG_USEC, RELOADING=1 then READY=1 on SIGHUP,
# STOPPING=1 on SIGTERM. Also checks the shipped unit file with systemd-analyze when present.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

NOW=2026-03-09T09:00:00+08:00
duban_test_db t_daemon_sdnotify
duban_config daemon.poll_interval=3600

SOCK=$TEST_TMP/notify.sock
MSGS=$TEST_TMP/notify.log
: >"$MSGS"
"$PYTHON" - "$SOCK" "$MSGS" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        data = s.recv(65536).decode()
        for line in data.split("\n"):
            out.write(line + "\n")
        out.flush()
PY
listener=$!
on_exit "kill $listener 2>/dev/null"
wait_until 60 test -S "$SOCK" || fail "notify listener did not start"
export NOTIFY_SOCKET=$SOCK

# Schema not migrated: refused before READY.
assert_exit 78 "unmigrated schema" -- dband --now "$NOW"
if grep -q '^READY=1' "$MSGS"; then fail "READY=1 sent although the schema check failed"; fi

ctl migrate >/dev/null
: >"$MSGS"
export WATCHDOG_USEC=1000000      # keep-alives every 0.5 s
dband_start --now "$NOW"
sent() { grep -q "^$1" "$MSGS"; }
wait_until 60 sent 'READY=1' || fail "no READY=1: $(cat "$MSGS")"
wait_until 60 sent 'STATUS=connected' || fail "no STATUS=connected line"
watchdogs() { (($(grep -c '^WATCHDOG=1' "$MSGS") >= 3)); }
wait_until 60 watchdogs || fail "fewer than 3 WATCHDOG=1 keep-alives"
first_ready=$(grep -n '^READY=1' "$MSGS" | head -1 | cut -d: -f1)
first_status=$(grep -n '^STATUS=' "$MSGS" | head -1 | cut -d: -f1)
((first_status < first_ready)) || fail "expected a STATUS line (starting) before READY=1"

kill -HUP "$DBAND_PID"
reloaded() { grep -q '^RELOADING=1' "$MSGS" && (($(grep -c '^READY=1' "$MSGS") >= 2)); }
wait_until 60 reloaded || fail "SIGHUP: no RELOADING=1 then READY=1: $(cat "$MSGS")"
relo=$(grep -n '^RELOADING=1' "$MSGS" | head -1 | cut -d: -f1)
second_ready=$(grep -n '^READY=1' "$MSGS" | sed -n 2p | cut -d: -f1)
((relo < second_ready)) || fail "READY=1 must follow RELOADING=1"
assert_contains "$(cat "$MSGS")" "MONOTONIC_USEC=" "RELOADING=1 carries MONOTONIC_USEC"

dband_stop
assert_eq 0 "$DBAND_RC" "SIGTERM: exit 0"
# the datagram was sent before the daemon exited, but the listener may not have written it yet
wait_until 60 sent 'STOPPING=1' || fail "no STOPPING=1 on SIGTERM: $(cat "$MSGS")"
unset NOTIFY_SOCKET WATCHDOG_USEC

# The unit file, when systemd-analyze can check it (it wants ExecStart's binary to exist).
if command -v systemd-analyze >/dev/null && [[ -x /usr/bin/duband ]]; then
  out=$(systemd-analyze verify "$DUBAN_SOURCE/systemd/duband.service" 2>&1) || fail "verify: $out"
  assert_eq "" "$out" "systemd-analyze verify is clean"
fi
unit=$(cat "$DUBAN_SOURCE/systemd/duband.service")
for key in Type=notify WatchdogSec= ExecReload= NoNewPrivileges=yes ProtectSystem=strict \
           PrivateTmp=yes TimeoutStopSec=15 Restart=on-failure; do
  assert_contains "$unit" "$key" "unit file has $key"
done
echo "daemon_sdnotify: ok"
