#!/usr/bin/env bash
# web_reload.sh — dubanweb re-reads its configuration on SIGHUP (ExecReload of
# systemd/dubanweb.service), like duband: web.objection_contact and web.base_url (the cookie's
# Secure flag) and log.level apply at once; a changed listen address is logged as needing a
# restart and the running listeners keep serving; a bad file is refused at err and the running
# configuration kept. Every wait is for a log line or a page, never a fixed sleep.
. "$(dirname "$0")/../harness/lib.sh"
. "$HARNESS/web.sh"

NOW=2026-03-09T09:00:00+08:00
duban_test_db web_reload
ctl --dsn "$DUBAN_DSN" migrate >/dev/null
port=$(free_port)
pport=$(free_port)
other=$(free_port)
duban_config web.listen=127.0.0.1:$port web.public_listen=127.0.0.1:$pport \
  "web.objection_contact=区整改办 0571-11111111"
DWEB_URL=http://127.0.0.1:$port
PUB_URL=http://127.0.0.1:$pport
echo correct-horse-1 | ctl user add clerk --role office --password-stdin >/dev/null

dweb_start --now "$NOW"
public_has() { curl -s "$PUB_URL/" | grep -q "$1"; }
wait_until 60 public_has 0571-11111111 || fail "the public page never showed the first contact"
cookie() { curl -s -o /dev/null -D - --data-urlencode user=clerk --data-urlencode password=correct-horse-1 "$DWEB_URL/login" | grep -i '^Set-Cookie:'; }
assert_not_contains "$(cookie)" "Secure" "no Secure cookie with an http base_url"
reloads() { (($(grep -c "event=reload $1" "$DWEB_LOG") >= $2)); }

# A good file: the contact, base_url and log level apply; the new listen address does not.
duban_config web.listen=127.0.0.1:$other web.public_listen=127.0.0.1:$pport \
  "web.objection_contact=区整改办 0571-22222222" web.base_url=https://duban.example.gov.cn \
  log.level=debug
kill -HUP "$DWEB_PID"
wait_until 60 reloads ok=1 1 || { cat "$DWEB_LOG" >&2; fail "no reload logged"; }
line=$(grep 'event=reload ok=1' "$DWEB_LOG")
assert_contains "$line" "log_level=debug" "log.level applied"
assert_contains "$line" "secure_cookie=1" "base_url applied"
assert_contains "$(cat "$DWEB_LOG")" "event=reload key=web.listen changed=1 applied=0" \
  "a changed listen address is logged as needing a restart"
assert_contains "$(grep 'key=web.listen' "$DWEB_LOG")" "level=warning" "that warning is a warning"
wait_until 60 public_has 0571-22222222 || fail "the public page never showed the new contact"
assert_not_contains "$(curl -s "$PUB_URL/")" 0571-11111111 "the old contact is gone"
assert_contains "$(cookie)" "; Secure" "the session cookie is Secure after base_url became https"
assert_not_contains "$(cat "$DWEB_LOG")" "event=listen address=127.0.0.1:$other" \
  "nothing listens on the new address before a restart"

# A bad file: refused at err, naming the line; the running configuration is kept.
printf '[web]\nobjection_contact = 区整改办 0571-33333333\nthis is not a setting\n' >"$DUBAN_CONFIG"
kill -HUP "$DWEB_PID"
wait_until 60 reloads ok=0 1 || { cat "$DWEB_LOG" >&2; fail "the bad file was not reported"; }
assert_contains "$(grep 'event=reload ok=0' "$DWEB_LOG")" "level=err" "a refused reload is an error"
assert_contains "$(grep 'event=reload ok=0' "$DWEB_LOG")" "duband.conf:3" "it names the bad line"
assert_contains "$(curl -s "$PUB_URL/")" 0571-22222222 "the running contact is kept"
assert_contains "$(cookie)" "; Secure" "the running base_url is kept"
kill -0 "$DWEB_PID" || fail "dubanweb died on a bad file"
assert_not_contains "$(cat "$DWEB_LOG")" "event=db error" "the database connections survive the reloads"

dweb_stop
assert_eq 0 "$DWEB_RC" "SIGTERM after reloads: exit 0"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$DUBAN_SOURCE/systemd/dubanweb.service" ||
  fail "systemd/dubanweb.service has no ExecReload"
echo "web_reload: ok"
