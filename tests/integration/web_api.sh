#!/usr/bin/env bash
# dubanweb's API against a real PostgreSQL (SPEC §10): users and sessions, CSRF, every role ×
# every write, lock-out, disabled users, history with the user as actor and NOTIFY duban_wake,
# injection in every query parameter, oversized bodies, the public page and the headers.
. "$(dirname "$0")/../harness/lib.sh"
. "$HARNESS/web.sh"

NOW=2026-03-09T09:00:00+08:00
duban_test_db web_api
ctl --dsn "$DUBAN_DSN" migrate >/dev/null
port=$(free_port)
pport=$(free_port)
duban_config web.listen=127.0.0.1:$port web.public_listen=127.0.0.1:$pport \
  "web.objection_contact=区整改办 0571-12345678"
DWEB_URL=http://127.0.0.1:$port
PUB_URL=http://127.0.0.1:$pport

c() { ctl --now "$NOW" "$@" >/dev/null; }
c unit add ZB 整改办 --kind office
c unit add LD 领导小组 --kind leadership
c unit add XJ 新街镇 --kind town
c unit add HS 河山镇 --kind town
c unit add SLJ 区水利局 --kind department
c unit add STHJ 区生态环境分局 --kind department
# P1..P4 belong to XJ, led by SLJ (STHJ second); Q1 belongs to HS, led by STHJ.
for ref in P1 P2 P3 P4 P5; do
  c problem add --ref "$ref" --title "河道问题 $ref" --level central --unit XJ --supervisors SLJ,STHJ \
    --deadline 2026-03-31
done
c problem add --ref Q1 --title '河山镇<b>问题</b>' --level district --unit HS --supervisors STHJ --deadline 2026-02-28

PW=correct-horse-1
for u in clerk:office: boss:leader: xj:unit:XJ slj:unit:SLJ sthj:unit:STHJ hs:unit:HS; do
  IFS=: read -r name role unit <<<"$u"
  if [[ -n $unit ]]; then
    echo "$PW" | ctl user add "$name" --role "$role" --unit "$unit" --password-stdin >/dev/null
  else
    echo "$PW" | ctl user add "$name" --role "$role" --password-stdin >/dev/null
  fi
done
assert_exit 65 "a short password is refused" -- bash -c "echo short | '$DUBAN_BUILD/dubanctl' user add x --role office --password-stdin"
assert_exit 64 "role unit needs --unit" -- bash -c "echo $PW | '$DUBAN_BUILD/dubanctl' user add x --role unit --password-stdin"
assert_exit 64 "the password only on stdin" -- ctl user add x --role office
assert_contains "$(psql_q "SELECT hash FROM duban.users WHERE name = 'clerk'")" '$argon2id$' "argon2id hash stored"

dweb_start --now "$NOW"

# ---------------------------------------------------------------- no session
for path in /api/session /api/problems /api/problems/P1 /api/units /api/bulletin /api/dashboard; do
  web_expect 401 GET "$path" ""
  assert_eq unauthorized "$(web_json 'd["error"]')" "$path: error field"
done
for a in progress apply accept reject object; do
  web_expect 401 POST "/api/problems/P1/$a" "" '{"percent":1,"reason":"x"}'
done
web_expect 303 GET / ""
assert_contains "$WEB_HEADERS" "Location: /login" "a page without a session goes to /login"
web_expect 200 GET /login ""
assert_contains "$WEB_BODY" 'name="password"' "the login form"

# ---------------------------------------------------------------- security headers
for h in "Content-Security-Policy: default-src 'self'; script-src 'self'" "frame-ancestors 'none'" \
         "X-Content-Type-Options: nosniff" "X-Frame-Options: DENY"; do
  assert_contains "$WEB_HEADERS" "$h" "console header $h"
done
assert_not_contains "$WEB_HEADERS" "unsafe-inline" "no inline script allowed"

# ---------------------------------------------------------------- login
J=$TEST_TMP/jar
assert_eq "303 /login?error=invalid" "$(web_login clerk wrong-password "$J.bad")" "a bad password"
assert_eq "303 /login?error=invalid" "$(web_login nobody "$PW" "$J.bad")" "an unknown user answers the same"
for u in clerk boss xj slj sthj hs; do
  assert_eq "303 /" "$(web_login "$u" "$PW" "$J.$u")" "login $u"
done
cookie=$(curl -s -o /dev/null -D - --data-urlencode user=clerk --data-urlencode "password=$PW" "$DWEB_URL/login" | grep -i '^Set-Cookie:')
assert_contains "$cookie" "HttpOnly" "cookie HttpOnly"
assert_contains "$cookie" "SameSite=Strict" "cookie SameSite=Strict"
assert_not_contains "$cookie" "Secure" "no Secure flag without an https base_url"
assert_eq 1 "$(psql_q "SELECT count(*) FROM duban.sessions WHERE token_digest = encode(sha256('$(sed -n 's/.*duban_session=\([0-9a-f]*\).*/\1/p' <<<"$cookie")'::bytea), 'hex')")" \
  "the session is stored as the SHA-256 of its token"
web_expect 200 GET /api/session "$J.xj"
assert_eq "xj unit XJ" "$(web_json 'd["name"]+" "+d["role"]+" "+d["unit"]')" "session of xj"
declare -A CSRF
for u in clerk boss xj slj sthj hs; do CSRF[$u]=$(web_csrf "$J.$u"); done
[[ ${#CSRF[xj]} -eq 64 && ${CSRF[xj]} != "${CSRF[slj]}" ]] || fail "CSRF tokens per session"
web_expect 200 GET / "$J.clerk"
assert_contains "$WEB_BODY" "<html" "a page with a session"

# ---------------------------------------------------------------- CSRF
for a in progress apply accept reject object; do
  web_expect 403 POST "/api/problems/P1/$a" "$J.clerk" '{"percent":10,"reason":"r"}'
  assert_eq csrf "$(web_json 'd["error"]')" "$a without CSRF"
  web_expect 403 POST "/api/problems/P1/$a" "$J.clerk" '{"percent":10,"reason":"r"}' "${CSRF[xj]}"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J.xj" --data-urlencode "csrf=${CSRF[xj]}" "$DWEB_URL/logout")
[[ $code == 303 ]] || fail "logout with the form field csrf: $code"
web_expect 401 GET /api/session "$J.xj"
assert_eq "303 /" "$(web_login xj "$PW" "$J.xj")" "login xj again"
CSRF[xj]=$(web_csrf "$J.xj")

# ---------------------------------------------------------------- roles × actions
# leader: reads everything, writes nothing
for a in progress apply accept reject object; do
  web_expect 403 POST "/api/problems/P1/$a" "$J.boss" '{"percent":10,"reason":"r"}' "${CSRF[boss]}"
done
web_expect 200 GET /api/problems "$J.boss"
web_expect 200 GET /api/problems/P1 "$J.boss"
assert_eq "[]" "$(web_json 'json.dumps(d["actions"])')" "the leader's problem page offers nothing"
# unit xj (main unit of P1): progress and apply; not accept, reject, object
web_expect 403 POST /api/problems/Q1/progress "$J.xj" '{"percent":10}' "${CSRF[xj]}"
web_expect 403 POST /api/problems/Q1/apply "$J.xj" '' "${CSRF[xj]}"
web_expect 200 POST /api/problems/P1/progress "$J.xj" '{"percent":60,"note":"已清理砂石 2 万方"}' "${CSRF[xj]}"
assert_eq 60 "$(psql_q "SELECT progress FROM duban.problems WHERE ref = 'P1'")" "progress recorded"
web_expect 200 GET /api/problems/P1 "$J.xj"
assert_eq '["progress", "apply"]' "$(web_json 'json.dumps(d["actions"], ensure_ascii=False)')" "xj may progress and apply P1"
web_expect 200 POST /api/problems/P1/apply "$J.xj" '' "${CSRF[xj]}"
assert_eq applied "$(web_json 'd["status"]')" "xj applied P1"
web_expect 403 POST /api/problems/P1/accept "$J.xj" '' "${CSRF[xj]}"
web_expect 403 POST /api/problems/P1/reject "$J.xj" '{"reason":"no"}' "${CSRF[xj]}"
# the second supervisor is not the lead; the lead may accept and reject
web_expect 403 POST /api/problems/P1/accept "$J.sthj" '' "${CSRF[sthj]}"
web_expect 403 POST /api/problems/P1/progress "$J.slj" '{"percent":70}' "${CSRF[slj]}"
web_expect 403 POST /api/problems/P1/apply "$J.slj" '' "${CSRF[slj]}"
web_expect 200 POST /api/problems/P1/reject "$J.slj" '{"reason":"照片不全"}' "${CSRF[slj]}"
assert_eq rectifying "$(web_json 'd["status"]')" "slj rejected P1"
web_expect 200 POST /api/problems/P1/apply "$J.xj" '' "${CSRF[xj]}"
web_expect 200 POST /api/problems/P1/accept "$J.slj" '' "${CSRF[slj]}"
assert_eq publicizing "$(web_json 'd["status"]')" "slj accepted P1"
# object: the office only
for u in xj slj sthj hs boss; do
  web_expect 403 POST /api/problems/P1/object "$J.$u" '{"reason":"群众反映"}' "${CSRF[$u]}"
done
# the office: everything
web_expect 200 POST /api/problems/P2/progress "$J.clerk" '{"percent":100}' "${CSRF[clerk]}"
web_expect 200 POST /api/problems/P2/apply "$J.clerk" '' "${CSRF[clerk]}"
web_expect 200 POST /api/problems/P2/reject "$J.clerk" '{"reason":"复核不合格"}' "${CSRF[clerk]}"
web_expect 200 POST /api/problems/P2/apply "$J.clerk" '' "${CSRF[clerk]}"
web_expect 200 POST /api/problems/P2/accept "$J.clerk" '' "${CSRF[clerk]}"
web_expect 200 POST /api/problems/P2/object "$J.clerk" '{"reason":"群众反映仍有采砂"}' "${CSRF[clerk]}"
assert_eq rectifying "$(web_json 'd["status"]')" "the office objected to P2"
web_expect 200 POST /api/problems/P3/apply "$J.clerk" '' "${CSRF[clerk]}"
web_expect 200 POST /api/problems/P3/accept "$J.clerk" '' "${CSRF[clerk]}"
# hs on XJ's problem, sthj leads Q1
web_expect 403 POST /api/problems/P4/progress "$J.hs" '{"percent":10}' "${CSRF[hs]}"
web_expect 200 POST /api/problems/Q1/apply "$J.hs" '' "${CSRF[hs]}"
web_expect 200 POST /api/problems/Q1/accept "$J.sthj" '' "${CSRF[sthj]}"

# ---------------------------------------------------------------- refusals with the right status
web_expect 409 POST /api/problems/P1/apply "$J.clerk" '' "${CSRF[clerk]}"
assert_eq "problem P1 is publicizing; apply needs status rectifying" "$(web_json 'd["message"]')" "the dubanctl wording"
web_expect 404 POST /api/problems/NOPE/apply "$J.clerk" '' "${CSRF[clerk]}"
web_expect 404 GET /api/problems/NOPE "$J.clerk"
web_expect 404 POST /api/problems/P4/reopen "$J.clerk" '{"reason":"x"}' "${CSRF[clerk]}"
web_expect 400 POST /api/problems/P4/reject "$J.clerk" '{}' "${CSRF[clerk]}"
web_expect 400 POST /api/problems/P4/progress "$J.clerk" '{"percent":101}' "${CSRF[clerk]}"
web_expect 400 POST /api/problems/P4/progress "$J.clerk" '{"percent":"60; DROP TABLE x"}' "${CSRF[clerk]}"
web_expect 400 POST /api/problems/P4/progress "$J.clerk" 'not json' "${CSRF[clerk]}"
web_expect 405 GET /api/problems/P4/apply "$J.clerk"

# ---------------------------------------------------------------- history: the user as actor
hist=$(ctl problem show P1 --json)
for want in '"actor": "xj"' '"action": "progress"' '"action": "apply"' '"actor": "slj"' '"action": "reject"' '"action": "accept"'; do
  assert_contains "$hist" "$want" "P1 history has $want"
done
assert_eq "xj" "$(psql_q "SELECT actor FROM duban.progress_notes n JOIN duban.problems p ON p.id = n.problem_id WHERE p.ref = 'P1'")" "progress note by xj"
web_expect 200 GET /api/problems/P1 "$J.boss"
assert_eq "照片不全" "$(web_json '[h for h in d["history"] if h["action"]=="reject"][0]["detail"].get("reason","")')" "the reason in history"

# ---------------------------------------------------------------- writes wake the daemon
listener_out=$TEST_TMP/listen.out
psql -X -c "LISTEN duban_wake" -c "SELECT pg_sleep(600)" -c "SELECT 'after'" >"$listener_out" 2>&1 &
lpid=$!
sleeping() { [[ $(psql_q "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)'") == 1 ]]; }
wait_until 60 sleeping || fail "listener not waiting"
web_expect 200 POST /api/problems/P4/progress "$J.xj" '{"percent":20}' "${CSRF[xj]}"
psql_q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)'" >/dev/null
wait "$lpid" || true
assert_contains "$(cat "$listener_out")" 'notification "duban_wake"' "a console write sends NOTIFY duban_wake"

# ---------------------------------------------------------------- injection in every parameter
web_expect 400 GET "/api/problems?status=rectifying%27%20OR%201=1--" "$J.clerk"
web_expect 400 GET "/api/problems?unit=XJ%27%3B%20DROP%20TABLE%20duban.problems%3B--" "$J.clerk"
web_expect 200 GET "/api/problems?q=%27%3B%20DROP%20TABLE%20duban.problems%3B--" "$J.clerk"
assert_eq "[]" "$WEB_BODY" "a hostile search finds nothing"
web_expect 200 GET "/api/problems?q=%25" "$J.clerk"
assert_eq "[]" "$WEB_BODY" "% is searched literally"
web_expect 400 GET "/api/problems?sort=ref%3BDROP%20TABLE%20x" "$J.clerk"
web_expect 400 GET "/api/problems?sort=ref&order=asc%3BDROP" "$J.clerk"
web_expect 400 GET "/api/problems?limit=1%3BDROP" "$J.clerk"
web_expect 400 GET "/api/problems?level=central%27--" "$J.clerk"
web_expect 200 GET "/api/problems?source=%27%20OR%20%27%27=%27" "$J.clerk"
assert_eq "[]" "$WEB_BODY" "a hostile source finds nothing"
web_expect 400 GET "/api/problems?after=1%27%3BDROP" "$J.clerk"
web_expect 422 GET "/api/problems?sort=deadline&after=1:%27%3BDROP%20TABLE%20x" "$J.clerk"
web_expect 404 GET "/api/bulletin?period=2026-02%27%20OR%20%271%27=%271" "$J.clerk"
web_expect 404 GET "/api/problems/P1%27%20OR%20%271%27=%271" "$J.clerk"
assert_eq 6 "$(psql_q "SELECT count(*) FROM duban.problems")" "the ledger is intact"

# ---------------------------------------------------------------- filters, search, paging
web_expect 200 GET "/api/problems?unit=XJ&status=rectifying" "$J.clerk"
assert_eq "P2 P4 P5" "$(web_json '" ".join(p["ref"] for p in d)')" "filter by unit and status"
web_expect 200 GET "/api/problems?level=district" "$J.clerk"
assert_eq "Q1" "$(web_json '" ".join(p["ref"] for p in d)')" "filter by level"
web_expect 200 GET "/api/problems?overdue=1" "$J.clerk"
assert_eq "" "$(web_json '" ".join(p["ref"] for p in d)')" "Q1 is no longer rectifying: nothing overdue"
web_expect 200 GET "/api/problems?q=%E6%B2%B3%E5%B1%B1" "$J.clerk"
assert_eq "Q1" "$(web_json '" ".join(p["ref"] for p in d)')" "search the title"
web_expect 200 GET "/api/problems?limit=2&sort=ref&order=desc" "$J.clerk"
assert_eq "Q1 P5" "$(web_json '" ".join(p["ref"] for p in d)')" "first page"
next=$(sed -n 's/^X-Next-After: \(.*\)\r$/\1/p' <<<"$WEB_HEADERS")
[[ -n $next ]] || fail "no X-Next-After on a full page"
web_expect 200 GET "/api/problems?limit=2&sort=ref&order=desc&after=$next" "$J.clerk"
assert_eq "P4 P3" "$(web_json '" ".join(p["ref"] for p in d)')" "second page"
web_expect 200 GET /api/units "$J.hs"
assert_eq "ZB LD XJ HS SLJ STHJ" "$(web_json '" ".join(u["code"] for u in d)')" "units as dubanctl lists them"
assert_eq "$(ctl unit list --json | "$PYTHON" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')" \
  "$(web_json 'json.dumps(d, sort_keys=True)')" "the same shape as dubanctl unit list --json"
web_expect 200 GET /api/dashboard "$J.boss"
assert_eq 2 "$(web_json 'd["by_status"]["publicizing"] - 1')" "dashboard counts by status"

# ---------------------------------------------------------------- import (dubanctl's importer)
printf '编号,层级,问题,主体责任单位,监管责任单位,整改时限\nN1,区级,新问题一,XJ,SLJ,2026-06-30\nN2,区级,新问题二,HS,STHJ,2026年7月31日\n' >"$TEST_TMP/good.csv"
printf '编号,层级,问题,主体责任单位,监管责任单位,整改时限\nB1,区级,好的一行,XJ,SLJ,2026-06-30\nB2,乡级,层级不对,XJ,SLJ,2026-06-30\nB3,区级,单位不存在,NOPE,SLJ,2026-06-30\n' >"$TEST_TMP/bad.csv"
upload() {  # upload FILE JAR CSRF QUERY: sets WEB_STATUS WEB_BODY
  WEB_STATUS=$(curl -s -o "$TEST_TMP/web.body" -w '%{http_code}' -b "$2" ${3:+-H "X-CSRF-Token: $3"} \
    -H 'Content-Type: text/csv' --data-binary "@$1" "$DWEB_URL/api/import$4")
  WEB_BODY=$(cat "$TEST_TMP/web.body")
}
upload "$TEST_TMP/good.csv" "$J.clerk" "" "?dry_run=1"
assert_eq 403 "$WEB_STATUS" "import without CSRF"
for u in boss xj slj; do
  upload "$TEST_TMP/good.csv" "$J.$u" "${CSRF[$u]}" "?dry_run=1"
  assert_eq 403 "$WEB_STATUS" "import as $u"
done
upload "$TEST_TMP/bad.csv" "$J.clerk" "${CSRF[clerk]}" "?dry_run=1"
assert_eq 200 "$WEB_STATUS" "dry run of a bad file"
assert_eq "3 层级|4 主体责任单位" "$(web_json '"|".join(str(e["line"])+" "+e["column"] for e in d)')" "errors with line numbers and columns"
upload "$TEST_TMP/bad.csv" "$J.clerk" "${CSRF[clerk]}" ""
assert_eq 422 "$WEB_STATUS" "importing a bad file"
assert_eq 2 "$(web_json 'len(d["errors"])')" "the errors come with the refusal"
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.problems WHERE ref LIKE 'B%'")" "all or nothing"
upload "$TEST_TMP/good.csv" "$J.clerk" "${CSRF[clerk]}" "?dry_run=1"
assert_eq "200 []" "$WEB_STATUS $WEB_BODY" "dry run of a good file"
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.problems WHERE ref LIKE 'N%'")" "a dry run writes nothing"
upload "$TEST_TMP/good.csv" "$J.clerk" "${CSRF[clerk]}" ""
assert_eq 200 "$WEB_STATUS" "import a good file"
assert_eq "2 2" "$(web_json 'str(d["rows"])+" "+str(d["added"])')" "import summary"
assert_contains "$(ctl problem show N1 --json)" '"actor": "clerk"' "the import is recorded with the user as actor"
web_expect 200 GET "/api/export/ledger?unit=HS&format=csv" "$J.boss"
assert_contains "$WEB_HEADERS" 'attachment; filename="ledger.csv"' "the export is a download"
ctl export ledger --unit HS --out "$TEST_TMP/ledger-ctl.csv" >/dev/null
cmp -s "$TEST_TMP/ledger-ctl.csv" "$TEST_TMP/web.body" || fail "the export is dubanctl export's file"
assert_contains "$WEB_BODY" "河山镇" "the HS ledger"
for t in ledger attachment1 attachment2 closure; do
  web_expect 200 GET "/api/export/$t" "$J.xj"
  assert_eq "PK" "$(head -c 2 "$TEST_TMP/web.body")" "$t as .xlsx"
  assert_contains "$WEB_HEADERS" "spreadsheetml" "$t content type"
done
web_expect 400 GET "/api/export/bulletin?period=2020-01" "$J.boss"
web_expect 400 GET "/api/export/ledger?format=pdf" "$J.boss"
web_expect 400 GET "/api/export/ledger?unit=--dsn%3Dx" "$J.boss"
web_expect 404 GET "/api/export/nothing" "$J.boss"
web_expect 401 GET "/api/export/ledger" ""

# ---------------------------------------------------------------- oversized bodies
big=$("$PYTHON" -c 'print("{\"percent\":1,\"note\":\"" + "x"*70000 + "\"}")')
web_expect 413 POST /api/problems/P4/progress "$J.clerk" "$big" "${CSRF[clerk]}"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode "user=clerk" --data-urlencode "password=$(head -c 70000 /dev/zero | tr '\0' x)" "$DWEB_URL/login")
assert_eq 413 "$code" "an oversized login form"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' x)" "$DWEB_URL/login")
[[ $code == 400 || $code == 431 || $code == 413 ]] || fail "oversized headers answered $code"

# ---------------------------------------------------------------- disabled user
web_expect 200 GET /api/session "$J.hs"
ctl user disable hs >/dev/null
web_expect 401 GET /api/session "$J.hs"
web_expect 401 GET /api/problems "$J.hs"
assert_eq "303 /login?error=invalid" "$(web_login hs "$PW" "$J.hs2")" "a disabled user cannot log in"
assert_eq 0 "$(psql_q "SELECT count(*) FROM duban.sessions s JOIN duban.users u ON u.id = s.user_id WHERE u.name = 'hs'")" "its sessions are gone"

# ---------------------------------------------------------------- lock-out
for i in 1 2 3 4; do
  assert_eq "303 /login?error=invalid" "$(web_login sthj "wrong-$i" "$J.x")" "failure $i"
done
assert_eq "303 /login?error=locked" "$(web_login sthj "wrong-5" "$J.x")" "the fifth failure locks"
assert_eq "303 /login?error=locked" "$(web_login sthj "$PW" "$J.x")" "locked even with the right password"
assert_eq "303 /" "$(web_login slj "$PW" "$J.x2")" "other users are not locked"
assert_contains "$(ctl --now "$NOW" user list --json)" '"locked_until": "2026-03-09T09:' "user list shows the lock"
web_expect 200 GET /api/session "$J.sthj"   # an open session stays open
assert_eq "00:15:00" "$(psql_q "SELECT u.locked_until - max(f.at) FROM duban.users u JOIN duban.login_failures f ON f.user_id = u.id WHERE u.name = 'sthj' GROUP BY u.locked_until")" \
  "locked for 15 minutes from the fifth failure"
until_minus=$(psql_q "SELECT to_char(locked_until - interval '1 minute', 'YYYY-MM-DD\"T\"HH24:MI:SS.USOF') FROM duban.users WHERE name = 'sthj'")
until_plus=$(psql_q "SELECT to_char(locked_until + interval '1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS.USOF') FROM duban.users WHERE name = 'sthj'")
dweb_stop
assert_eq 0 "$DWEB_RC" "SIGTERM: exit 0"
dweb_start --now "$until_minus:00"
assert_eq "303 /login?error=locked" "$(web_login sthj "$PW" "$J.x")" "still locked a minute before the end"
dweb_stop
dweb_start --now "$until_plus:00"
assert_eq "303 /" "$(web_login sthj "$PW" "$J.x")" "unlocked after 15 minutes"
dweb_stop

# ---------------------------------------------------------------- Secure cookie with https
duban_config web.listen=127.0.0.1:$port web.public_listen=127.0.0.1:$pport \
  web.base_url=https://duban.example.gov.cn "web.objection_contact=区整改办 0571-12345678"
dweb_start --now "$NOW"
cookie=$(curl -s -o /dev/null -D - --data-urlencode user=clerk --data-urlencode "password=$PW" "$DWEB_URL/login" | grep -i '^Set-Cookie:')
assert_contains "$cookie" "; Secure" "Secure cookie when base_url is https"

# ---------------------------------------------------------------- the public page
public_has() { curl -s "$PUB_URL/" | grep -q "$1"; }
wait_until 60 public_has P1 || fail "the public page never listed P1"
page=$(curl -s -D "$TEST_TMP/pub.headers" "$PUB_URL/")
for want in P1 P3 Q1 "2026-03-10" "2026-03-16" "区整改办 0571-12345678" "河山镇&lt;b&gt;问题&lt;/b&gt;" "新街镇"; do
  assert_contains "$page" "$want" "public page shows $want"
done
for bad in P2 P4 clerk slj xj sthj 照片不全 群众反映 '<b>'; do
  assert_not_contains "$page" "$bad" "public page hides $bad"
done
assert_contains "$(cat "$TEST_TMP/pub.headers")" "frame-ancestors 'none'" "public CSP"
assert_contains "$(cat "$TEST_TMP/pub.headers")" "X-Content-Type-Options: nosniff" "public nosniff"
assert_eq 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 "$PUB_URL/")" "nothing to write"
assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "$PUB_URL/api/problems")" "no API on the public listener"
assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "$PUB_URL/login")" "nothing to log in to"
etag=$(sed -n 's/^ETag: \(.*\)\r$/\1/p' "$TEST_TMP/pub.headers")
assert_eq 304 "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$PUB_URL/")" "ETag revalidation"
echo "web_api: ok"
