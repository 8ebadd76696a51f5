#!/usr/bin/env bash
# web_public.sh — the public page's cache (SPEC §10, issue 11 item 5) and dubanweb across a
# PostgreSQL restart. The page is served from memory by the loop thread: plain or gzip (the
# same bytes), each with its own ETag (304 on a match), Cache-Control and Vary; it is rendered
# again when a write anywhere (here dubanctl, not the console) NOTIFYs duban_wake. With the
# database stopped the public page keeps being served from memory while the console answers
# 503 {error: unavailable}; once it is back both recover, the cache LISTENs again and a write
# shows up. Every wait is for a page or a log line.
. "$(dirname "$0")/../harness/lib.sh"
. "$HARNESS/web.sh"

NOW=2026-03-09T09:00:00+08:00
pg_private
duban_test_db t_web_public
port=$(free_port)
pport=$(free_port)
duban_config web.listen=127.0.0.1:$port web.public_listen=127.0.0.1:$pport log.level=debug \
  "web.objection_contact=区整改办 0571-12345678"
DWEB_URL=http://127.0.0.1:$port
PUB_URL=http://127.0.0.1:$pport
ctl migrate >/dev/null
c() { ctl --now "$NOW" "$@" >/dev/null; }
c unit add XJ 新街镇 --kind town
c unit add SLJ 区水利局 --kind department
publicize() {  # publicize REF: a problem of XJ, applied and accepted (in publicity from tomorrow)
  c problem add --ref "$1" --title "河道问题 $1" --level district --unit XJ --supervisors SLJ --deadline 2026-03-31
  c problem apply "$1"
  c problem accept "$1"
}
publicize P1
echo correct-horse-1 | ctl user add clerk --role office --password-stdin >/dev/null

dweb_start --now "$NOW"
public_has() { curl -s "$PUB_URL/" | grep -q "$1"; }
wait_until 60 public_has P1 || fail "the public page never listed P1"

# ---------------------------------------------------------------- representations and headers
plain=$(curl -s -D "$TEST_TMP/plain.h" "$PUB_URL/")
curl -s -D "$TEST_TMP/gz.h" -H 'Accept-Encoding: gzip, deflate, br' -o "$TEST_TMP/page.gz" "$PUB_URL/"
header() { sed -n "s/^$1: \(.*\)\r$/\1/Ip" "$2"; }
assert_eq gzip "$(header Content-Encoding "$TEST_TMP/gz.h")" "gzip when the client takes it"
assert_eq "" "$(header Content-Encoding "$TEST_TMP/plain.h")" "plain otherwise"
assert_eq "$plain" "$(gzip -dc "$TEST_TMP/page.gz")" "the gzip body is the plain page"
(($(stat -c %s "$TEST_TMP/page.gz") < $(printf '%s' "$plain" | wc -c))) || fail "gzip did not shrink the page"
for f in plain gz; do
  assert_eq "public, max-age=30" "$(header Cache-Control "$TEST_TMP/$f.h")" "$f: Cache-Control"
  assert_eq "Accept-Encoding" "$(header Vary "$TEST_TMP/$f.h")" "$f: Vary"
  assert_contains "$(header Content-Security-Policy "$TEST_TMP/$f.h")" "frame-ancestors 'none'" "$f: CSP"
  assert_eq nosniff "$(header X-Content-Type-Options "$TEST_TMP/$f.h")" "$f: nosniff"
done
etag=$(header ETag "$TEST_TMP/plain.h")
etag_gz=$(header ETag "$TEST_TMP/gz.h")
[[ -n $etag && -n $etag_gz && $etag != "$etag_gz" ]] || fail "one ETag per representation: '$etag' '$etag_gz'"
status() { curl -s -o /dev/null -w '%{http_code}' "$@" "$PUB_URL/"; }
assert_eq 304 "$(status -H "If-None-Match: $etag")" "304 for the plain page's ETag"
assert_eq 304 "$(status -H 'Accept-Encoding: gzip' -H "If-None-Match: \"x\", $etag_gz")" "304 for the gzip ETag in a list"
assert_eq 200 "$(status -H 'Accept-Encoding: gzip' -H "If-None-Match: $etag")" "200 when the client has the other representation"
assert_eq "" "$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip;q=0, identity' "$PUB_URL/" | header Content-Encoding /dev/stdin)" \
  "gzip;q=0 is a refusal"

# ---------------------------------------------------------------- a write elsewhere wakes the cache
publicize P2    # dubanctl commits with NOTIFY duban_wake
wait_until 60 public_has P2 || fail "P2 never appeared on the public page"
wait_until 60 grep -q 'event=public_refresh why=wake' "$DWEB_LOG" || fail "no refresh on the wake"
assert_eq 200 "$(status -H "If-None-Match: $etag")" "the old ETag no longer matches"

# ---------------------------------------------------------------- PostgreSQL stops and comes back
assert_eq "303 /" "$(web_login clerk correct-horse-1 "$TEST_TMP/jar")" "login"
web_expect 200 GET /api/session "$TEST_TMP/jar"
pg_halt
wait_until 60 grep -q 'event=public_db up=0' "$DWEB_LOG" || fail "the cache's connection loss was not noticed"
public_page=$(curl -s -w '\n%{http_code}' "$PUB_URL/")
assert_eq 200 "$(tail -n 1 <<<"$public_page")" "the public page is served with the database down"
assert_contains "$public_page" P2 "from memory, as it was"
unavailable() { web_call GET /api/session "$TEST_TMP/jar"; [[ $WEB_STATUS == 503 ]]; }
wait_until 60 unavailable || fail "the console answered $WEB_STATUS with the database down"
assert_eq unavailable "$(web_json 'd["error"]')" "503 says the database is unavailable"
kill -0 "$DWEB_PID" || fail "dubanweb died with the database"
pg_resume
available() { web_call GET /api/session "$TEST_TMP/jar"; [[ $WEB_STATUS == 200 ]]; }
wait_until 120 available || fail "the console did not recover (status $WEB_STATUS)"
assert_eq clerk "$(web_json 'd["name"]')" "the session survived the restart"
count() { grep -c "$1" "$DWEB_LOG" || true; }
reconnected() { (($(count 'event=public_refresh why=connect') >= 2)); }
wait_until 120 reconnected || fail "the cache did not reconnect"
wakes=$(count 'event=public_refresh why=wake')
publicize P3
woken() { (($(count 'event=public_refresh why=wake') > wakes)); }
wait_until 120 woken || fail "no wake heard after the restart (LISTEN lost?)"
wait_until 60 public_has P3 || fail "P3 never appeared after the restart"

dweb_stop
assert_eq 0 "$DWEB_RC" "SIGTERM: exit 0"
echo "web_public: ok"
