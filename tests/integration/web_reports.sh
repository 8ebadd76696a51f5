#!/usr/bin/env bash
# web_reports.sh — the console's reporting duties (GET /api/reports, the dashboard's 本月报送任务)
# against a real PostgreSQL: for each schedule's period due in a month, the due day, how many
# units it obliges, how many submitted (and late), and who has not — with known answers for
# every kind (a self-found problem counting as the monthly report, a late quarterly report, the
# office's exposure duty, dispatch naming the problems without a progress note, a custom
# schedule), and the same units as the missed lists the sweep makes from the same rule.
. "$(dirname "$0")/../harness/lib.sh"
. "$HARNESS/web.sh"

NOW=2026-03-20T09:00:00+08:00
duban_test_db web_reports
ctl --dsn "$DUBAN_DSN" migrate >/dev/null
port=$(free_port)
duban_config web.listen=127.0.0.1:$port
DWEB_URL=http://127.0.0.1:$port

at() { local when=$1; shift; ctl --now "$when" "$@" >/dev/null; }
at 2026-03-01T09:00:00+08:00 unit add ZB 整改办 --kind office
at 2026-03-01T09:00:00+08:00 unit add XJ 新街镇 --kind town
at 2026-03-01T09:00:00+08:00 unit add HS 河山镇 --kind town
at 2026-03-01T09:00:00+08:00 unit add SLJ 区水利局 --kind department
at 2026-03-01T09:00:00+08:00 channel add ZB --kind json --url http://127.0.0.1:9/never
at 2026-03-01T09:00:00+08:00 schedule add campaign --label 入河排污口专项排查 --dates 2026-03-25 --units XJ,SLJ --table attachment1
# XJ finds a problem itself (自查: its monthly self-found duty is done); P1 has a March
# progress note, P2 and P3 (HS) have none, S1 (XJ) has none.
at 2026-03-02T10:00:00+08:00 problem add --ref S1 --title 自查问题 --level district --unit XJ --supervisors SLJ --deadline 2026-06-30 --source 自查
for ref in P1 P2 P3; do
  unit=HS; [[ $ref == P1 ]] && unit=XJ
  at 2026-03-02T10:00:00+08:00 problem add --ref "$ref" --title "问题 $ref" --level district --unit "$unit" --supervisors SLJ --deadline 2026-06-30
done
at 2026-03-10T15:00:00+08:00 problem progress P1 30 --note 已清理
at 2026-03-05T10:00:00+08:00 report submit XJ quarterly-self-inspection 2026-Q1
at 2026-03-12T10:00:00+08:00 report submit HS quarterly-self-inspection 2026-Q1   # late (due 03-10)
at 2026-03-18T10:00:00+08:00 report submit HS monthly-self-found 2026-03
at 2026-03-19T10:00:00+08:00 report submit SLJ campaign 2026-03-25

PW=correct-horse-1
echo "$PW" | ctl user add clerk --role office --password-stdin >/dev/null
echo "$PW" | ctl user add xj --role unit --unit XJ --password-stdin >/dev/null
dweb_start --now "$NOW"
J=$TEST_TMP/jar
assert_eq "303 /" "$(web_login clerk "$PW" "$J.clerk")" "login clerk"
assert_eq "303 /" "$(web_login xj "$PW" "$J.xj")" "login xj"

web_expect 401 GET /api/reports ""
for bad in 2026-13 2026-3 2026-Q1 "2026-03'%3B--" 2026-03-01 x; do
  web_expect 400 GET "/api/reports?period=$bad" "$J.clerk"
  assert_eq bad_request "$(web_json 'd["error"]')" "period=$bad refused"
done

# One line per duty: schedule period due obliged/submitted/late missing-units(problems)
duties() {
  web_json '"\n".join("%s %s %s %d/%d/%d %s" % (x["schedule"], x["period"], x["due"], x["obliged"],
    x["submitted"], x["late"], ",".join(u["unit"] + ("(" + "+".join(u["problems"]) + ")" if "problems" in u else "")
    for u in x["missing"]) or "-") for x in d["duties"])'
}
MARCH="quarterly-self-inspection 2026-Q1 2026-03-10 3/2/1 SLJ
quarterly-exposure 2026-Q1 2026-03-15 1/0/0 ZB
campaign 2026-03-25 2026-03-25 2/1/0 XJ
monthly-dispatch 2026-03 2026-03-31 2/0/0 HS(P2+P3),XJ(S1)
monthly-self-found 2026-03 2026-03-31 3/2/0 SLJ"
web_expect 200 GET /api/reports "$J.clerk"
assert_eq "2026-03 2026-03-20" "$(web_json 'd["month"] + " " + d["today"]')" "this month by default"
assert_eq "$MARCH" "$(duties)" "March's duties"
assert_eq 入河排污口专项排查 "$(web_json 'd["duties"][2]["label"]')" "the schedule's label"
assert_eq "attachment1 None" "$(web_json 'str(d["duties"][2]["table"]) + " " + str(d["duties"][0]["table"])')" \
  "the table a schedule sends (schedule add --table), none for the others"
web_expect 200 GET "/api/reports?period=2026-03" "$J.xj"
assert_eq "$MARCH" "$(duties)" "a unit user reads the same (units read everything)"
# April: nothing is submitted yet; P1's March note does not count for April's dispatch
web_expect 200 GET "/api/reports?period=2026-04" "$J.clerk"
assert_eq "monthly-dispatch 2026-04 2026-04-30 2/0/0 HS(P2+P3),XJ(P1+S1)
monthly-self-found 2026-04 2026-04-30 3/0/0 HS,SLJ,XJ" "$(duties)" "April's duties"
# February: the problems came in March, so February's dispatch obliged nobody
web_expect 200 GET "/api/reports?period=2026-02" "$J.clerk"
assert_eq "monthly-dispatch 2026-02 2026-02-28 0/0/0 -
monthly-self-found 2026-02 2026-02-28 3/0/0 HS,SLJ,XJ" "$(duties)" "February's duties"

# The sweep asks the same rule: the missed lists it sends the office the day after each due
# day name the missing units, and the late ones (HS's quarterly report came after the 10th).
for day in 2026-03-11 2026-03-16 2026-03-26 2026-04-01; do
  psql_q "SET duban.now = '${day}T09:00:00+08:00'; SELECT duban.sweep_reports()" >/dev/null
done
assert_eq "campaign 2026-03-25 XJ
monthly-dispatch 2026-03 HS,XJ
monthly-self-found 2026-03 SLJ
quarterly-exposure 2026-Q1 ZB
quarterly-self-inspection 2026-Q1 HS,SLJ" \
  "$(psql_q "SELECT concat_ws(' ', n.payload->>'schedule', n.payload->>'period',
       (SELECT string_agg(x, ',' ORDER BY x) FROM jsonb_array_elements_text(n.payload->'units') x))
       FROM duban.notices n JOIN duban.units u ON u.id = n.unit_id
      WHERE n.type = 'missed' AND u.code = 'ZB' ORDER BY 1")" "the office's missed lists"

# The dashboard page reads it (the browser test checks what it shows).
web_expect 200 GET / "$J.clerk"
assert_contains "$WEB_BODY" 'id="duties"' "the dashboard has the duties table"
dweb_stop
assert_eq 0 "$DWEB_RC" "SIGTERM: exit 0"
echo "web_reports: ok"
