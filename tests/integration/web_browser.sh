#!/usr/bin/env bash
# The console in a real browser (SPEC §10): Playwright (npm playwright-core, pinned by
# tests/browser/package-lock.json, installed by tests/browser/setup.sh) drives Debian's chromium
# headless. The office logs in, filters the ledger, opens a late problem and sees its history
# and which groups were told; the town records progress and applies from a phone; the lead
# supervisor accepts; the public page shows the publicity. With SCREENSHOTS=DIR the pages are
# photographed for the README (docs/screenshots/).
. "$(dirname "$0")/../harness/lib.sh"
. "$HARNESS/web.sh"

command -v node >/dev/null || fail "node is not installed (scripts/install-deps.sh)"
[[ -x /usr/bin/chromium ]] || fail "chromium is not installed (scripts/install-deps.sh)"
bash "$DUBAN_SOURCE/tests/browser/setup.sh" || fail "npm ci of tests/browser failed"

duban_test_db web_browser
port=$(free_port)
pport=$(free_port)
duban_config web.listen=127.0.0.1:$port web.public_listen=127.0.0.1:$pport \
  "web.objection_contact=区整改办 0571-12345678(工作日)"
ctl migrate >/dev/null
export DWEB_URL=http://127.0.0.1:$port PUB_URL=http://127.0.0.1:$pport
receiver_start web

T0=2026-01-05T09:00:00+08:00
c() { ctl --now "$T0" "$@" >/dev/null; }
c unit add ZB 区整改办 --kind office
c unit add LD 区整改工作领导小组 --kind leadership
c unit add XJ 新街镇 --kind town
c unit add HS 河山镇 --kind town
c unit add QY 青云街道 --kind street
c unit add SLJ 区水利局 --kind department
c unit add STHJ 区生态环境分局 --kind department
for u in ZB LD XJ HS QY SLJ STHJ; do c channel add "$u" --kind json --url "$RECEIVER_URL/json/$u"; done
cat >"$TEST_TMP/ledger.csv" <<'CSV'
编号,层级,问题来源,问题,地址,主体责任单位,监管责任单位,整改时限,办理状态,办结日期,整改进度
ZY-07,中央,中央督察,河道非法采砂,新街镇沙河村段,新街镇,区水利局、区生态环境分局,2026年2月10日,正在办理,,40%
ZY-08,中央,中央督察,沙场扬尘污染,新街镇工业园,新街镇,区生态环境分局,2026年3月20日,正在办理,,30%
SX-01,省级,信访件,河山镇养殖废水直排,河山镇李家村,河山镇,区生态环境分局、区农业农村局,2026年2月20日,正在办理,,10%
SX-02,省级,信访件,青云街道餐饮油烟扰民,青云街道中心路,青云街道,区生态环境分局,2026年1月31日,已办结,2026年1月20日,100%
ZC-01,区级,自查,河山镇垃圾露天堆放,河山镇王家村,河山镇,区生态环境分局,2026年4月30日,正在办理,,50%
CSV
c unit add NYJ 区农业农村局 --kind department
c channel add NYJ --kind json --url "$RECEIVER_URL/json/NYJ"
ctl --now "$T0" problem import "$TEST_TMP/ledger.csv" >/dev/null
PW=correct-horse-1
for u in clerk:office: boss:leader: xj:unit:XJ slj:unit:SLJ; do
  IFS=: read -r name role unit <<<"$u"
  echo "$PW" | ctl user add "$name" --role "$role" ${unit:+--unit "$unit"} --password-stdin >/dev/null
done
# The first working day of March: ladder notices, the February bulletin; all delivered.
assert_exit 0 "duband --once" -- dband --once --now 2026-03-02T09:00:00+08:00
[[ $(psql_q "SELECT count(*) FROM duban.notices WHERE type = 'bulletin' AND status = 'sent'") -ge 1 ]] || fail "no bulletin sent"

# XJ has handed in its first-quarter self-inspection: the dashboard's duties count it.
ctl --now 2026-03-02T09:30:00+08:00 report submit XJ quarterly-self-inspection 2026-Q1 >/dev/null

dweb_start --now 2026-03-02T10:00:00+08:00
export WEB_PASSWORD=$PW LATE_REF=ZY-07
[[ -n ${SCREENSHOTS:-} ]] && mkdir -p "$SCREENSHOTS"
(cd "$DUBAN_SOURCE/tests/browser" && node console.test.js) || fail "browser test failed"
assert_contains "$(ctl problem show ZY-07 --json)" '"actor": "slj"' "the acceptance is in history"
echo "web_browser: ok"
