#!/usr/bin/env bash
# delivery.sh — duban's delivery side by side with Prometheus Alertmanager (issue 9, item 5): not
# a test, it prints numbers. Both deliver N messages, one to each of N distinct destinations,
# to the same loopback nginx (200 {} to every POST), in the same run on the same machine:
#   duban        N units with one `json` channel each and one pending notice per channel;
#                `duband --once` delivers them at its configured concurrency.
#   Alertmanager N receivers (one webhook each, routed by a `dest` label, group_wait 0s);
#                N alerts posted to /api/v2/alerts in one request.
# For each: messages/s from the first to the last request nginx logged, the whole run's wall
# time, peak RSS, CPU seconds of the program and CPU seconds of PostgreSQL meanwhile (duban only:
# Alertmanager keeps its state in memory). Prints a Markdown table.
#
#   bench/delivery.sh [--n "1000 5000"] [--per K] [--concurrency C] [--build DIR | --no-build] [--keep]
#     --n LIST          destination counts to measure (default "1000 5000")
#     --per K           K pending notices per channel (a backlog of N × K; default 1): duban
#                       only, Alertmanager is not run (it has no outbox to drain)
#     --concurrency C   duband's delivery.concurrency (default: the program's default)
#     --build DIR       use duband/dubanctl in DIR (default: build them Release in build-bench)
#     --no-build        use build-bench as it is
#     --keep            keep the work directory and PostgreSQL afterwards
# Needs: nginx (nginx-light), prometheus-alertmanager, time (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

NS="1000 5000" PER=1 CONC='' BUILD='' DO_BUILD=1 KEEP=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --n) NS=${2:?}; shift ;;
    --concurrency) CONC=${2:?}; shift ;;
    --per) PER=${2:?}; shift ;;
    --build) BUILD=${2:?}; DO_BUILD=0; shift ;;
    --no-build) DO_BUILD=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "delivery.sh: unknown option $1" >&2; exit 64 ;;
  esac
  shift
done
BUILD=${BUILD:-$ROOT/build-bench}
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
DAY=2026-06-16 OFF=+08:00   # a Tuesday without reporting duties: only the bench's notices go out
WORK=$(mktemp -d /tmp/duban-delivery.XXXXXX)
chmod 755 "$WORK"
PGDIR=$WORK/pg NGX=$WORK/nginx
PY=$(python3 -c 'import sys; print(sys.executable)')

say() { printf '== %s\n' "$*" >&2; }
die() { echo "delivery.sh: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

NGX_PID='' AM_PID=''
cleanup() {
  local rc=$?
  set +e
  [[ -n $AM_PID ]] && { kill "$AM_PID" 2>/dev/null; wait "$AM_PID" 2>/dev/null; }
  [[ -n $NGX_PID ]] && { kill -QUIT "$NGX_PID" 2>/dev/null; wait "$NGX_PID" 2>/dev/null; }
  if [[ $KEEP == 0 ]]; then
    bash "$ROOT/tests/harness/pg.sh" stop "$PGDIR" >/dev/null 2>&1
    [[ $rc -eq 0 ]] && rm -rf "$WORK"
  fi
  [[ $rc -ne 0 || $KEEP == 1 ]] && echo "delivery.sh: work directory $WORK" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || { echo "delivery.sh: apt-get install nginx-light" >&2; exit 69; }
AM=$(command -v prometheus-alertmanager || true)
[[ -n $AM ]] || { echo "delivery.sh: apt-get install prometheus-alertmanager" >&2; exit 69; }
[[ -x /usr/bin/time ]] || { echo "delivery.sh: apt-get install time" >&2; exit 69; }

if [[ $DO_BUILD == 1 ]]; then
  say "building (Release) in $BUILD"
  { cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release && cmake --build "$BUILD" -j 2; } >"$WORK/build.log" 2>&1 \
    || { tail -n 30 "$WORK/build.log" >&2; die "build failed"; }
fi
CTL=$BUILD/dubanctl DUBAND=$BUILD/duband
[[ -x $CTL && -x $DUBAND ]] || die "no dubanctl/duband in $BUILD"

# ------------------------------------------------------------------ the sink
mkdir -p "$NGX/tmp" "$NGX/logs"
NGX_PORT=$(free_port)
cat >"$NGX/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
events { worker_connections 8192; }
http {
  client_body_temp_path $NGX/tmp/body;
  proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fastcgi;
  uwsgi_temp_path $NGX/tmp/uwsgi;
  scgi_temp_path $NGX/tmp/scgi;
  client_body_buffer_size 64k;
  keepalive_requests 1000000;
  log_format bench '\$msec \$status \$uri';
  access_log $NGX/logs/access.log bench;
  server {
    listen 127.0.0.1:$NGX_PORT backlog=8192;
    location / { default_type application/json; return 200 '{}'; }
  }
}
EOF
"$NGINX" -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" >"$NGX/logs/stdout.log" 2>&1 &
NGX_PID=$!
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null -X POST --data '{}' "http://127.0.0.1:$NGX_PORT/probe" 2>/dev/null && break
  kill -0 "$NGX_PID" 2>/dev/null || die "nginx did not start: $(cat "$NGX/logs/error.log")"
  sleep 0.1
done
SINK=http://127.0.0.1:$NGX_PORT

# requests PREFIX: "count first→last-seconds" of the requests whose path starts with PREFIX.
requests() {
  awk -v p="$1" 'index($3, p) == 1 { n++; if (n == 1 || $1 < a) a = $1; if ($1 > b) b = $1 }
                 END { printf "%d %.3f\n", n, (n > 1) ? b - a : 0 }' "$NGX/logs/access.log"
}
# wait_requests PREFIX N: until nginx logged N requests under PREFIX (bounded: 10 minutes).
wait_requests() {
  local i
  for ((i = 0; i < 6000; i++)); do
    [[ $(requests "$1" | cut -d' ' -f1) -ge $2 ]] && return 0
    sleep 0.1
  done
  die "only $(requests "$1" | cut -d' ' -f1) of $2 requests under $1 arrived within 10 minutes"
}
# cpu_ticks PID...: utime+stime+cutime+cstime of these processes, in clock ticks.
cpu_ticks() {
  local p t=0
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] || continue
    t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13 + $14 + $15}')))
  done
  echo "$t"
}
pg_ticks() {
  local pm
  pm=$(head -n 1 "$PGDIR/data/postmaster.pid")
  # shellcheck disable=SC2046
  cpu_ticks "$pm" $(pgrep -P "$pm" || true)
}
HZ=$(getconf CLK_TCK)
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (n > 1 && s > 0) printf "%.0f", (n - 1) / s; else print "n/a" }'; }
secs() { awk -v t="$1" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }'; }

# ------------------------------------------------------------------ PostgreSQL
say "starting PostgreSQL ($PGDIR)"
bash tests/harness/pg.sh start "$PGDIR" >/dev/null
# shellcheck disable=SC1091
. "$PGDIR/env.sh"
# Durable commits, as in production (the test harness turns them off for speed).
psql -XAtq -d postgres -c "ALTER SYSTEM SET synchronous_commit = on" -c "ALTER SYSTEM SET fsync = on" \
  -c "SELECT pg_reload_conf()" >/dev/null

# duban_run N: one fresh database with N channels and a pending notice on each; delivers them.
duban_run() {
  local n=$1 db=bench_delivery_$1 t0 t1 c0 c1 sent
  psql -XAtq -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" \
    -c "CREATE DATABASE $db" >/dev/null
  export PGDATABASE=$db
  export DUBAN_CONFIG=$WORK/duban-$n.conf
  {
    printf '[database]\ndsn = host=%s port=%s user=postgres dbname=%s\n' "$PGHOST" "$PGPORT" "$db"
    printf '[http]\nlisten =\n[log]\nlevel = info\n'
    [[ -n $CONC ]] && printf '[delivery]\nconcurrency = %s\n' "$CONC"
  } >"$DUBAN_CONFIG"
  "$CTL" migrate >/dev/null
  "$PY" - "$WORK/units-$n.csv" "$WORK/channels-$n.csv" "$n" "$SINK" <<'EOF'
import sys
units, channels, n, sink = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(units, "w") as u, open(channels, "w") as c:
    u.write("code,name,kind,parent\nOFFICE,整改办,office,\n")
    c.write("unit,kind,url,secret,mention,rate\n")
    for i in range(1, n + 1):
        u.write(f"D{i:05d},部门{i},department,\n")
        c.write(f"D{i:05d},json,{sink}/duban/D{i:05d},,,\n")
EOF
  "$CTL" --now "${DAY}T08:00:00$OFF" unit import "$WORK/units-$n.csv" >/dev/null
  "$CTL" --now "${DAY}T08:00:00$OFF" channel import "$WORK/channels-$n.csv" >/dev/null
  psql -XAtq -v ON_ERROR_STOP=1 -c "
    INSERT INTO duban.notices (key, type, unit_id, channel_id, payload, created_at, next_attempt_at)
    SELECT 'bench:' || c.id || ':' || k, 'test', c.unit_id, c.id,
           jsonb_build_object('type', 'test', 'unit', u.code, 'text', '【测试】bench ' || u.code),
           '${DAY}T08:59:00$OFF', '${DAY}T08:59:00$OFF'
      FROM duban.channels c JOIN duban.units u ON u.id = c.unit_id
     CROSS JOIN generate_series(1, $PER) k" >/dev/null
  psql -XAtq -c "VACUUM ANALYZE" >/dev/null
  c0=$(pg_ticks)
  t0=$(now_ms)
  /usr/bin/time -f '%M %U %S' -o "$WORK/duban-$n.time" "$DUBAND" -f --once --now "${DAY}T09:05:00$OFF" \
    >"$WORK/duban-$n.log" 2>&1 || { tail -n 20 "$WORK/duban-$n.log" >&2; die "duband --once failed"; }
  t1=$(now_ms)
  c1=$(pg_ticks)
  sent=$(psql -XAtq -c "SELECT count(*) FROM duban.notices WHERE status = 'sent' AND key LIKE 'bench:%'")
  [[ $sent == "$((n * PER))" ]] || die "duband sent $sent of $((n * PER)) notices (log: $WORK/duban-$n.log)"
  read -r D_REQS D_SPAN <<<"$(requests "/duban/")"
  read -r D_RSS D_USER D_SYS <<<"$(tail -n 1 "$WORK/duban-$n.time")"
  D_WALL=$((t1 - t0))
  D_CPU=$(awk -v u="$D_USER" -v s="$D_SYS" 'BEGIN { printf "%.2f", u + s }')
  D_PGCPU=$(secs $((c1 - c0)))
  : >"$NGX/logs/access.log"
}

# am_run N: Alertmanager with N receivers; N alerts, one per receiver.
am_run() {
  local n=$1 dir=$WORK/am-$n port t0 t1 c0 c1
  mkdir -p "$dir/data"
  port=$(free_port)
  "$PY" - "$dir/alertmanager.yml" "$dir/alerts.json" "$n" "$SINK" <<'EOF'
import json, sys
conf, alerts, n, sink = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(conf, "w") as f:
    f.write("route:\n  receiver: none\n  group_by: [dest]\n  group_wait: 0s\n"
            "  group_interval: 5m\n  repeat_interval: 24h\n  routes:\n")
    for i in range(1, n + 1):
        f.write(f"  - matchers: ['dest=\"D{i:05d}\"']\n    receiver: r{i}\n")
    f.write("receivers:\n- name: none\n")
    for i in range(1, n + 1):
        f.write(f"- name: r{i}\n  webhook_configs:\n  - url: {sink}/am/D{i:05d}\n"
                "    send_resolved: false\n")
with open(alerts, "w") as f:
    json.dump([{"labels": {"alertname": "bench", "dest": f"D{i:05d}"},
                "annotations": {"summary": f"【测试】bench D{i:05d}"}} for i in range(1, n + 1)], f)
EOF
  "$AM" --config.file="$dir/alertmanager.yml" --storage.path="$dir/data" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= --log.level=warn \
    >"$dir/am.log" 2>&1 &
  AM_PID=$!
  local i
  for ((i = 0; i < 600; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/-/ready" 2>/dev/null && break
    kill -0 "$AM_PID" 2>/dev/null || die "alertmanager did not start: $(tail -n 5 "$dir/am.log")"
    sleep 0.1
  done
  c0=$(cpu_ticks "$AM_PID")
  t0=$(now_ms)
  curl -fsS -o /dev/null -H 'Content-Type: application/json' --data-binary "@$dir/alerts.json" \
    "http://127.0.0.1:$port/api/v2/alerts" || die "posting the alerts failed"
  wait_requests "/am/" "$n"
  t1=$(now_ms)
  c1=$(cpu_ticks "$AM_PID")
  A_RSS=$(awk '/VmHWM/ { print $2 }' "/proc/$AM_PID/status")
  kill "$AM_PID"; wait "$AM_PID" 2>/dev/null || true
  AM_PID=''
  read -r A_REQS A_SPAN <<<"$(requests "/am/")"
  A_WALL=$((t1 - t0))
  A_CPU=$(secs $((c1 - c0)))
  : >"$NGX/logs/access.log"
}

ROWS=()
for n in $NS; do
  say "N = $n: duban"
  duban_run "$n"
  say "  $D_REQS requests in $D_SPAN s = $(rate "$D_REQS" "$D_SPAN")/s; run $D_WALL ms; RSS $D_RSS kB"
  ROWS+=("| $n × $PER | duban | $(rate "$D_REQS" "$D_SPAN") | $(awk -v n="$D_REQS" -v ms="$D_WALL" 'BEGIN{printf "%.0f", n / ms * 1000}') ($D_WALL ms) | $((D_RSS / 1024)) MiB | $D_CPU s + PostgreSQL $D_PGCPU s |")
  [[ $PER == 1 ]] || continue
  unset 'ROWS[-1]'
  say "N = $n: Alertmanager"
  am_run "$n"
  say "  $A_REQS requests in $A_SPAN s = $(rate "$A_REQS" "$A_SPAN")/s; run $A_WALL ms; RSS $A_RSS kB"
  ROWS+=("| $n | duban | $(rate "$D_REQS" "$D_SPAN") | $(awk -v n="$n" -v ms="$D_WALL" 'BEGIN{printf "%.0f", n / ms * 1000}') ($D_WALL ms) | $((D_RSS / 1024)) MiB | $D_CPU s + PostgreSQL $D_PGCPU s |")
  ROWS+=("| $n | Alertmanager | $(rate "$A_REQS" "$A_SPAN") | $(awk -v n="$n" -v ms="$A_WALL" 'BEGIN{printf "%.0f", n / ms * 1000}') ($A_WALL ms) | $((A_RSS / 1024)) MiB | $A_CPU s |")
done

cat <<EOF

## delivery side by side — $(date -u +%F) — $(nproc) cores, PostgreSQL $(psql -XAtq -d postgres -c 'SHOW server_version' | cut -d' ' -f1), Alertmanager $("$AM" --version 2>&1 | head -n 1 | awk '{print $3}')

Load average at the start $LOAD_START, at the end $(cut -d' ' -f1-3 /proc/loadavg). duband concurrency ${CONC:-default}; PostgreSQL with fsync and synchronous_commit on.
One message to each of N destinations on one loopback nginx. "first→last" counts the requests nginx logged from the first to the last; "whole run" is the process run (duband: connect, sweep, claim, send, record, exit; Alertmanager: from posting the alerts to the last request).

| N | program | msg/s first→last | msg/s whole run | peak RSS | CPU |
| --- | --- | --- | --- | --- | --- |
$(printf '%s\n' "${ROWS[@]}")
EOF
