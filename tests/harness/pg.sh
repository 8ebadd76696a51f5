#!/usr/bin/env bash
# pg.sh — a throwaway PostgreSQL 15 cluster for duban's integration tests.
#
#   pg.sh start DIR     initdb (first time) and start; idempotent: a running cluster is reused
#   pg.sh stop DIR      stop at once (-m immediate) and delete the data directory
#   pg.sh restart DIR   stop (-m fast) and start again: same data directory, same port
#   pg.sh halt DIR      stop (-m fast) but keep everything; `start DIR` brings it back on the same port
#   pg.sh status DIR    exit 0 when the cluster accepts connections
#   pg.sh env DIR       print DIR/env.sh (for `eval "$(pg.sh env DIR)"`)
#   pg.sh replica DIR PRIMARY_DIR
#                       a streaming standby of the running cluster in PRIMARY_DIR: pg_basebackup -R
#                       into DIR, cluster_name duban_standby, started on the first free port from
#                       $DUBAN_PG_FIRST_PORT; the primary then commits synchronously with it
#                       (synchronous_standby_names, synchronous_commit = on) and this returns
#                       once the standby streams as 'sync'
#   pg.sh crash DIR     stop at once (-m immediate), keeping the data: a primary that fails
#   pg.sh promote DIR   promote the standby in DIR to a primary (pg_ctl promote -w)
#
# DIR/env.sh exports PGHOST (unix socket directory), PGPORT, PGUSER=postgres, PGHOST_TCP=127.0.0.1
# and defines `duban_test_db NAME`, which drops and creates database NAME and exports PGDATABASE,
# DUBAN_DSN ("host=<socket dir> port=<port> user=postgres dbname=NAME") and DUBAN_DSN_TCP (same
# over 127.0.0.1). The server listens on the unix socket and on 127.0.0.1 only, on the first free
# port from $DUBAN_PG_FIRST_PORT (default 55432) upward. Runs as user postgres (via runuser) when
# invoked as root.
#
# Ports are claimed in a registry shared by all clusters of this machine ($TMPDIR/duban-pg-ports,
# one directory per port naming its cluster), from start until stop: a cluster halted by one test
# (pg_halt) keeps its port, which a cluster another test starts meanwhile must not take.
set -euo pipefail

usage() { echo "usage: $0 start|stop|restart|halt|crash|promote|status|env DIR | replica DIR PRIMARY_DIR" >&2; exit 64; }
[[ $# -eq 2 || ( $# -eq 3 && $1 == replica ) ]] || usage
CMD=$1
DIR=$2
PRIMARY_DIR=${3:-}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)

PGBIN=${PGBIN:-}
if [[ -z $PGBIN ]]; then
  for cand in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [[ -x $cand/pg_ctl ]]; then PGBIN=$cand; break; fi
  done
fi
[[ -n $PGBIN && -x $PGBIN/pg_ctl ]] || { echo "pg.sh: PostgreSQL binaries not found (install postgresql-15)" >&2; exit 69; }

STATE=$DIR/state.sh      # PGBASE (data + log live here), SOCKDIR, PORT
ENVFILE=$DIR/env.sh
FIRST_PORT=${DUBAN_PG_FIRST_PORT:-55432}

# --- running as root: PostgreSQL refuses uid 0, so everything server-side runs as postgres ---
AS=()
PGOWNER=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  AS=(runuser -u postgres --)
  PGOWNER=postgres
fi
as_pg() { "${AS[@]}" "$@"; }

log_tail() {
  local f
  for f in "${PGBASE:-$DIR}/pg.log" "$DIR/pg.log"; do
    if [[ -r $f ]]; then echo "---- tail of $f ----" >&2; tail -n 40 "$f" >&2; return; fi
  done
}
die() { echo "pg.sh: $*" >&2; log_tail; exit 1; }

load_state() {
  PGBASE='' SOCKDIR='' PORT=''
  # shellcheck disable=SC1090
  if [[ -f $STATE ]]; then . "$STATE"; fi
}

save_state() {
  printf 'PGBASE=%q\nSOCKDIR=%q\nPORT=%q\n' "$PGBASE" "$SOCKDIR" "$PORT" > "$STATE.tmp"
  mv "$STATE.tmp" "$STATE"
}

# Can the server user create files in directory $1 (and reach it through its parents)?
pg_can_write() { as_pg test -w "$1" -a -x "$1"; }

tcp_busy() {  # something listening on 127.0.0.1:$1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
port_busy() {  # something listening on 127.0.0.1:$1 or a socket file of that port in SOCKDIR
  [[ -e $SOCKDIR/.s.PGSQL.$1 ]] || tcp_busy "$1"
}

PORTREG=${TMPDIR:-/tmp}/duban-pg-ports
# claim_port PORT: 0 when this cluster owns PORT in the registry (now or already). A claim whose
# cluster is gone (its DIR has no state.sh any more) is taken over.
claim_port() {
  mkdir -p "$PORTREG" && chmod 1777 "$PORTREG" 2>/dev/null
  (
    flock -w 120 8 || exit 1
    d=$PORTREG/$1
    if [[ -d $d ]]; then
      owner=$(cat "$d/owner" 2>/dev/null || true)
      [[ $owner == "$DIR" ]] && exit 0
      [[ -n $owner && ! -f $owner/state.sh ]] || exit 1
      rm -rf "$d"
    fi
    mkdir "$d" && printf '%s\n' "$DIR" >"$d/owner"
  ) 8>>"$PORTREG/.lock"
}
# release_port PORT: drop this cluster's claim on PORT.
release_port() {
  [[ -n $1 && $(cat "$PORTREG/$1/owner" 2>/dev/null) == "$DIR" ]] && rm -rf "${PORTREG:?}/$1"
  return 0
}

running() {
  [[ -n ${PGBASE:-} && -f $PGBASE/data/PG_VERSION ]] || return 1
  as_pg "$PGBIN/pg_ctl" -D "$PGBASE/data" status >/dev/null 2>&1 || return 1
  "$PGBIN/pg_isready" -q -h "$SOCKDIR" -p "$PORT" -U postgres -d postgres -t 10 >/dev/null 2>&1
}

write_env() {
  local tmp=$ENVFILE.tmp
  cat > "$tmp" <<EOF
# Generated by tests/harness/pg.sh: environment of the test PostgreSQL cluster in $DIR.
export PGHOST=$(printf %q "$SOCKDIR")
export PGPORT=$PORT
export PGUSER=postgres
export PGHOST_TCP=127.0.0.1
export DUBAN_PGDIR=$(printf %q "$DIR")
unset PGPASSWORD PGSERVICE PGSSLMODE PGOPTIONS 2>/dev/null || true
# duban_test_db NAME: (re)create an empty database NAME; export PGDATABASE, DUBAN_DSN, DUBAN_DSN_TCP.
# Retried for up to 60 s (a loaded server, a concurrent CREATE DATABASE); the last error is shown.
duban_test_db() {
  local name=\${1:?usage: duban_test_db NAME} q err end=\$((SECONDS + 60))
  q=\$(printf '%s' "\$name" | sed 's/"/""/g')
  while :; do
    if err=\$(psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \\
         -c "DROP DATABASE IF EXISTS \\"\$q\\" WITH (FORCE)" \\
         -c "CREATE DATABASE \\"\$q\\" TEMPLATE template0 ENCODING 'UTF8'" 2>&1 >/dev/null); then
      export PGDATABASE=\$name
      export DUBAN_DSN="host=\$PGHOST port=\$PGPORT user=postgres dbname=\$name"
      export DUBAN_DSN_TCP="host=127.0.0.1 port=\$PGPORT user=postgres dbname=\$name"
      return 0
    fi
    ((SECONDS < end)) || break
    sleep 0.5
  done
  echo "duban_test_db: could not create database \$name within 60 s: \$err" >&2
  return 1
}
EOF
  mv "$tmp" "$ENVFILE"
  chmod 644 "$ENVFILE"
}

init_cluster() {
  local locale=C.UTF-8
  if ! locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C; fi
  as_pg "$PGBIN/initdb" -D "$PGBASE/data" -A trust --nosync -U postgres -E UTF8 \
        --locale="$locale" >"$PGBASE/initdb.log" 2>&1 \
    || { cat "$PGBASE/initdb.log" >&2; die "initdb failed"; }
  as_pg sh -c "cat >> '$PGBASE/data/postgresql.conf'" <<'EOF'

# --- duban test harness ---
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 32MB
listen_addresses = '127.0.0.1'
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
include_if_exists = 'duban_port.conf'
EOF
}

# The log says the server could not get its port (someone else has it, or had it a moment ago).
bind_failed() {
  tail -n 20 "$PGBASE/pg.log" 2>/dev/null \
    | grep -q 'could not bind\|Address already in use\|could not create any TCP/IP sockets\|lock file .* already exists'
}

# Start on $PORT. A new cluster (no port yet) takes the first free port from $FIRST_PORT up and,
# when the bind fails after all (a concurrent start chose the same port), moves on to the next.
# A cluster that already has a port (restart, resume) keeps it, since its clients' DSNs name it:
# it waits up to 60 s for the port to be free and retries the bind meanwhile.
start_server() {
  local keep=0 tries=0 end=$((SECONDS + 60))
  [[ -n $PORT ]] && keep=1
  while :; do
    if ((keep)); then
      while tcp_busy "$PORT"; do
        ((SECONDS < end)) || die "port $PORT of this cluster is still in use after 60 s"
        sleep 0.5
      done
    else
      PORT=${PORT:-$FIRST_PORT}
      while port_busy "$PORT" || ! claim_port "$PORT"; do PORT=$((PORT + 1)); done
    fi
    printf "port = %d\nunix_socket_directories = '%s'\n" "$PORT" "$SOCKDIR" \
      | as_pg sh -c "cat > '$PGBASE/data/duban_port.conf'"
    save_state
    if as_pg "$PGBIN/pg_ctl" -D "$PGBASE/data" -l "$PGBASE/pg.log" -w -t 120 start >/dev/null 2>&1 9>&-; then
      break
    fi
    bind_failed || die "could not start PostgreSQL (data $PGBASE/data, port $PORT)"
    tries=$((tries + 1))
    if ((keep)); then
      ((SECONDS < end)) || die "could not bind port $PORT again within 60 s"
      sleep 0.5
    else
      ((tries < 50)) || die "could not find a free port from $FIRST_PORT (tried $tries)"
      release_port "$PORT"
      PORT=$((PORT + 1))
    fi
  done
  end=$((SECONDS + 120))
  until "$PGBIN/pg_isready" -q -h "$SOCKDIR" -p "$PORT" -U postgres -d postgres -t 5 >/dev/null 2>&1; do
    ((SECONDS < end)) || die "PostgreSQL did not accept connections on port $PORT within 120 s"
    sleep 0.25
  done
}

stop_server() {  # $1 = fast|immediate
  if [[ -n ${PGBASE:-} && -f $PGBASE/data/PG_VERSION ]]; then
    if as_pg "$PGBIN/pg_ctl" -D "$PGBASE/data" status >/dev/null 2>&1; then
      as_pg "$PGBIN/pg_ctl" -D "$PGBASE/data" -m "$1" -w -t 120 stop >/dev/null 2>&1 \
        || die "pg_ctl stop failed"
    fi
  fi
}

# Chooses PGBASE (data and log) and SOCKDIR for DIR, reachable by the server user.
prepare_dirs() {
  if [[ -z $PGBASE || ! -d $PGBASE ]]; then
    if [[ $(id -u) -eq 0 ]]; then chown "$PGOWNER" "$DIR"; fi
    if pg_can_write "$DIR"; then
      PGBASE=$DIR
    else   # e.g. DIR under /root, which the postgres user cannot reach
      PGBASE=$(mktemp -d /tmp/dubanpg.XXXXXX)
      chmod 755 "$PGBASE"
      if [[ $(id -u) -eq 0 ]]; then chown "$PGOWNER" "$PGBASE"; fi
    fi
  fi
  if [[ -z $SOCKDIR || ! -d $SOCKDIR ]]; then
    # sun_path holds 107 bytes: "<dir>/.s.PGSQL.NNNNN" must fit.
    if (( ${#PGBASE} + 20 <= 100 )); then
      SOCKDIR=$PGBASE
    else
      SOCKDIR=$(mktemp -d /tmp/dubanpgs.XXXXXX)
      chmod 755 "$SOCKDIR"
      if [[ $(id -u) -eq 0 ]]; then chown "$PGOWNER" "$SOCKDIR"; fi
    fi
  fi
  save_state
  if [[ $PGBASE != "$DIR" ]]; then ln -sfn "$PGBASE/pg.log" "$DIR/pg.log"; fi
}

cmd_start() {
  load_state
  if running; then write_env; echo "pg.sh: reusing PostgreSQL on port $PORT (socket $SOCKDIR)"; return 0; fi
  prepare_dirs
  if [[ ! -f $PGBASE/data/PG_VERSION ]]; then
    rm -rf "$PGBASE/data"
    init_cluster
  fi
  start_server
  write_env
  echo "pg.sh: PostgreSQL running on port $PORT (socket $SOCKDIR, data $PGBASE/data)"
}

cmd_stop() {
  load_state
  stop_server immediate
  if [[ -n $PGBASE ]]; then
    rm -rf "$PGBASE/data"
    if [[ $PGBASE != "$DIR" ]]; then
      cp "$PGBASE/pg.log" "$DIR/pg.log.saved" 2>/dev/null || true
      rm -rf "$PGBASE"
      rm -f "$DIR/pg.log"
    fi
  fi
  if [[ -n $SOCKDIR && $SOCKDIR != "$PGBASE" && $SOCKDIR == /tmp/dubanpgs.* ]]; then rm -rf "$SOCKDIR"; fi
  release_port "$PORT"
  rm -f "$ENVFILE" "$STATE"
  echo "pg.sh: stopped"
}

cmd_halt() {
  load_state
  stop_server fast
}

cmd_restart() {
  load_state
  [[ -n $PGBASE && -f $PGBASE/data/PG_VERSION ]] || die "no cluster in $DIR (run start first)"
  stop_server fast
  start_server
  write_env
}

cmd_replica() {
  local psock pport line
  [[ -f $PRIMARY_DIR/state.sh ]] || die "no cluster in $PRIMARY_DIR"
  # shellcheck disable=SC1091
  line=$(. "$PRIMARY_DIR/state.sh"; printf '%s %s' "$PORT" "$SOCKDIR")
  pport=${line%% *}
  psock=${line#* }
  load_state
  [[ ! -f ${PGBASE:-/nonexistent}/data/PG_VERSION ]] || die "$DIR already holds a cluster"
  prepare_dirs
  rm -rf "$PGBASE/data"
  as_pg "$PGBIN/pg_basebackup" -D "$PGBASE/data" -h "$psock" -p "$pport" -U postgres \
        -X stream -R --checkpoint=fast >"$PGBASE/basebackup.log" 2>&1 \
    || { cat "$PGBASE/basebackup.log" >&2; die "pg_basebackup failed"; }
  printf "\n# --- duban test harness: standby ---\ncluster_name = 'duban_standby'\nhot_standby = on\n" \
    | as_pg sh -c "cat >> '$PGBASE/data/postgresql.conf'"
  PORT=''
  start_server
  write_env
  psql -XAtq -h "$psock" -p "$pport" -U postgres -d postgres \
    -c "ALTER SYSTEM SET synchronous_standby_names = 'duban_standby'" \
    -c "ALTER SYSTEM SET synchronous_commit = 'on'" -c "SELECT pg_reload_conf()" >/dev/null \
    || die "cannot make the primary synchronous"
  local end=$((SECONDS + 120))
  while ((SECONDS < end)); do
    if [[ $(psql -XAtq -h "$psock" -p "$pport" -U postgres -d postgres -c \
          "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'duban_standby'") == sync ]]; then
      echo "pg.sh: synchronous standby on port $PORT (socket $SOCKDIR) of the primary on port $pport"
      return 0
    fi
    sleep 0.25
  done
  die "the standby did not become a synchronous standby within 120 s"
}

cmd_crash() {
  load_state
  stop_server immediate
}

cmd_promote() {
  load_state
  running || die "no running cluster in $DIR"
  as_pg "$PGBIN/pg_ctl" -D "$PGBASE/data" -w -t 60 promote >/dev/null || die "promote failed"
}

cmd_status() {
  load_state
  running
}

# One command at a time per DIR.
exec 9>>"$DIR/.lock"
flock -w 120 9 || die "could not lock $DIR/.lock"

case $CMD in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_restart ;;
  halt) cmd_halt ;;
  crash) cmd_crash ;;
  promote) cmd_promote ;;
  replica) cmd_replica ;;
  status) cmd_status ;;
  env) [[ -f $ENVFILE ]] || die "$ENVFILE missing (run start first)"; cat "$ENVFILE" ;;
  *) usage ;;
esac
