#!/usr/bin/env bash
# daemon_process.sh — duband as a process: options and exit codes (bad config → 78 with
# FILE:LINE, unmigrated schema → 78 naming the command to run, unreachable database in --once →
# 69, --migrate), /healthz and /metrics, SIGHUP (a valid file is applied, a key needing a
# restart is warned about, a broken file is refused and the running config kept), SIGTERM while
# a request is in flight (it finishes, its result is recorded, exit 0) and a second SIGTERM
# (exit at once, the request abandoned).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

NOW=2026-03-09T09:00:00+08:00
duban_test_db t_daemon_process

# ---------------------------------------------------------------- options and start-up errors
assert_exit 0 "--version" -- dband --version
assert_contains "$LAST_OUT" "duband " "--version prints the name"
assert_exit 0 "--help" -- dband --help
assert_contains "$LAST_OUT" "--once" "--help lists the options"
assert_exit 64 "unknown option" -- dband --no-such-option
assert_exit 64 "bad --now" -- dband --once --now yesterday

printf '[daemon]\npoll_interval = 60\nfrobnicate = 1\n' >"$TEST_TMP/bad.conf"
assert_exit 78 "unknown key" -- dband --once --config "$TEST_TMP/bad.conf"
assert_contains "$LAST_ERR" "$TEST_TMP/bad.conf:3: unknown key 'daemon.frobnicate'" "FILE:LINE: message"
printf '[log]\nlevel = info\n[daemon]junk\n' >"$TEST_TMP/bad.conf"
assert_exit 78 "text after a section header" -- dband --once --config "$TEST_TMP/bad.conf"
assert_contains "$LAST_ERR" "$TEST_TMP/bad.conf:3: text after section header" "names the line"
printf '[daemon]\npoll_interval = 5 ; x\n' >"$TEST_TMP/bad.conf"
assert_exit 78 "an inline comment" -- "$DUBAN_BUILD/dubanctl" --config "$TEST_TMP/bad.conf" status
assert_contains "$LAST_ERR" "$TEST_TMP/bad.conf:2: daemon.poll_interval" "dubanctl names the line"
printf '[delivery]\nwindow = 18:00-08:30\n' >"$TEST_TMP/bad.conf"
assert_exit 78 "bad value" -- dband --once --config "$TEST_TMP/bad.conf"
assert_contains "$LAST_ERR" "$TEST_TMP/bad.conf:2: delivery.window" "FILE:LINE names the key"
assert_exit 78 "missing explicit file" -- dband --once --config "$TEST_TMP/nonexistent.conf"
printf '[http]\nlisten = 127.0.0.1\n' >"$TEST_TMP/bad.conf"
assert_exit 78 "bad http.listen" -- dband --once --config "$TEST_TMP/bad.conf"
assert_contains "$LAST_ERR" "$TEST_TMP/bad.conf:2: http.listen" "FILE:LINE for http.listen"
printf '[http]\nlisten =\n' >"$TEST_TMP/off.conf"
assert_exit 69 "an empty http.listen (off) is valid" -- timeout 20 "$DUBAN_BUILD/duband" --once \
  --config "$TEST_TMP/off.conf" --dsn "host=/nonexistent dbname=x"

assert_exit 69 "--once with the database unreachable" -- \
  dband --once --dsn "host=127.0.0.1 port=1 dbname=x connect_timeout=5"
assert_contains "$LAST_ERR" "database unavailable" "says why"
# A connection failing at once (before the loop runs) still ends --once promptly: exit 69.
assert_exit 69 "--once with a database socket that does not exist" -- \
  timeout 20 "$DUBAN_BUILD/duband" --once --dsn "host=/nonexistent dbname=x"
# The password never reaches the output: a malformed DSN is refused without libpq's text
# (which quotes it), and connection errors mask it.
assert_exit 78 "malformed DSN" -- timeout 20 "$DUBAN_BUILD/duband" -f --once \
  --dsn "postgresql://u:s3cr%zzet@h/db"
assert_contains "$LAST_ERR" "not a valid libpq connection string" "says the DSN is bad"
assert_not_contains "$LAST_OUT$LAST_ERR" "s3cr" "no password in the output"
assert_exit 69 "password quoted in a connection error" -- timeout 20 "$DUBAN_BUILD/duband" -f \
  --once --dsn "host=/nonexistent/hunter2 password=hunter2 dbname=x"
assert_not_contains "$LAST_OUT$LAST_ERR" "hunter2" "the password is masked"
assert_contains "$LAST_ERR" "/nonexistent/***" "masked as ***"

duban_config log.level=debug
assert_exit 78 "schema not migrated" -- dband --once --now "$NOW"
assert_contains "$LAST_ERR" "dubanctl migrate" "says what to run"
assert_exit 0 "--migrate --once applies the migrations and runs" -- dband --migrate --once --now "$NOW"
assert_eq "$(ls "$DUBAN_SOURCE"/migrations/*.sql | wc -l)" \
  "$(psql_q "SELECT count(*) FROM duban.schema_migrations")" "every migration applied"
assert_exit 0 "--migrate twice is harmless" -- dband --migrate --once --now "$NOW"
psql_q "INSERT INTO duban.schema_migrations (version, name, checksum) VALUES (999, '999_future.sql', 'x')"
assert_exit 78 "a newer schema is refused" -- dband --once --now "$NOW"
assert_contains "$LAST_ERR" "newer than this duban" "says the binary is too old"
psql_q "DELETE FROM duban.schema_migrations WHERE version = 999"

# The example configuration documents every key (with its default) and parses as shipped and
# with every key uncommented.
documented=$("$PYTHON" - "$DUBAN_SOURCE/etc/duband.conf" <<'PY'
import re, sys
sec = None
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"\[(\w+)\]", line)
    if m:
        sec = m.group(1)
    m = re.match(r"#(\w+) =", line)
    if m and sec:
        print(f"{sec}.{m.group(1)}")
PY
)
known=$(sed -n '/config_keys\[\] = {/,/};/p' "$DUBAN_SOURCE/daemon/common/config.c" | grep -o '"[a-z_]*\.[a-z_]*"' | tr -d '"')
[[ -n $known ]] || fail "could not read config_keys from config.c"
assert_eq "$(sort <<<"$known")" "$(sort <<<"$documented")" "etc/duband.conf documents exactly the known keys"
assert_exit 0 "the example configuration as shipped" -- \
  dband --once --now "$NOW" --config "$DUBAN_SOURCE/etc/duband.conf" --dsn "$DUBAN_DSN"
sed -e 's/^#\([a-z_]* =\)/\1/' "$DUBAN_SOURCE/etc/duband.conf" >"$TEST_TMP/example.conf"
assert_eq "$(wc -l <<<"$known")" "$(grep -c '^[a-z_]* =' "$TEST_TMP/example.conf")" "all keys uncommented"
assert_exit 0 "the example configuration with every default written out" -- \
  dband --once --now "$NOW" --config "$TEST_TMP/example.conf" --dsn "$DUBAN_DSN"

# ---------------------------------------------------------------- a running daemon
receiver_start proc --delay slow=4 --delay stuck=600
ctl unit add sv '区水利局' --kind department >/dev/null
ctl unit add slow '慢镇' --kind town >/dev/null
ctl channel add slow --kind json --url "$RECEIVER_URL/json/slow" >/dev/null

healthz() { curl -s -o /dev/null -w '%{http_code}' "$DUBAN_HTTP_URL/healthz" || true; }
healthy() { [[ $(healthz) == 200 ]]; }
logged() { grep -q -- "$1" "$DBAND_LOG"; }

# Before the first count (here: the database never comes), /metrics still has every SPEC name.
metrics_up() { curl -sf -o /dev/null "$DUBAN_HTTP_URL/metrics"; }
dband_start --now "$NOW" --dsn "host=/nonexistent dbname=x"
wait_until 60 metrics_up || fail "/metrics never answered"
metrics=$(curl -s "$DUBAN_HTTP_URL/metrics")
for m in 'duband_db_connected 0' 'duband_notices_pending 0' 'duband_notices_dead 0'; do
  assert_contains "$metrics" "$m" "metrics before the first count: $m"
done
dband_stop "$DBAND_PID" 60
assert_eq 0 "$DBAND_RC" "SIGTERM while the database is away: exit 0"

dband_start --now "$NOW"
wait_until 60 healthy || fail "/healthz never 200 (code $(healthz))"
assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "$DUBAN_HTTP_URL/nope")" "unknown path: 404"
metrics=$(curl -s "$DUBAN_HTTP_URL/metrics")
for m in 'duband_up 1' 'duband_db_connected 1' duband_sweeps_total duband_sweep_duration_seconds \
         'duband_notices_total{result="sent"}' 'duband_notices_total{result="retry"}' \
         'duband_notices_total{result="dead"}' duband_notices_pending duband_notices_dead; do
  assert_contains "$metrics" "$m" "metrics: $m"
done
sweeps=$(sed -n 's/^duband_sweeps_total \([0-9]*\)$/\1/p' <<<"$metrics")
((sweeps >= 1)) || fail "duband_sweeps_total is '$sweeps'"

# SIGHUP, valid file: poll_interval applied; http.listen needs a restart (kept, warned).
old_url=$DUBAN_HTTP_URL
cp "$DUBAN_CONFIG" "$TEST_TMP/good.conf"
duban_config log.level=debug daemon.poll_interval=7
kill -HUP "$DBAND_PID"
wait_until 60 logged 'event=reload ok=1' || fail "no reload logged"
assert_contains "$(cat "$DBAND_LOG")" "poll_interval=7" "new poll interval applied"
assert_contains "$(cat "$DBAND_LOG")" "event=reload key=http.listen changed=1 applied=0" \
  "a changed http.listen is warned about"
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$old_url/healthz")" "still on the old address"

# SIGHUP, broken file: refused, the daemon keeps running with the running configuration.
sed -i 's/^poll_interval = .*/poll_interval = soon/' "$DUBAN_CONFIG"
kill -HUP "$DBAND_PID"
wait_until 60 logged 'event=reload ok=0' || fail "the broken file was not reported"
assert_contains "$(grep 'event=reload ok=0' "$DBAND_LOG")" "level=err" "reload failure logged at err"
assert_contains "$(grep 'event=reload ok=0' "$DBAND_LOG")" "daemon.poll_interval" "names the bad key"
kill -0 "$DBAND_PID" || fail "duband died on a broken configuration"
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$old_url/healthz")" "still healthy"
assert_contains "$(curl -s "$old_url/metrics")" "duband_reload_errors_total 1" "refusal counted"
# SIGHUP, bad http.listen: refused with FILE:LINE like any bad value, the old config kept.
cp "$TEST_TMP/good.conf" "$DUBAN_CONFIG"
sed -i 's/^listen = .*/listen = 127.0.0.1/' "$DUBAN_CONFIG"
refusals() { (($(grep -c 'event=reload ok=0' "$DBAND_LOG") >= $1)); }
kill -HUP "$DBAND_PID"
wait_until 60 refusals 2 || fail "the bad http.listen was not reported"
assert_contains "$(grep 'event=reload ok=0' "$DBAND_LOG" | tail -n 1)" \
  "$DUBAN_CONFIG:$(grep -n '^listen = ' "$DUBAN_CONFIG" | cut -d: -f1): http.listen" \
  "reload names FILE:LINE and the key"
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$old_url/healthz")" "still healthy"
assert_contains "$(curl -s "$old_url/metrics")" "duband_reload_errors_total 2" "refusal counted"
DUBAN_HTTP_URL=$old_url
cp "$TEST_TMP/good.conf" "$DUBAN_CONFIG"   # dubanctl reads the file too

# SIGTERM with a request in flight: it finishes, its result is recorded, exit 0.
ctl --now "$NOW" problem add --ref T1 --title '问题 T1' --level district --unit slow \
  --supervisors sv --deadline 2026-03-01 >/dev/null      # NOTIFY: the daemon sweeps at once
wait_received 1 60 --path /json/slow || fail "the request never arrived"
dband_stop "$DBAND_PID" 60
assert_eq 0 "$DBAND_RC" "SIGTERM: exit 0"
assert_eq 1 "$(received --path /json/slow --ok --count)" "the request in flight was answered"
assert_eq "sent" "$(psql_q "SELECT DISTINCT n.status FROM duban.notices n
  JOIN duban.channels c ON c.id = n.channel_id JOIN duban.units u ON u.id = c.unit_id
  WHERE u.code = 'slow'")" "its result was recorded before exiting"
assert_contains "$(cat "$DBAND_LOG")" "event=stop done=1" "orderly stop logged"

# A second SIGTERM exits at once, abandoning a request that would take far longer.
ctl unit add stuck '卡镇' --kind town >/dev/null
ctl channel add stuck --kind json --url "$RECEIVER_URL/json/stuck" >/dev/null
ctl --now "$NOW" problem add --ref T2 --title '问题 T2' --level district --unit stuck \
  --supervisors sv --deadline 2026-03-01 >/dev/null
duban_config log.level=debug delivery.timeout=600
dband_start --now "$NOW"
wait_received 1 60 --path /json/stuck || fail "the stuck request never arrived"
kill -TERM "$DBAND_PID"
wait_until 60 logged 'event=stop in_flight=1' || fail "first SIGTERM not logged"
dband_stop "$DBAND_PID" 60
assert_eq 0 "$DBAND_RC" "second SIGTERM: exit 0"
assert_contains "$(cat "$DBAND_LOG")" "event=stop forced=1" "the forced stop is logged"
assert_eq "pending 0" "$(psql_q "SELECT DISTINCT n.status || ' ' || n.attempts FROM duban.notices n
  JOIN duban.channels c ON c.id = n.channel_id JOIN duban.units u ON u.id = c.unit_id
  WHERE u.code = 'stuck'")" "the abandoned request counted no attempt (it will be sent again)"
echo "daemon_process: ok"
