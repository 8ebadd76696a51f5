#!/usr/bin/env bash
# web_public.sh — dubanweb's public page under load (not a test; prints numbers).
#
# Starts its own PostgreSQL (tests/harness/pg.sh), a ledger of PROBLEMS problems of which 200 are
# in publicity and the rest closed across the last two years, and dubanweb (Release build in
# build-bench/, or --build DIR); then, with Apache's `ab` (Debian apache2-utils):
#   (1) GET / on web.public_listen: N requests, C concurrent, keep-alive → requests/s, twice:
#       plain, and with `Accept-Encoding: gzip` as every browser sends (the gzip page is made
#       once per render, not per request)
#   (2) during each burst a console user reads the ledger (GET /api/problems, 1 at a time)
#       → the console's median latency with and without the burst
#   (3) dubanweb's own CPU time per public request (from /proc): what one core sustains, a
#       figure that does not depend on what else the machine is doing
#
#   bench/web_public.sh [--build DIR] [-n N] [-c C] [--problems P] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$ROOT/build-bench N=50000 C=50 PROBLEMS=100000 KEEP=0 DO_BUILD=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) BUILD=${2:?}; DO_BUILD=0; shift ;;
    -n) N=${2:?}; shift ;;
    -c) C=${2:?}; shift ;;
    --problems) PROBLEMS=${2:?}; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "web_public.sh: unknown option $1" >&2; exit 64 ;;
  esac
  shift
done
command -v ab >/dev/null || { echo "web_public.sh: needs ab (apt-get install apache2-utils)" >&2; exit 69; }
if [[ $DO_BUILD == 1 ]]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j2 --target dubanweb dubanctl >/dev/null
fi
WORK=$(mktemp -d /tmp/duban-webbench.XXXXXX)
chmod 755 "$WORK"
WEB_PID=''
cleanup() {
  [[ -n $WEB_PID ]] && kill "$WEB_PID" 2>/dev/null && wait "$WEB_PID" 2>/dev/null
  if [[ $KEEP == 0 ]]; then
    bash tests/harness/pg.sh stop "$WORK/pg" >/dev/null 2>&1 || true
    rm -rf "$WORK"
  else
    echo "kept $WORK (PostgreSQL still running: bash tests/harness/pg.sh stop $WORK/pg)"
  fi
}
trap cleanup EXIT
bash tests/harness/pg.sh start "$WORK/pg" >/dev/null
# shellcheck disable=SC1091
. "$WORK/pg/env.sh"
duban_test_db webbench
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port) PPORT=$(free_port)
cat >"$WORK/duband.conf" <<CONF
[database]
dsn = $DUBAN_DSN
[web]
listen = 127.0.0.1:$PORT
public_listen = 127.0.0.1:$PPORT
objection_contact = 区整改办 0571-12345678
CONF
export DUBAN_CONFIG=$WORK/duband.conf
NOW=2026-03-09T09:00:00+08:00
"$BUILD/dubanctl" migrate >/dev/null
"$BUILD/dubanctl" unit add XJ 新街镇 --kind town >/dev/null
"$BUILD/dubanctl" unit add SLJ 区水利局 --kind department >/dev/null
psql -XAtq -v ON_ERROR_STOP=1 <<SQL
SET duban.now = '$NOW';
INSERT INTO duban.problems (ref, level, title, unit_id, supervisor_ids, deadline, status, applied_on, accepted_on, closed_on)
SELECT 'P-' || g, 'district', '问题 ' || g || ' 河道垃圾清理', 1, ARRAY[2], date '2026-01-31',
       CASE WHEN g <= 200 THEN 'publicizing' ELSE 'closed' END,
       date '2026-01-20', CASE WHEN g <= 200 THEN date '2026-03-05' ELSE date '2026-01-25' END,
       CASE WHEN g <= 200 THEN NULL ELSE date '2026-03-01' - (g % 700) END
  FROM generate_series(1, $PROBLEMS) g;
ANALYZE duban.problems;
SQL
echo "correct-horse-1" | "$BUILD/dubanctl" user add clerk --role office --password-stdin >/dev/null
"$BUILD/dubanweb" --now "$NOW" >"$WORK/web.log" 2>&1 &
WEB_PID=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$PPORT/" && break; sleep 0.2; done
curl -sf -o /dev/null "http://127.0.0.1:$PPORT/" || { cat "$WORK/web.log"; exit 1; }
curl -s -c "$WORK/jar" -o /dev/null --data-urlencode user=clerk --data-urlencode password=correct-horse-1 "http://127.0.0.1:$PORT/login"
COOKIE=$(awk '$6 == "duban_session" {print $6 "=" $7}' "$WORK/jar")
SIZE=$(curl -s "http://127.0.0.1:$PPORT/" | wc -c)

console_median() {  # median ms of 50 sequential GET /api/problems?limit=50
  ab -q -n 50 -c 1 -C "$COOKIE" "http://127.0.0.1:$PORT/api/problems?limit=50&status=closed" 2>/dev/null |
    awk '/^ *50%/ {print $2}'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$WEB_PID/stat"; }
hz=$(getconf CLK_TCK)
# burst NAME [ab options]: N public requests, C concurrent, keep-alive, with the console's
# median measured during it; sets RPS FAILED P99 US (dubanweb's CPU µs per public request,
# including the 50 console requests: a bound from above) BUSY BYTES
burst() {
  local name=$1 t0 t1 ab_pid
  shift
  t0=$(cpu_ticks)
  ab -q -k -n "$N" -c "$C" "$@" "http://127.0.0.1:$PPORT/" >"$WORK/ab.$name.txt" 2>&1 &
  ab_pid=$!
  sleep 1
  BUSY=$(console_median)
  wait "$ab_pid"
  t1=$(cpu_ticks)
  US=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v n="$N" 'BEGIN {printf "%.0f", t / hz * 1e6 / n}')
  RPS=$(awk '/^Requests per second/ {print $4}' "$WORK/ab.$name.txt")
  FAILED=$(awk '/^Failed requests/ {print $3}' "$WORK/ab.$name.txt")
  P99=$(awk '/^ *99%/ {print $2}' "$WORK/ab.$name.txt")
  BYTES=$(awk '/^Document Length/ {print $3}' "$WORK/ab.$name.txt")
}
per_core() { awk -v us="$1" 'BEGIN {printf "%.0f", (us > 0 ? 1e6 / us : 0)}'; }
load=$(cut -d' ' -f1 /proc/loadavg)
quiet=$(console_median)
burst plain
plain_row="| public GET / plain ($BYTES bytes; requests/s, $C concurrent, keep-alive) | ≥ 2,000 | $RPS (failed: $FAILED, 99th percentile $P99 ms) |"
plain_cpu="| dubanweb CPU per plain request (→ requests/s per core) | — | $US µs (→ $(per_core "$US")/s) |"
plain_busy=$BUSY
burst gzip -H 'Accept-Encoding: gzip, deflate, br'
echo "public page: $SIZE bytes ($BYTES gzip); $PROBLEMS problems (200 in publicity); ab -n $N -c $C -k; load average at start $load"
echo
echo "| metric | target | measured |"
echo "| --- | --- | --- |"
echo "$plain_row"
echo "$plain_cpu"
echo "| public GET / gzip, as browsers ask ($BYTES bytes; requests/s) | ≥ 2,000 | $RPS (failed: $FAILED, 99th percentile $P99 ms) |"
echo "| dubanweb CPU per gzip request (→ requests/s per core) | — | $US µs (→ $(per_core "$US")/s) |"
echo "| console GET /api/problems median, alone | — | $quiet ms |"
echo "| console GET /api/problems median, during the plain / gzip burst | not slowed | $plain_busy / $BUSY ms |"
