#!/usr/bin/env bash
# run.sh — duban's benchmark: not a test, it prints numbers (see bench/README.md).
#
# Builds duband/dubanctl (Release), starts its own PostgreSQL (tests/harness/pg.sh, tuned) and a
# loopback nginx answering 200 {} to every POST, imports a generated ledger (bench/gen_ledger.py:
# 5,000 units with a json channel each, 1,000,000 problems of which 100,000 open), and measures
#   (a) a sweep that fires ~10,000 stage changes   (b) the next sweep, which fires none
#   (c) the daemon's peak RSS                       (d) its CPU over 60 idle seconds
#   (e) messages/s delivered, one per channel      (f) the bare sweep in psql: the floor of (a), (b)
#   (g) the first day of the imported ledger (2026-07-01, no earlier run: every due stage, the
#       month's reminders), swept and delivered by one `duband --once`
#   (h) the next day (2026-07-02), swept and delivered
# and prints a Markdown table: metric, target, measured, ok?
#
#   bench/run.sh [--small | --problems N] [--repeat N] [--build DIR | --no-build] [--keep] [--dir DIR]
#     --small       a 10x smaller ledger (100,000 problems, 1,000 stage changes) for a quick try
#     --problems N  a ledger of N problems (N/10 open, at least 10,000) that still fires 10,000
#                   stage changes in (a): how the cost grows with the ledger
#     --repeat N    measure (a)/(b) on N fresh copies of the loaded database (default 3; median)
#     --build DIR   use the binaries in DIR (default: build them in build-bench)
#     --no-build    use build-bench as it is
#     --keep        keep the work directory, PostgreSQL and the databases afterwards
#     --dir DIR     work directory (default: a new /tmp/duban-bench.XXXXXX)
# Environment: BENCH_IMPORT_CHUNK=N splits problems.csv into imports of N rows (default: one file).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SMALL=0 REPEAT=3 KEEP=0 BUILD='' DO_BUILD=1 WORK='' PROBLEMS_ARG=''
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
while [[ $# -gt 0 ]]; do
  case $1 in
    --small) SMALL=1 ;;
    --problems) PROBLEMS_ARG=${2:?}; shift ;;
    --repeat) REPEAT=${2:?}; shift ;;
    --build) BUILD=${2:?}; DO_BUILD=0; shift ;;
    --no-build) DO_BUILD=0 ;;
    --keep) KEEP=1 ;;
    --dir) WORK=${2:?}; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 64 ;;
  esac
  shift
done
BUILD=${BUILD:-$ROOT/build-bench}
BUILD=$(cd "$BUILD" 2>/dev/null && pwd || echo "$BUILD")

UNITS=5000
PROBLEMS=1000000 OPEN=100000 FIRE=10000
if [[ $SMALL == 1 ]]; then PROBLEMS=100000 OPEN=10000 FIRE=1000; fi
if [[ -n $PROBLEMS_ARG ]]; then
  PROBLEMS=$PROBLEMS_ARG OPEN=$((PROBLEMS_ARG / 10))
  if [[ $OPEN -lt $FIRE ]]; then OPEN=$FIRE; fi
fi
FIRST_DAY=2026-07-01    # (g): the first day of the imported ledger, no earlier run
NEXT_DAY=2026-07-02     # (h): the day after
DAY=2026-06-23          # (a): the day whose sweep fires $FIRE stage changes (a Tuesday)
PREV=2026-06-22         # the day before: the daemon's previous run
LOADED=2026-06-19       # the ledger is imported "on" this day
DELIVER_DAY=2026-06-03  # (e): quarterly self-inspection reminder day (7 days before 06-10)
TZ_NAME=Asia/Shanghai
OFF=+08:00

if [[ -z $WORK ]]; then WORK=$(mktemp -d /tmp/duban-bench.XXXXXX); fi
mkdir -p "$WORK"
chmod 755 "$WORK"
WORK=$(cd "$WORK" && pwd)
PGDIR=$WORK/pg
NGX=$WORK/nginx
# The interpreter itself, not a version-manager shim (a shim costs up to a second a call).
PY=$(python3 -c 'import sys; print(sys.executable)')

say() { printf '== %s\n' "$*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }

# ------------------------------------------------------------------ cleanup
NGX_PID='' DAEMON_PID=''
cleanup() {
  local rc=$?
  set +e
  if [[ -n $DAEMON_PID ]]; then kill -TERM "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; fi
  if [[ -n $NGX_PID ]]; then kill -QUIT "$NGX_PID" 2>/dev/null; wait "$NGX_PID" 2>/dev/null; fi
  if [[ $KEEP == 0 ]]; then
    bash "$ROOT/tests/harness/pg.sh" stop "$PGDIR" >/dev/null 2>&1
    if [[ $rc -eq 0 ]]; then rm -rf "$WORK"; fi
  fi
  if [[ $rc -ne 0 || $KEEP == 1 ]]; then echo "run.sh: work directory $WORK" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ prerequisites
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] \
  || { echo "run.sh: nginx is needed for (e): apt-get install nginx-light" >&2; exit 69; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x /usr/bin/time ]] || { echo "run.sh: /usr/bin/time is needed: apt-get install time" >&2; exit 69; }

if [[ $DO_BUILD == 1 ]]; then
  say "building (Release) in $BUILD"
  { cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release && cmake --build "$BUILD" -j; } >"$WORK/build.log" 2>&1 \
    || { tail -n 30 "$WORK/build.log" >&2; die "build failed"; }
fi
CTL=$BUILD/dubanctl
DUBAND=$BUILD/duband
[[ -x $CTL && -x $DUBAND ]] || die "no dubanctl/duband in $BUILD"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ------------------------------------------------------------------ nginx: the webhook that is not the bottleneck
say "starting nginx on loopback"
mkdir -p "$NGX/tmp" "$NGX/logs"
NGX_PORT=$(free_port)
cat >"$NGX/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path $NGX/tmp/body;
  proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fastcgi;
  uwsgi_temp_path $NGX/tmp/uwsgi;
  scgi_temp_path $NGX/tmp/scgi;
  client_body_buffer_size 64k;
  client_max_body_size 64m;    # the office's bulletin and missed lists of 5,000 units are megabytes in the json kind
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  log_format bench '\$msec \$status \$request_length \$uri';
  access_log $NGX/logs/access.log bench;
  server {
    listen 127.0.0.1:$NGX_PORT;
    location / { default_type application/json; return 200 '{}'; }
  }
}
EOF
"$NGINX" -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" >"$NGX/logs/stdout.log" 2>&1 &
NGX_PID=$!
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null -X POST --data '{}' "http://127.0.0.1:$NGX_PORT/json/probe" 2>/dev/null && break
  kill -0 "$NGX_PID" 2>/dev/null || { cat "$NGX/logs/stdout.log" "$NGX/logs/error.log" >&2; die "nginx did not start"; }
  sleep 0.1
done
: >"$NGX/logs/access.log"
BASE_URL=http://127.0.0.1:$NGX_PORT   # gen_ledger.py appends /json/<unit code>

# ------------------------------------------------------------------ PostgreSQL
say "starting PostgreSQL ($PGDIR)"
bash tests/harness/pg.sh start "$PGDIR" >/dev/null
# shellcheck disable=SC1091
. "$PGDIR/env.sh"
psql -XAtq -d postgres -v ON_ERROR_STOP=1 \
  -c "ALTER SYSTEM SET shared_buffers = '512MB'" \
  -c "ALTER SYSTEM SET work_mem = '32MB'" \
  -c "ALTER SYSTEM SET maintenance_work_mem = '512MB'" \
  -c "ALTER SYSTEM SET max_wal_size = '8GB'" \
  -c "ALTER SYSTEM SET checkpoint_timeout = '30min'" \
  -c "ALTER SYSTEM SET effective_cache_size = '4GB'" \
  -c "ALTER SYSTEM SET random_page_cost = '1.1'" >/dev/null
bash tests/harness/pg.sh restart "$PGDIR" >/dev/null
. "$PGDIR/env.sh"
psql -XAtq -d postgres -c "SHOW shared_buffers" | sed 's/^/shared_buffers = /' >&2

# conf FILE section.key=value...: a duband.conf for database $PGDATABASE.
conf() {
  local f=$1 kv key sec cur=''
  shift
  {
    printf '[database]\ndsn = host=%s port=%s user=postgres dbname=%s\n' "$PGHOST" "$PGPORT" "$PGDATABASE"
    for kv in "$@"; do
      key=${kv%%=*}
      sec=${key%%.*}
      if [[ $sec != "$cur" ]]; then printf '\n[%s]\n' "$sec"; cur=$sec; fi
      printf '%s = %s\n' "${key#*.}" "${kv#*=}"
    done
  } >"$f"
}
# Delivery off: a window that excludes every time the bench uses; debug logs the sweep line
# (event=sweep ... ms=) even when a sweep makes nothing.
NODELIVER=(http.listen= log.level=debug delivery.window=00:00-00:01)

# ------------------------------------------------------------------ the ledger
say "generating the ledger ($UNITS units, $PROBLEMS problems, $OPEN open, $FIRE firing on $DAY)"
t=$(now_ms)
"$PY" bench/gen_ledger.py "$WORK/data" "$BASE_URL" --units "$UNITS" --problems "$PROBLEMS" \
  --open "$OPEN" --fire "$FIRE" --day "$DAY"
GEN_S=$(( ($(now_ms) - t) / 1000 ))

duban_test_db bench_base
export DUBAN_CONFIG=$WORK/base.conf
conf "$DUBAN_CONFIG" "${NODELIVER[@]}"
"$CTL" migrate >/dev/null
say "importing (dubanctl unit/channel/problem import)"
"$CTL" --now "${LOADED}T10:00:00$OFF" unit import "$WORK/data/units.csv" >"$WORK/import.log" 2>&1 \
  || { tail "$WORK/import.log" >&2; die "unit import failed"; }
"$CTL" --now "${LOADED}T10:00:00$OFF" channel import "$WORK/data/channels.csv" >>"$WORK/import.log" 2>&1 \
  || { tail "$WORK/import.log" >&2; die "channel import failed"; }
files=("$WORK/data/problems.csv")
if [[ ${BENCH_IMPORT_CHUNK:-0} -gt 0 ]]; then
  mkdir -p "$WORK/data/chunks"
  tail -n +2 "$WORK/data/problems.csv" | split -l "$BENCH_IMPORT_CHUNK" -d -a 3 - "$WORK/data/chunks/p."
  files=()
  for f in "$WORK/data/chunks"/p.*; do
    { head -n 1 "$WORK/data/problems.csv"; cat "$f"; } >"$f.csv" && rm -f "$f"
    files+=("$f.csv")
  done
fi
t=$(now_ms)
for f in "${files[@]}"; do
  /usr/bin/time -f '%M' -o "$WORK/import.rss" \
    "$CTL" --now "${LOADED}T10:30:00$OFF" problem import "$f" >>"$WORK/import.log" 2>&1 \
    || { tail "$WORK/import.log" >&2; die "problem import of $f failed"; }
done
IMPORT_S=$(( ($(now_ms) - t) / 1000 ))
IMPORT_RSS_KB=$(tail -n 1 "$WORK/import.rss")
say "imported in ${IMPORT_S} s; VACUUM ANALYZE"
psql -XAtq -c "VACUUM (ANALYZE)" >/dev/null
# (g) and (h) start from the ledger as imported, before any daemon run
psql -XAtq -d postgres -c "CREATE DATABASE bench_fresh TEMPLATE bench_base" >/dev/null
DB_SIZE=$(psql -XAtq -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
read -r N_PROB N_OPEN <<<"$(psql -XAt -F' ' -c "SELECT count(*), count(*) FILTER (WHERE status = 'rectifying') FROM duban.problems")"
say "database $DB_SIZE: $N_PROB problems, $N_OPEN rectifying"

# The daemon's previous run, the day before: settles the ladder as it stands on $PREV.
say "previous run: duband --once --now ${PREV}T09:00"
/usr/bin/time -f '%M %e' -o "$WORK/prev.time" "$DUBAND" -f --once --now "${PREV}T09:00:00$OFF" \
  >"$WORK/prev.log" 2>&1 || { tail "$WORK/prev.log" >&2; die "duband --once failed"; }
psql -XAtq -c "VACUUM (ANALYZE)" >/dev/null

# ------------------------------------------------------------------ measuring helpers
# floor TIME N [JIT]: the sweep statements run bare in psql at TIME, rolled back, N times in one
# session (the first in a fresh session, like `duband --once`; the later ones warm, like a
# running daemon); JIT = off adds `SET jit = off`. Prints "ms notices" per run, one a line.
floor() {
  local when=$1 n=$2 jit=${3:-} k
  {
    [[ -z $jit ]] || echo "SET jit = $jit;"
    for k in $(seq 1 "$n"); do
      cat <<EOF
BEGIN;
SELECT set_config('duban.now', '$when', true), set_config('duban.tz', '$TZ_NAME', true),
       set_config('duban.actor', 'bench', true) \g /dev/null
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT coalesce(sum(notices), 0) AS made FROM duban.sweep_all() \gset
SELECT round(((extract(epoch FROM clock_timestamp()) - :t0) * 1000)::numeric, 1) || ' ' || :made;
ROLLBACK;
EOF
    done
  } | psql -XAtq -v ON_ERROR_STOP=1
}

# sweep_ms LOG: the sweep time the daemon logged (sum of event=sweep... ms=/duration_ms= values), or ''.
sweep_ms() {
  "$PY" - "$1" <<'EOF'
import re, sys
tot, seen = 0.0, False
for line in open(sys.argv[1], errors="replace"):
    if not re.search(r"\bevent=sweep\w*", line):
        continue
    m = re.search(r"\b(?:duration_ms|ms|elapsed_ms|sweep_ms)=([0-9.]+)", line)
    if m:
        tot += float(m.group(1)); seen = True
        continue
    m = re.search(r"\b(?:duration|seconds|elapsed)=([0-9.]+)s?\b", line)
    if m:
        tot += float(m.group(1)) * 1000; seen = True
print(f"{tot:.1f}" if seen else "")
EOF
}

# once TAG TIME: duband --once --now TIME under /usr/bin/time; sets ONCE_WALL_MS ONCE_RSS_KB
# ONCE_SWEEP_MS (what the daemon logged; '' if nothing) and keeps the peak RSS in RSS_MAX_KB.
RSS_MAX_KB=0 RSS_WHERE_MAX=''
once() {
  local tag=$1 when=$2 t0
  t0=$(now_ms)
  /usr/bin/time -f '%M' -o "$WORK/$tag.rss" "$DUBAND" -f --once --now "$when" >"$WORK/$tag.log" 2>&1 \
    || { tail -n 20 "$WORK/$tag.log" >&2; die "duband --once --now $when failed"; }
  ONCE_WALL_MS=$(($(now_ms) - t0))
  ONCE_RSS_KB=$(tail -n 1 "$WORK/$tag.rss")
  ONCE_SWEEP_MS=$(sweep_ms "$WORK/$tag.log")
  if [[ $ONCE_RSS_KB -gt $RSS_MAX_KB ]]; then RSS_MAX_KB=$ONCE_RSS_KB RSS_WHERE_MAX="duband --once, run $tag"; fi
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
escalations() { psql -XAtq -c "SELECT count(*) FROM duban.history WHERE action = 'escalate'"; }
notices() { psql -XAtq -c "SELECT count(*) FROM duban.notices"; }

# timer_sweeps LOG: the ms of each periodic (why=timer) sweep a `duband -f` logged, one a line.
timer_sweeps() { sed -n 's/.*event=sweep why=timer ms=\([0-9.]*\) .*/\1/p' "$1"; }

# ------------------------------------------------------------------ (a) (b) (f) on fresh copies
A_MS=() A_WALL=() A_FLOOR=() A_FLOOR_NOJIT=() A_FIRED='' A_NOTICES=''
B_MS=() B_ONCE=() B_FLOOR=() B_FLOOR_NOJIT=()
for rep in $(seq 1 "$REPEAT"); do
  db=bench_run_$rep
  say "round $rep/$REPEAT: copy of the loaded database"
  psql -XAtq -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" \
    -c "CREATE DATABASE $db TEMPLATE bench_base" >/dev/null
  export PGDATABASE=$db
  export DUBAN_CONFIG=$WORK/run.conf
  conf "$DUBAN_CONFIG" "${NODELIVER[@]}"

  # (a): the floor in a fresh session (after one run that warms the buffer cache), then the daemon.
  floor "${DAY}T09:00:00$OFF" 1 >/dev/null
  read -r fa fa_made <<<"$(floor "${DAY}T09:00:00$OFF" 1)"
  read -r fa_nojit _ <<<"$(floor "${DAY}T09:00:00$OFF" 1 off)"
  A_FLOOR+=("$fa") A_FLOOR_NOJIT+=("$fa_nojit")
  e0=$(escalations) n0=$(notices)
  once "a$rep" "${DAY}T09:00:00$OFF"
  e1=$(escalations) n1=$(notices)
  A_FIRED=$((e1 - e0)) A_NOTICES=$((n1 - n0))
  A_WALL+=("$ONCE_WALL_MS")
  A_MS+=("${ONCE_SWEEP_MS:-$ONCE_WALL_MS}")
  say "  (a) fired $A_FIRED stage changes, $A_NOTICES notices: daemon ${ONCE_SWEEP_MS:-?} ms (wall $ONCE_WALL_MS ms); floor $fa ms ($fa_made notices), with jit = off $fa_nojit ms"

  # (b): nothing fires any more that day. The floor warm (third run of a session); the daemon
  # warm (the periodic sweeps of `duband -f` with poll_interval 1, for 12 s) and cold (--once).
  fb=$(floor "${DAY}T09:05:00$OFF" 3 | tail -n 1 | cut -d' ' -f1)
  fb_nojit=$(floor "${DAY}T09:05:00$OFF" 3 off | tail -n 1 | cut -d' ' -f1)
  B_FLOOR+=("$fb") B_FLOOR_NOJIT+=("$fb_nojit")
  for k in 1 2; do
    once "b$rep.$k" "${DAY}T09:0${k}:30$OFF"
    B_ONCE+=("${ONCE_SWEEP_MS:-$ONCE_WALL_MS}")
  done
  n0=$(notices)
  conf "$WORK/warm.conf" "${NODELIVER[@]}" daemon.poll_interval=1
  DUBAN_CONFIG=$WORK/warm.conf "$DUBAND" -f --now "${DAY}T09:10:00$OFF" >"$WORK/b$rep.warm.log" 2>&1 &
  DAEMON_PID=$!
  sleep 12
  kill -TERM "$DAEMON_PID"
  wait "$DAEMON_PID" || say "  duband -f exited with status $? on SIGTERM"
  DAEMON_PID=''
  n1=$(notices)
  [[ $n1 -eq $n0 ]] || say "  (b) warning: the runs made $((n1 - n0)) notices"
  mapfile -t warm < <(timer_sweeps "$WORK/b$rep.warm.log")
  wmed='?'
  if [[ ${#warm[@]} -gt 0 ]]; then wmed=$(median "${warm[@]}"); B_MS+=("$wmed"); fi
  say "  (b) daemon warm: ${#warm[@]} periodic sweeps, median $wmed ms; --once ${B_ONCE[*]: -2} ms; floor warm $fb ms, with jit = off $fb_nojit ms"
  if [[ $rep -lt $REPEAT ]]; then psql -XAtq -d postgres -c "DROP DATABASE $db" >/dev/null; fi
done
A_MED=$(median "${A_MS[@]}") A_FLOOR_MED=$(median "${A_FLOOR[@]}") A_WALL_MED=$(median "${A_WALL[@]}")
A_FLOOR_NOJIT_MED=$(median "${A_FLOOR_NOJIT[@]}")
if [[ ${#B_MS[@]} -gt 0 ]]; then B_MED=$(median "${B_MS[@]}"); else B_MED=$(median "${B_ONCE[@]}"); fi
B_ONCE_MED=$(median "${B_ONCE[@]}") B_FLOOR_MED=$(median "${B_FLOOR[@]}")
B_FLOOR_NOJIT_MED=$(median "${B_FLOOR_NOJIT[@]}")

# ------------------------------------------------------------------ (d) idle CPU, (c) VmHWM
say "(d) duband -f, poll_interval 60, nothing to do: CPU over 60 s"
export DUBAN_CONFIG=$WORK/idle.conf
conf "$DUBAN_CONFIG" "${NODELIVER[@]}" daemon.poll_interval=60
"$DUBAND" -f --now "${DAY}T10:00:00$OFF" >"$WORK/idle.log" 2>&1 &
DAEMON_PID=$!
sleep 5
kill -0 "$DAEMON_PID" 2>/dev/null || { tail "$WORK/idle.log" >&2; die "duband -f exited"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_ns() { local s=0 f; for f in /proc/"$1"/task/*/schedstat; do s=$((s + $(cut -d' ' -f1 "$f"))); done; echo "$s"; }
TCK=$(getconf CLK_TCK)
t0=$(now_ms) c0=$(cpu_ticks "$DAEMON_PID") s0=$(cpu_ns "$DAEMON_PID")
sleep 60
t1=$(now_ms) c1=$(cpu_ticks "$DAEMON_PID") s1=$(cpu_ns "$DAEMON_PID")
IDLE_HWM_KB=$(awk '/^VmHWM:/{print $2}' "/proc/$DAEMON_PID/status")
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || say "  duband -f exited with status $? on SIGTERM"
DAEMON_PID=''
IDLE_TICK_MS=$(( (c1 - c0) * 1000 / TCK ))
IDLE_NS=$((s1 - s0))
IDLE_PCT=$(awk -v ns="$IDLE_NS" -v ms="$((t1 - t0))" 'BEGIN{printf "%.3f", ns / 1e6 / ms * 100}')
IDLE_TICK_PCT=$(awk -v c="$IDLE_TICK_MS" -v ms="$((t1 - t0))" 'BEGIN{printf "%.3f", c / ms * 100}')
IDLE_SWEEP_MS=$(sed -n 's/.*event=sweep why=\([a-z]*\) ms=\([0-9.]*\) .*/\1 \2/p' "$WORK/idle.log" | paste -sd, - | sed 's/,/, /g')
if [[ $IDLE_HWM_KB -gt $RSS_MAX_KB ]]; then RSS_MAX_KB=$IDLE_HWM_KB RSS_WHERE_MAX="duband -f (VmHWM)"; fi
say "  CPU ${IDLE_NS} ns (utime+stime $IDLE_TICK_MS ms) in $((t1 - t0)) ms = $IDLE_PCT %; VmHWM $IDLE_HWM_KB kB"

# ------------------------------------------------------------------ (e) delivery
say "(e) delivery: one notice per channel ($UNITS channels) to nginx, concurrency 8"
duban_test_db bench_deliver
export DUBAN_CONFIG=$WORK/deliver-sweep.conf
conf "$DUBAN_CONFIG" "${NODELIVER[@]}"
"$CTL" migrate >/dev/null
"$CTL" --now "${DELIVER_DAY}T08:00:00$OFF" unit import "$WORK/data/units.csv" >/dev/null
"$CTL" --now "${DELIVER_DAY}T08:00:00$OFF" channel import "$WORK/data/channels.csv" >/dev/null
once e-sweep "${DELIVER_DAY}T09:00:00$OFF"      # makes the reminders; delivery off
E_HOW="quarterly-self-inspection reminders of $DELIVER_DAY"
read -r pend chans <<<"$(psql -XAt -F' ' -c "SELECT count(*), count(DISTINCT channel_id) FROM duban.notices WHERE status = 'pending'")"
if [[ $chans -lt $((UNITS * 9 / 10)) ]]; then
  say "  the sweep made $pend notices on $chans channels; adding one 'test' notice per channel instead"
  psql -XAtq -v ON_ERROR_STOP=1 -c "
    INSERT INTO duban.notices (key, type, unit_id, channel_id, payload, created_at, next_attempt_at)
    SELECT 'bench:' || c.id, 'test', c.unit_id, c.id,
           jsonb_build_object('type', 'test', 'unit', u.code, 'text', '【测试】bench'),
           '${DELIVER_DAY}T08:59:00$OFF', '${DELIVER_DAY}T08:59:00$OFF'
      FROM duban.channels c JOIN duban.units u ON u.id = c.unit_id
     WHERE NOT EXISTS (SELECT 1 FROM duban.notices n WHERE n.channel_id = c.id AND n.status = 'pending')"
  E_HOW="$E_HOW + test notices"
fi
read -r pend chans <<<"$(psql -XAt -F' ' -c "SELECT count(*), count(DISTINCT channel_id) FROM duban.notices WHERE status = 'pending'")"
: >"$NGX/logs/access.log"
export DUBAN_CONFIG=$WORK/deliver.conf
conf "$DUBAN_CONFIG" http.listen= log.level=info delivery.concurrency=8
once e-deliver "${DELIVER_DAY}T09:05:00$OFF"
E_WALL_MS=$ONCE_WALL_MS
sleep 1
read -r E_REQS E_SPAN_S E_OK <<<"$(awk '{n++; if ($2 == 200) ok++; if (n == 1 || $1 < a) a = $1; if ($1 > b) b = $1}
  END {printf "%d %.3f %d\n", n, b - a, ok}' "$NGX/logs/access.log")"
read -r SENT LEFT <<<"$(psql -XAt -F' ' -c "SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status <> 'sent') FROM duban.notices")"
E_RATE=$(awk -v n="$E_REQS" -v s="$E_SPAN_S" 'BEGIN{ if (n > 1 && s > 0) printf "%.0f", (n - 1) / s; else print 0 }')
E_RATE_WALL=$(awk -v n="$E_REQS" -v ms="$E_WALL_MS" 'BEGIN{ if (ms > 0) printf "%.0f", n / ms * 1000; else print 0 }')
say "  $E_REQS requests ($E_OK × 200) in ${E_SPAN_S} s (first→last) = $E_RATE/s; whole run $E_WALL_MS ms = $E_RATE_WALL/s; notices sent $SENT, not sent $LEFT"

# ------------------------------------------------------------------ (g) (h) first and next day
# A copy of the ledger as imported, its first daemon run on $FIRST_DAY: the sweep catches up
# every stage due by then and the month's reminders; then delivery of all of it to nginx at the
# default concurrency; then the next day.
say "(g) first day of the imported ledger ($FIRST_DAY), swept and delivered; (h) the next day"
psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS bench_first" \
  -c "CREATE DATABASE bench_first TEMPLATE bench_fresh" >/dev/null
export PGDATABASE=bench_first
export DUBAN_CONFIG=$WORK/first.conf
conf "$DUBAN_CONFIG" http.listen= log.level=info
: >"$NGX/logs/access.log"
e0=$(escalations)
once g-first "${FIRST_DAY}T09:00:00$OFF"
G_WALL_MS=$ONCE_WALL_MS G_SWEEP_MS=${ONCE_SWEEP_MS:-?} G_RSS_KB=$ONCE_RSS_KB
G_FIRED=$(( $(escalations) - e0 ))
sleep 1
read -r G_NOTICES G_LEFT <<<"$(psql -XAt -F' ' -c "SELECT count(*), count(*) FILTER (WHERE status <> 'sent') FROM duban.notices")"
G_REQS=$(wc -l <"$NGX/logs/access.log")
say "  (g) $G_FIRED stage changes, $G_NOTICES notices: sweep $G_SWEEP_MS ms; $G_REQS messages; whole run $G_WALL_MS ms; $G_LEFT not sent"
: >"$NGX/logs/access.log"
e0=$(escalations) n0=$(notices)
conf "$DUBAN_CONFIG" http.listen= log.level=debug   # the sweep line even when it makes nothing
once h-next "${NEXT_DAY}T09:00:00$OFF"
H_WALL_MS=$ONCE_WALL_MS H_SWEEP_MS=${ONCE_SWEEP_MS:-?}
H_FIRED=$(( $(escalations) - e0 )) H_NOTICES=$(( $(notices) - n0 ))
sleep 1
H_REQS=$(wc -l <"$NGX/logs/access.log")
say "  (h) $H_FIRED stage changes, $H_NOTICES notices: sweep $H_SWEEP_MS ms; $H_REQS messages; whole run $H_WALL_MS ms"

# ------------------------------------------------------------------ the table
ok() { if awk "BEGIN{exit !($1)}"; then echo yes; else echo "**NO**"; fi; }
RSS_MIB=$(awk -v k="$RSS_MAX_KB" 'BEGIN{printf "%.1f", k / 1024}')
A_RATIO=$(awk -v a="$A_MED" -v f="$A_FLOOR_MED" 'BEGIN{ if (f > 0) printf "%.2f", a / f; else print "n/a" }')
A_OK=$(ok "$A_MED <= 500 && $A_MED <= 1.3 * $A_FLOOR_MED")
B_OK=$(ok "$B_MED <= 5")
G_OK=$(ok "${G_SWEEP_MS/\?/1e9} <= 3000 && $G_LEFT == 0")
H_OK=$(ok "${H_SWEEP_MS/\?/1e9} <= 300")
C_OK=$(ok "$RSS_MAX_KB <= 16384")
D_OK=$(ok "$IDLE_TICK_PCT < 0.1 && $IDLE_PCT < 0.1")
E_OK_=$(ok "$E_RATE >= 2000 && $LEFT == 0")
cat <<EOF

## duban benchmark — $(date -u +%F) — $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), PostgreSQL $(psql -XAtq -d postgres -c 'SHOW server_version' | cut -d' ' -f1)

Load average (1, 5, 15 min) at the start $LOAD_START, at the end $(cut -d' ' -f1-3 /proc/loadavg): anything else running on the machine shows in the numbers.

Ledger: $UNITS units/channels, $N_PROB problems ($N_OPEN rectifying), database $DB_SIZE; generated in ${GEN_S} s, imported in ${IMPORT_S} s (dubanctl peak RSS $((IMPORT_RSS_KB / 1024)) MiB). Medians of $REPEAT rounds.

| metric | target | measured | ok? |
| --- | --- | --- | --- |
| (a) sweep firing $A_FIRED stage changes ($A_NOTICES notices), $DAY | ≤ 0.5 s and ≤ 1.3 × floor | $A_MED ms (= $A_RATIO × floor; process wall $A_WALL_MED ms) | $A_OK |
| (b) next sweeps, firing none | ≤ 5 ms | $B_MED ms (running daemon; a fresh \`--once\`: $B_ONCE_MED ms) | $B_OK |
| (c) daemon peak RSS | ≤ 16 MiB | $RSS_MIB MiB ($RSS_WHERE_MAX) | $C_OK |
| (d) daemon CPU over 60 idle s (poll_interval 60) | < 0.1 % of a core | $IDLE_TICK_PCT % (utime+stime $IDLE_TICK_MS ms; schedstat $IDLE_PCT %; its sweeps took ${IDLE_SWEEP_MS:-?} ms in PostgreSQL) | $D_OK |
| (e) delivery to loopback nginx, 1 notice/channel, concurrency 8 | ≥ 2,000 msg/s | $E_RATE msg/s ($E_REQS requests in ${E_SPAN_S} s; whole run $E_RATE_WALL/s; $LEFT not sent) | $E_OK_ |
| (f) floor: \`sweep_all()\` bare in psql, (a) / (b) | (reference) | $A_FLOOR_MED ms / $B_FLOOR_MED ms | — |
| (f) the same with \`SET jit = off\` | (diagnosis) | $A_FLOOR_NOJIT_MED ms / $B_FLOOR_NOJIT_MED ms | — |
| (g) first day $FIRST_DAY: sweep firing $G_FIRED stage changes ($G_NOTICES notices), then delivery | sweep ≤ 3 s | sweep $G_SWEEP_MS ms; $G_REQS messages delivered, whole run $G_WALL_MS ms, peak RSS $((G_RSS_KB / 1024)) MiB, $G_LEFT not sent | $G_OK |
| (h) next day $NEXT_DAY: sweep firing $H_FIRED stage changes ($H_NOTICES notices), then delivery | sweep ≤ 0.3 s | sweep $H_SWEEP_MS ms; $H_REQS messages, whole run $H_WALL_MS ms | $H_OK |

(a): the sweep time \`duband --once\` logs (event=sweep … ms=; its process wall time if it logs none) against the floor run first in a fresh psql session. (b): the median of the periodic sweeps of \`duband -f\` (poll_interval 1, 12 s) against the floor's third run in one session.
(e) notices: $E_HOW.
EOF
