# shellcheck shell=bash
# lib.sh — shared helpers for duban's integration tests (tests/integration/*.sh).
#
# Source it first:   . "$DUBAN_SOURCE/tests/harness/lib.sh"
# Needs DUBAN_BUILD (build dir with duband/dubanctl), DUBAN_PGENV (env.sh written by pg.sh start);
# DUBAN_SOURCE defaults to the checkout this file is in. Sets `set -euo pipefail`.
#
# Provides (see each function's comment):
#   TEST_NAME TEST_TMP                    test name and a private scratch dir (removed on success)
#   duban_test_db NAME                    (from env.sh) fresh database; exports PGDATABASE, DUBAN_DSN
#   fail MSG | assert_eq EXP ACT MSG | assert_contains HAY NEEDLE MSG | assert_not_contains ...
#   assert_exit CODE MSG -- CMD...        run CMD, expect exit status CODE
#   psql_q SQL                            psql -XAtq -v ON_ERROR_STOP=1 -c SQL (current PGDATABASE)
#   ctl ARGS... / dband ARGS...           run $DUBAN_BUILD/dubanctl / duband in the foreground
#   duban_config [section.key=value...]   write $TEST_TMP/duband.conf (dsn, free http port); exports
#                                         DUBAN_CONFIG, DUBAN_HTTP_PORT, DUBAN_HTTP_URL
#   dband_start ARGS... / dband_stop [PID] / dband_kill [PID]
#                                         background duband -f (DBAND_PID, DBAND_LOG)
#   receiver_start NAME [receiver.py options] / receiver_stop [NAME] / receiver_set JSON
#                                         exports RECEIVER_URL RECEIVER_PORT RECEIVER_LOG
#   received [received.py options]        query $RECEIVER_LOG (default --summary)
#   wait_until SECONDS CMD...             poll CMD every 0.2 s until it succeeds (1 on timeout)
#   wait_received N SECONDS [filters]     wait until ≥ N logged requests match the filters
#   free_port                             print a free 127.0.0.1 TCP port
#   on_exit CMD...                        run CMD at exit (LIFO); do not set your own EXIT trap
#   pg_private                            switch this test to its own PostgreSQL cluster
#   pg_restart / pg_halt / pg_resume      restart / stop / start that private cluster
#   pg_standby / pg_crash_primary / pg_promote_standby
#                                         a synchronous streaming standby of it; failover
set -euo pipefail

: "${DUBAN_BUILD:?DUBAN_BUILD must point at the build directory}"
: "${DUBAN_PGENV:?DUBAN_PGENV must point at env.sh of tests/harness/pg.sh start}"
DUBAN_SOURCE=${DUBAN_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export DUBAN_BUILD DUBAN_SOURCE DUBAN_PGENV
HARNESS=$DUBAN_SOURCE/tests/harness
[[ -r $DUBAN_PGENV ]] || { echo "lib.sh: $DUBAN_PGENV missing: is the pg fixture (pg.sh start) running?" >&2; exit 1; }
# shellcheck disable=SC1090
. "$DUBAN_PGENV"

TEST_NAME=$(basename "${0%.sh}")
TEST_TMP=$(mktemp -d "/tmp/duban-${TEST_NAME:0:20}.XXXXXX")
chmod 755 "$TEST_TMP"   # reachable by the postgres user (pg_private) and the daemon
export TEST_NAME TEST_TMP
# Tests must not pick up a developer's config or clock by accident.
unset DUBAN_CONFIG DUBAN_NOW

# The interpreter itself, not a version-manager shim (a shim costs ~0.25 s a call).
PYTHON=${PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
export PYTHON

# Seconds to wait for a helper process (receiver, server) to become ready: generous, because a
# loaded machine can be slow to start an interpreter; it only costs time when something is wrong.
DUBAN_START_WAIT=${DUBAN_START_WAIT:-120}

# ------------------------------------------------------------------ cleanup
_LIB_EXIT_CMDS=()
declare -A _LIB_RECEIVER_PIDS=()
_LIB_DBAND_PIDS=()
_LIB_DBAND_SEQ=0
_LIB_PG_PRIVATE=''

# on_exit CMD...: run CMD (one string, eval'd) at exit, last registered first.
on_exit() { _LIB_EXIT_CMDS+=("$*"); }

_lib_cleanup() {
  local rc=$? i pid log
  set +e
  for ((i = ${#_LIB_EXIT_CMDS[@]} - 1; i >= 0; i--)); do eval "${_LIB_EXIT_CMDS[i]}"; done
  for pid in "${_LIB_DBAND_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  for pid in "${_LIB_RECEIVER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  if [[ -n $_LIB_PG_PRIVATE ]]; then bash "$HARNESS/pg.sh" stop "$_LIB_PG_PRIVATE" >/dev/null 2>&1; fi
  for pid in "${_LIB_DBAND_PIDS[@]}" "${_LIB_RECEIVER_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  if [[ $rc -ne 0 ]]; then
    for log in "$TEST_TMP"/duband.*.log; do
      [[ -f $log ]] || continue
      echo "---- last lines of $log ----" >&2
      tail -n 30 "$log" >&2
    done
    echo "$TEST_NAME: FAILED (exit $rc); scratch kept in $TEST_TMP" >&2
  elif [[ ${KEEP_TMP:-0} == 1 ]]; then
    echo "$TEST_NAME: scratch kept in $TEST_TMP" >&2
  else
    rm -rf "$TEST_TMP"
  fi
  exit "$rc"
}
trap _lib_cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# ------------------------------------------------------------------ assertions
# fail MSG: print "FAIL: MSG" (with the caller's line) and exit 1.
fail() {
  echo "FAIL: $TEST_NAME:${BASH_LINENO[0]}: $*" >&2
  exit 1
}

# assert_eq EXPECTED ACTUAL MSG
assert_eq() {
  if [[ "$1" != "$2" ]]; then
    echo "FAIL: $TEST_NAME:${BASH_LINENO[0]}: ${3:-values differ}" >&2
    echo "  expected: $1" >&2
    echo "  actual:   $2" >&2
    exit 1
  fi
}

# assert_contains HAYSTACK NEEDLE MSG (fixed string)
assert_contains() {
  if [[ "$1" != *"$2"* ]]; then
    echo "FAIL: $TEST_NAME:${BASH_LINENO[0]}: ${3:-needle not found}" >&2
    echo "  looked for: $2" >&2
    echo "  in:         ${1:0:2000}" >&2
    exit 1
  fi
}

# assert_not_contains HAYSTACK NEEDLE MSG (fixed string)
assert_not_contains() {
  if [[ "$1" == *"$2"* ]]; then
    echo "FAIL: $TEST_NAME:${BASH_LINENO[0]}: ${3:-unexpected text found}" >&2
    echo "  found: $2" >&2
    echo "  in:    ${1:0:2000}" >&2
    exit 1
  fi
}

# assert_exit CODE MSG -- CMD...: run CMD (its output goes to $TEST_TMP/last.out/.err and is
# available as $LAST_OUT / $LAST_ERR) and expect exit status CODE.
assert_exit() {
  local want=$1 msg=$2 rc=0
  shift 2
  [[ ${1:-} == -- ]] && shift
  "$@" >"$TEST_TMP/last.out" 2>"$TEST_TMP/last.err" || rc=$?
  LAST_OUT=$(cat "$TEST_TMP/last.out")
  LAST_ERR=$(cat "$TEST_TMP/last.err")
  if [[ $rc -ne $want ]]; then
    echo "FAIL: $TEST_NAME:${BASH_LINENO[0]}: $msg: exit $rc, expected $want: $*" >&2
    echo "  stdout: ${LAST_OUT:0:2000}" >&2
    echo "  stderr: ${LAST_ERR:0:2000}" >&2
    exit 1
  fi
}

# ------------------------------------------------------------------ database and programs
# psql_q SQL: run SQL in $PGDATABASE, unaligned tuples only.
psql_q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

ctl() { "$DUBAN_BUILD/dubanctl" "$@"; }
dband() { "$DUBAN_BUILD/duband" "$@"; }

# free_port: print a TCP port that is free on 127.0.0.1 right now, outside the ports the test
# PostgreSQL clusters take (pg.sh counts up from $DUBAN_PG_FIRST_PORT, default 55432): a private
# cluster restarted by pg_restart must find its port free again.
free_port() {
  "$PYTHON" - "${DUBAN_PG_FIRST_PORT:-55432}" <<'PY'
import socket, sys
first = int(sys.argv[1])
avoid = set(range(first, first + 100)) | set(range(55432, 55532))
held = []
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    if port not in avoid:
        print(port)
        break
    held.append(s)   # keep it bound so that the next bind gets another port
PY
}

# duban_config [section.key=value ...]: write $TEST_TMP/duband.conf with database.dsn=$DUBAN_DSN,
# http.listen=127.0.0.1:<free port>, delivery.timeout=60 and the given settings (which may
# override those three), and export DUBAN_CONFIG (read by both programs), DUBAN_HTTP_PORT,
# DUBAN_HTTP_URL. The long request timeout: on a loaded machine the receiver may take more than
# the default 10 s to answer, which would count a retry the test did not mean to provoke.
duban_config() {
  local f=$TEST_TMP/duband.conf kv sec key val port
  local -A vals=()
  local -a order=()
  port=$(free_port)
  vals[database.dsn]=${DUBAN_DSN:?call duban_test_db first}; order+=(database.dsn)
  vals[http.listen]=127.0.0.1:$port; order+=(http.listen)
  vals[delivery.timeout]=60; order+=(delivery.timeout)
  for kv in "$@"; do
    key=${kv%%=*}
    val=${kv#*=}
    [[ $key == *.* && $kv == *=* ]] || fail "duban_config: want section.key=value, got '$kv'"
    [[ -v "vals[$key]" ]] || order+=("$key")
    vals[$key]=$val
  done
  : >"$f"
  local -A done_sec=()
  for kv in "${order[@]}"; do
    sec=${kv%%.*}
    [[ -v "done_sec[$sec]" ]] && continue
    done_sec[$sec]=1
    printf '[%s]\n' "$sec" >>"$f"
    for key in "${order[@]}"; do
      [[ ${key%%.*} == "$sec" ]] && printf '%s = %s\n' "${key#*.}" "${vals[$key]}" >>"$f"
    done
    printf '\n' >>"$f"
  done
  export DUBAN_CONFIG=$f
  DUBAN_HTTP_PORT=${vals[http.listen]##*:}
  export DUBAN_HTTP_PORT DUBAN_HTTP_URL="http://127.0.0.1:$DUBAN_HTTP_PORT"
}

# dband_start ARGS...: start `duband -f ARGS...` in the background (call it directly, not in $(...)).
# Sets DBAND_PID and DBAND_LOG ($TEST_TMP/duband.N.log, stdout+stderr). Stopped at exit.
dband_start() {
  _LIB_DBAND_SEQ=$((_LIB_DBAND_SEQ + 1))
  DBAND_LOG=$TEST_TMP/duband.$_LIB_DBAND_SEQ.log
  "$DUBAN_BUILD/duband" -f "$@" >>"$DBAND_LOG" 2>&1 &
  DBAND_PID=$!
  _LIB_DBAND_PIDS+=("$DBAND_PID")
  export DBAND_PID DBAND_LOG
}

# dband_stop [PID] [SECONDS]: SIGTERM the daemon (default $DBAND_PID), wait for it (default 60 s,
# then SIGKILL and fail); sets DBAND_RC to its exit status and returns 0.
dband_stop() {
  local pid=${1:-$DBAND_PID} secs=${2:-60} end
  kill -TERM "$pid" 2>/dev/null || true
  end=$(($(_lib_ms) + secs * 1000))
  while kill -0 "$pid" 2>/dev/null && (($(_lib_ms) < end)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    fail "duband $pid did not exit within $secs s of SIGTERM"
  fi
  DBAND_RC=0
  wait "$pid" 2>/dev/null || DBAND_RC=$?
  export DBAND_RC
}

# dband_kill [PID]: kill -9 the daemon (default $DBAND_PID) and reap it.
dband_kill() {
  local pid=${1:-$DBAND_PID}
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# ------------------------------------------------------------------ webhook receiver
# receiver_start NAME [receiver.py options...]: start tests/harness/receiver.py on 127.0.0.1 on a
# free port, wait for READY, export RECEIVER_URL (http://127.0.0.1:PORT), RECEIVER_PORT,
# RECEIVER_LOG ($TEST_TMP/receiver.NAME.log) and RECEIVER_NAME. Several receivers may run; the
# variables describe the last one started. Stopped at exit.
receiver_start() {
  local name=${1:?usage: receiver_start NAME [options]} out pid port end
  shift
  out=$TEST_TMP/receiver.$name.out
  RECEIVER_LOG=$TEST_TMP/receiver.$name.log
  : >"$RECEIVER_LOG"
  # Create the out file here, not in the background shell: the loop below may read it before
  # that shell has run its redirection.
  : >"$out"
  "$PYTHON" "$HARNESS/receiver.py" --port 0 --log "$RECEIVER_LOG" "$@" >>"$out" 2>&1 &
  pid=$!
  _LIB_RECEIVER_PIDS[$name]=$pid
  port=''
  end=$(($(_lib_ms) + DUBAN_START_WAIT * 1000))
  while :; do
    port=$(sed -n 's/^READY \([0-9]*\)$/\1/p' "$out")
    [[ -n $port ]] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$out" >&2
      fail "receiver $name exited before printing READY <port> (output above)"
    fi
    if (($(_lib_ms) >= end)); then
      cat "$out" >&2
      fail "receiver $name did not print READY <port> into $out within $DUBAN_START_WAIT s"
    fi
    sleep 0.1
  done
  export RECEIVER_NAME=$name RECEIVER_PORT=$port RECEIVER_URL=http://127.0.0.1:$port RECEIVER_LOG
}

# receiver_stop [NAME]: stop receiver NAME (default: the last started).
receiver_stop() {
  local name=${1:-${RECEIVER_NAME:-}} pid
  pid=${_LIB_RECEIVER_PIDS[$name]:-}
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "_LIB_RECEIVER_PIDS[$name]"
}

# receiver_set JSON: change the running receiver's behaviour for one robot, e.g.
#   receiver_set '{"name":"u1","status":503}'   receiver_set '{"name":"u1","status":null}'
#   receiver_set '{"name":"wecom/u1","script":["500","200"],"reset":true}'
receiver_set() {
  curl -fsS -X POST -H 'Content-Type: application/json' --data "$1" "$RECEIVER_URL/_ctl/set" >/dev/null
}

# received [received.py options...]: query the last receiver's log (default: summary per path).
received() { "$PYTHON" "$HARNESS/received.py" "$RECEIVER_LOG" "$@"; }

# ------------------------------------------------------------------ waiting
# _lib_ms: milliseconds since the epoch, without a fork.
_lib_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((10#$t / 1000)); }

# wait_until SECONDS CMD...: run CMD every 0.2 s until it succeeds; returns 1 after SECONDS, and
# then says on stderr what it waited for. CMD's own output is discarded. Bounds only cost time
# when something is broken, so make them generous: the machine may be loaded.
#   wait_until 60 grep -q 'sweep done' "$DBAND_LOG" || fail "no sweep"
wait_until() {
  local secs=$1 end
  shift
  end=$(($(_lib_ms) + secs * 1000))
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if (($(_lib_ms) >= end)); then
      echo "wait_until: gave up after $secs s waiting for: $*" >&2
      return 1
    fi
    sleep 0.2
  done
}

_lib_received_at_least() { local n=$1; shift; (($(received --count "$@") >= n)); }

# wait_received N SECONDS [received.py filters]: wait until at least N matching requests arrived.
wait_received() {
  local n=$1 secs=$2
  shift 2
  wait_until "$secs" _lib_received_at_least "$n" "$@"
}

# ------------------------------------------------------------------ private PostgreSQL
# pg_private: start a PostgreSQL cluster of this test's own (under $TEST_TMP, stopped at exit) and
# switch PG*/duban_test_db to it. Needed before pg_restart/pg_halt: the shared cluster serves the
# tests running in parallel. Call duban_test_db (again) afterwards.
pg_private() {
  _LIB_PG_PRIVATE=$TEST_TMP/pg
  bash "$HARNESS/pg.sh" start "$_LIB_PG_PRIVATE" >/dev/null
  # shellcheck disable=SC1091
  . "$_LIB_PG_PRIVATE/env.sh"
}

_lib_need_private() {
  [[ -n $_LIB_PG_PRIVATE ]] || fail "$1 needs pg_private first (the shared cluster is in use by other tests)"
}

# pg_restart: stop (-m fast) and start the private cluster; same data, same port.
pg_restart() { _lib_need_private pg_restart; bash "$HARNESS/pg.sh" restart "$_LIB_PG_PRIVATE" >/dev/null; }
# pg_halt: stop the private cluster (fast), keeping its data; pg_resume starts it again (same port).
pg_halt() { _lib_need_private pg_halt; bash "$HARNESS/pg.sh" halt "$_LIB_PG_PRIVATE" >/dev/null; }
pg_resume() { _lib_need_private pg_resume; bash "$HARNESS/pg.sh" start "$_LIB_PG_PRIVATE" >/dev/null; }

# pg_standby: a synchronous streaming standby of the private cluster (pg.sh replica: pg_basebackup
# -R, as postgres), on the first free port from $DUBAN_PG_FIRST_PORT + 50; the primary commits
# only once the standby has the commit. Exports PRIMARY_HOST PRIMARY_PORT (the private cluster)
# and STANDBY_HOST STANDBY_PORT. Stopped at exit.
pg_standby() {
  _lib_need_private pg_standby
  _LIB_PG_STANDBY=$TEST_TMP/standby
  on_exit "bash '$HARNESS/pg.sh' stop '$_LIB_PG_STANDBY' >/dev/null 2>&1"
  DUBAN_PG_FIRST_PORT=$((${DUBAN_PG_FIRST_PORT:-55432} + 50)) \
    bash "$HARNESS/pg.sh" replica "$_LIB_PG_STANDBY" "$_LIB_PG_PRIVATE" >/dev/null
  export PRIMARY_HOST=$PGHOST PRIMARY_PORT=$PGPORT
  STANDBY_HOST=$(. "$_LIB_PG_STANDBY/env.sh"; echo "$PGHOST")
  STANDBY_PORT=$(. "$_LIB_PG_STANDBY/env.sh"; echo "$PGPORT")
  export STANDBY_HOST STANDBY_PORT
}
# pg_crash_primary: the private cluster fails (stop -m immediate, no shutdown checkpoint).
pg_crash_primary() { _lib_need_private pg_crash_primary; bash "$HARNESS/pg.sh" crash "$_LIB_PG_PRIVATE" >/dev/null; }
# pg_promote_standby: the standby becomes the primary; PGHOST/PGPORT (psql) now point at it.
pg_promote_standby() {
  bash "$HARNESS/pg.sh" promote "${_LIB_PG_STANDBY:?pg_standby first}" >/dev/null
  export PGHOST=$STANDBY_HOST PGPORT=$STANDBY_PORT
}
