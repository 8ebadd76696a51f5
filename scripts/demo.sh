#!/usr/bin/env bash
# demo.sh — duban in a few minutes, with no chat account: builds duban, starts a throwaway
# PostgreSQL, loads the demo ledger of 清河区 (demo/*.csv, drawn from the seed documents),
# points every unit's work-chat group at a loopback receiver, then walks the simulated dates
# 2026-03-02 … 2026-06-30 (`duband --once --now <day>T09:00+08:00` each day, with the office's
# dubanctl actions of that day at 08:30) and prints what each group receives, day by day.
#
# At the end it starts dubanweb, the office console, on the last simulated date with demo users,
# and prints its address and logins: click through the campaign in a browser (on a terminal it
# waits for Enter; with --keep it stays up).
#
#   scripts/demo.sh [--keep] [--from DATE] [--to DATE] [--quiet]
#     --keep        leave PostgreSQL and dubanweb running afterwards and print how to connect
#     --from/--to   walk a shorter span (default 2026-03-02 … 2026-06-30)
#     --quiet       print only the summary at the end, not every message
#
# Needs a Debian machine and root or sudo (scripts/install-deps.sh installs what is missing).
# Environment: DUBAN_DEMO_PGDIR (default /tmp/duban-demo-pg), DUBAN_DEMO_BUILD (default build-demo).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

KEEP=0
QUIET=0
FROM=2026-03-02
TO=2026-06-30
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --keep) KEEP=1 ;;
    --quiet) QUIET=1 ;;
    --from) FROM=${2:?}; shift ;;
    --to) TO=${2:?}; shift ;;
    -h|--help) usage ;;
    *) echo "demo.sh: unknown option $1" >&2; usage ;;
  esac
  shift
done

PGDIR=${DUBAN_DEMO_PGDIR:-/tmp/duban-demo-pg}
BUILD=${DUBAN_DEMO_BUILD:-$ROOT/build-demo}
DB=duban_demo
TZOFF=+08:00
# The interpreter itself, not a version-manager shim (a shim costs up to a second a call).
PY=$(python3 -c 'import sys; print(sys.executable)')

if [[ -t 1 ]]; then B=$'\e[1m' D=$'\e[2m' R=$'\e[0m'; else B='' D='' R=''; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$R"; }

# ------------------------------------------------------------------ cleanup
WORK=$(mktemp -d /tmp/duban-demo.XXXXXX)
chmod 755 "$WORK"
RECEIVER_PID=''
WEB_PID=''
PG_STARTED=0
cleanup() {
  local rc=$?
  set +e
  if [[ -n $RECEIVER_PID ]]; then kill "$RECEIVER_PID" 2>/dev/null; wait "$RECEIVER_PID" 2>/dev/null; fi
  if [[ -n $WEB_PID && $KEEP == 0 ]]; then kill "$WEB_PID" 2>/dev/null; wait "$WEB_PID" 2>/dev/null; fi
  if [[ $PG_STARTED == 1 && $KEEP == 0 ]]; then bash "$ROOT/tests/harness/pg.sh" stop "$PGDIR" >/dev/null 2>&1; fi
  if [[ $rc -ne 0 ]]; then
    echo "demo.sh: failed (exit $rc); logs kept in $WORK" >&2
  elif [[ $KEEP == 1 ]]; then
    echo "demo.sh: logs in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ build and database
step "installing dependencies (scripts/install-deps.sh)"
bash scripts/install-deps.sh

step "building duban ($BUILD)"
if ! { cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build "$BUILD" -j; } >"$WORK/build.log" 2>&1; then
  tail -n 40 "$WORK/build.log" >&2
  echo "demo.sh: build failed (full log: $WORK/build.log)" >&2
  exit 1
fi
CTL=$BUILD/dubanctl
DUBAND=$BUILD/duband
echo "built $CTL and $DUBAND"

step "starting a throwaway PostgreSQL ($PGDIR)"
PG_STARTED=1
bash tests/harness/pg.sh start "$PGDIR"
# shellcheck disable=SC1091
. "$PGDIR/env.sh"
duban_test_db "$DB"

step "starting the loopback webhook receiver (tests/harness/receiver.py)"
LOG=$WORK/received.jsonl
: >"$LOG"
"$PY" tests/harness/receiver.py --port 0 --log "$LOG" >"$WORK/receiver.out" 2>&1 &
RECEIVER_PID=$!
PORT=''
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/^READY \([0-9]*\)$/\1/p' "$WORK/receiver.out")
  [[ -n $PORT ]] && break
  kill -0 "$RECEIVER_PID" 2>/dev/null || { cat "$WORK/receiver.out" >&2; exit 1; }
  sleep 0.1
done
[[ -n $PORT ]] || { echo "demo.sh: receiver did not start" >&2; exit 1; }
echo "receiver on http://127.0.0.1:$PORT/json/<unit>, log $LOG"

CONF=$WORK/duband.conf
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WEB_PORT=$(free_port)
PUBLIC_PORT=$(free_port)
cat >"$CONF" <<EOF
; duband.conf of the demo
[database]
dsn = $DUBAN_DSN

[http]
listen =

[web]
listen = 127.0.0.1:$WEB_PORT
public_listen = 127.0.0.1:$PUBLIC_PORT
base_url = http://127.0.0.1:$WEB_PORT
objection_contact = 清河区整改办 0000-12345678(工作日 8:30-17:30)

[log]
level = warning
EOF
export DUBAN_CONFIG=$CONF
unset DUBAN_NOW

# ------------------------------------------------------------------ helpers
FAILED=()
# at DAY HH:MM dubanctl-ARGS...: one office action, on the duban clock of that day.
at() {
  local day=$1 hm=$2 rc=0
  shift 2
  [[ $QUIET == 1 ]] || printf '%s  %s %s 整改办: dubanctl %s%s\n' "$D" "$day" "$hm" "$*" "$R"
  "$CTL" --now "${day}T${hm}:00$TZOFF" "$@" >"$WORK/ctl.out" 2>"$WORK/ctl.err" || rc=$?
  if [[ $rc -ne 0 ]]; then
    FAILED+=("$day dubanctl $* → exit $rc: $(head -c 300 "$WORK/ctl.err")")
    printf '  !! dubanctl %s → exit %d: %s\n' "$*" "$rc" "$(head -n 3 "$WORK/ctl.err")" >&2
  fi
  return 0
}
# setup DAY HH:MM ARGS...: a loading step that must work.
setup() {
  local day=$1 hm=$2
  shift 2
  "$CTL" --now "${day}T${hm}:00$TZOFF" "$@"
}

# ------------------------------------------------------------------ the ledger
step "migrating and loading the demo ledger of 清河区 (demo/*.csv)"
"$CTL" migrate
LOAD_DAY=2026-02-27
setup $LOAD_DAY 16:00 unit import demo/units.csv
sed "s#http://127\.0\.0\.1:[0-9]*/#http://127.0.0.1:$PORT/#" demo/channels.csv >"$WORK/channels.csv"
setup $LOAD_DAY 16:00 channel import "$WORK/channels.csv"
setup $LOAD_DAY 16:05 problem import demo/problems.csv
tail -n +2 demo/milestones.csv | while IFS=, read -r ref date target; do
  setup $LOAD_DAY 16:10 problem milestone "$ref" "$date" "$target"
done
echo "units: $(tail -n +2 demo/units.csv | wc -l)  problems: $(tail -n +2 demo/problems.csv | wc -l)  milestones: $(tail -n +2 demo/milestones.csv | wc -l)"

# ------------------------------------------------------------------ the office's actions
DEPTS=(eco water land build agri)
# actions DAY: what the office records on DAY (at 08:30, before that day's 09:00 run).
actions() {
  local d=$1 u
  case $d in
  2026-03-02)
    for u in "${DEPTS[@]}" chengdong; do at "$d" 08:30 report submit "$u" quarterly-self-inspection 2026-Q1; done
    for u in "${DEPTS[@]}"; do at "$d" 08:30 report submit "$u" monthly-self-found 2026-03; done ;;
  2026-03-03)
    at "$d" 08:30 problem apply XF-12369-0203 ;;
  2026-03-05)
    for u in qingshan jiulong; do at "$d" 08:30 report submit "$u" quarterly-self-inspection 2026-Q1; done
    at "$d" 08:30 problem accept XF-12369-0203 ;;
  2026-03-09)
    at "$d" 08:30 report submit chengxi quarterly-self-inspection 2026-Q1
    at "$d" 08:30 problem progress ZY-2-03 55 --note "已取缔非法采砂点3处，没收采砂船2艘" ;;
  2026-03-10)
    at "$d" 08:30 problem apply XF-12369-0318 ;;
  2026-03-12)
    at "$d" 08:30 report submit baisha quarterly-self-inspection 2026-Q1
    at "$d" 08:30 problem accept XF-12369-0318
    at "$d" 08:30 problem progress ZYXF-2025-046 90 --note "美食街32家餐饮单位油烟净化设施已安装29家"
    at "$d" 08:30 problem add --ref ZC-2026-02 --level district --source 自查 --category 养殖尾水 \
      --title "青山河支流沿岸水产养殖尾水未经处理直排" --location "青山镇沙洲村" \
      --unit qingshan --supervisors agri,eco --deadline 2026-08-31 ;;
  2026-03-13)
    at "$d" 08:30 report submit office quarterly-exposure 2026-Q1 ;;
  2026-03-16)
    at "$d" 08:30 problem apply ZYXF-2025-046 ;;
  2026-03-17)
    at "$d" 08:30 problem add --ref ZC-2026-03 --level district --source 自查 --category 水污染 \
      --title "九龙园区3号雨水排放口晴天有水排出，疑似企业偷排" --location "九龙园区纬三路" \
      --unit jiulong --supervisors eco --deadline 2026-07-31 ;;
  2026-03-19)
    at "$d" 08:30 problem accept ZYXF-2025-046 ;;
  2026-03-23)
    at "$d" 08:30 deduct qingshan 10 --reason "青山河非法采砂问题被中央生态环境保护督察通报为典型案例" --problem ZY-2-03
    at "$d" 08:30 problem progress ZY-2-03 70 --note "受损护岸修复完成60%" ;;
  2026-03-24)
    at "$d" 08:30 problem progress ZY-2-07 70 --note "完成雨污混接点改造46处，新建污水主管1.2公里"
    at "$d" 08:30 problem progress SJ-2025-11 45 --note "粪污贮存池防渗修复已开工"
    at "$d" 08:30 problem progress SHI-2025-08 80 --note "东门社区雨污分流主体完工" ;;
  2026-03-26)
    at "$d" 08:30 report submit chengdong monthly-self-found 2026-03 ;;
  2026-03-30)
    at "$d" 08:30 report submit chengxi monthly-self-found 2026-03
    at "$d" 08:30 problem progress SHI-2025-08 85 --note "阳台污水接入雨水管问题整治完成" ;;
  2026-04-01)
    at "$d" 08:30 problem apply SHI-2025-08 ;;
  2026-04-03)
    at "$d" 08:30 problem milestone SJ-2025-03 2026-03-20 --done
    at "$d" 08:30 problem progress SJ-2025-03 60 --note "违规建设的游客中心及栈道已全部拆除" ;;
  2026-04-08)
    at "$d" 08:30 problem accept SHI-2025-08
    at "$d" 08:30 problem progress SJ-2025-11 85 --note "防渗层修复完成，粪污资源化利用设施试运行"
    at "$d" 08:30 problem apply SJ-2025-11 ;;
  2026-04-10)
    for u in "${DEPTS[@]}"; do at "$d" 08:30 report submit "$u" monthly-self-found 2026-04; done ;;
  2026-04-13)
    at "$d" 08:30 problem object SHI-2025-08 --reason "公示期间群众反映雨天东门社区仍有污水溢流"
    at "$d" 08:30 deduct longtan 5 --reason "生猪养殖场粪污渗漏问题被省生态环境保护督察通报为典型案例" --problem SJ-2025-11 ;;
  2026-04-14)
    at "$d" 08:30 problem reject SJ-2025-11 --reason "现场核查粪污处理设施仍未正常运行，沟渠仍有渗漏"
    at "$d" 08:30 problem add --ref ZC-2026-04 --level district --source 自查 --category 餐饮油烟 \
      --title "东环路夜间露天烧烤油烟扰民" --location "城东街道东环路夜市" \
      --unit chengdong --supervisors eco,build --deadline 2026-07-15 ;;
  2026-04-15)
    at "$d" 08:30 problem progress ZY-2-03 95 --note "非法采砂点全部取缔，护岸修复完成" ;;
  2026-04-16)
    at "$d" 08:30 problem apply ZY-2-09
    at "$d" 08:30 report submit jiulong monthly-self-found 2026-04 ;;
  2026-04-20)
    at "$d" 08:30 problem apply ZY-2-03
    at "$d" 08:30 problem progress ZC-2026-01 100 --note "堆存垃圾1200吨已全部清运，场地覆土完成" ;;
  2026-04-21)
    at "$d" 08:30 problem apply ZC-2026-01
    at "$d" 08:30 problem reopen ZY-2-05 --deadline 2026-05-31 --reason "第三方回头看发现龙潭大桥下游夜间非法采砂反弹"
    at "$d" 08:30 problem progress ZY-2-05 30 --note "已开展联合夜查，查扣采砂船1艘" ;;
  2026-04-22)
    at "$d" 08:30 problem progress ZY-2-12 75 --note "已完成10家医化企业VOCs治理设施改造"
    at "$d" 08:30 problem progress ZY-2-07 85 --note "混接点改造完成90%" ;;
  2026-04-23)
    at "$d" 08:30 problem apply ZY-2-11 ;;
  2026-04-24)
    at "$d" 08:30 problem accept ZY-2-09
    at "$d" 08:30 report submit qingshan monthly-self-found 2026-04
    at "$d" 08:30 problem progress SHI-2025-08 90 --note "东门社区溢流点完成封堵" ;;
  2026-04-27)
    at "$d" 08:30 problem accept ZC-2026-01
    at "$d" 08:30 schedule add hehu-siluan --label '河湖“四乱”专项整治' --days 4,14,24 --months 5 \
      --units qingshan,baisha,longtan,chengxi --remind 1 ;;
  2026-04-28)
    at "$d" 08:30 problem accept ZY-2-03
    at "$d" 08:30 problem milestone ZY-2-12 2026-04-30 --done
    at "$d" 08:30 report submit chengxi monthly-self-found 2026-04 ;;
  2026-04-30)
    for u in qingshan baisha; do at "$d" 08:30 report submit "$u" hehu-siluan 2026-05-04; done ;;
  2026-05-07)
    at "$d" 08:30 problem accept ZY-2-11
    for u in "${DEPTS[@]}"; do at "$d" 08:30 report submit "$u" monthly-self-found 2026-05; done ;;
  2026-05-08)
    at "$d" 08:30 problem progress SHI-2025-08 100 --note "连续3次降雨现场核查无溢流" ;;
  2026-05-11)
    at "$d" 08:30 problem apply SHI-2025-08 ;;
  2026-05-12)
    at "$d" 08:30 problem progress XF-12369-0412 100 --note "喷漆作业全部入房，废气治理设施验收监测达标"
    at "$d" 08:30 problem add --ref ZC-2026-05 --level district --source 自查 --category 大气污染 \
      --title "黄岭村秸秆露天焚烧" --location "青山镇黄岭村" \
      --unit qingshan --supervisors agri,eco --deadline 2026-09-30 ;;
  2026-05-13)
    at "$d" 08:30 problem accept SHI-2025-08
    at "$d" 08:30 problem apply XF-12369-0412
    for u in qingshan baisha; do at "$d" 08:30 report submit "$u" hehu-siluan 2026-05-14; done ;;
  2026-05-15)
    at "$d" 08:30 problem accept XF-12369-0412 ;;
  2026-05-18)
    at "$d" 08:30 deduct longtan 10 --reason "砂石加工点扬尘问题被市级生态环境警示片披露" --problem SHI-2025-21 ;;
  2026-05-19)
    at "$d" 08:30 report submit chengdong monthly-self-found 2026-05
    at "$d" 08:30 problem progress ZY-2-07 100 --note "集镇区雨污混接点全部改造完成，入河排口无污水直排" ;;
  2026-05-20)
    at "$d" 08:30 problem apply ZY-2-07 ;;
  2026-05-22)
    for u in qingshan baisha; do at "$d" 08:30 report submit "$u" hehu-siluan 2026-05-24; done
    at "$d" 08:30 problem progress SHI-2025-21 60 --note "无证砂石加工点已取缔2处" ;;
  2026-06-02)
    for u in "${DEPTS[@]}" chengdong qingshan jiulong chengxi; do
      at "$d" 08:30 report submit "$u" quarterly-self-inspection 2026-Q2
    done
    for u in "${DEPTS[@]}"; do at "$d" 08:30 report submit "$u" monthly-self-found 2026-06; done ;;
  2026-06-05)
    at "$d" 08:30 problem progress SJ-2025-11 100 --note "粪污处理设施连续运行30天，沟渠水质恢复"
    at "$d" 08:30 problem apply SJ-2025-11 ;;
  2026-06-08)
    at "$d" 08:30 deduct longtan 5 --reason "龙潭河非法采砂问题反弹被省生态环境厅通报" --problem ZY-2-05 ;;
  2026-06-10)
    at "$d" 08:30 report submit baisha quarterly-self-inspection 2026-Q2
    at "$d" 08:30 problem progress SHI-2025-30 90 --note "河道管理范围内违建已拆除8处" ;;
  2026-06-12)
    at "$d" 08:30 problem accept ZY-2-07 ;;
  2026-06-15)
    at "$d" 08:30 problem accept SJ-2025-11 ;;
  2026-06-22)
    at "$d" 08:30 problem apply SJ-2025-17 ;;
  esac
}

# ------------------------------------------------------------------ the walk
step "walking the simulated dates $FROM … $TO (duband --once --now <day>T09:00:00$TZOFF)"
echo "${D}each day: the office's actions at 08:30, then one duband run at 09:00; weekends and holidays"
echo "the sweeps still run, but messages wait for the next working day's delivery window${R}"
MARKS=$WORK/marks
: >"$MARKS"
day=$FROM
runs=0
t0=$(date +%s)
while [[ ! $day > $TO ]]; do
  actions "$day"
  lines=$(wc -l <"$LOG")
  echo "$lines $day" >>"$MARKS"
  if ! "$DUBAND" --once --now "${day}T09:00:00$TZOFF" >>"$WORK/duband.log" 2>&1; then
    tail -n 30 "$WORK/duband.log" >&2
    echo "demo.sh: duband --once --now ${day}T09:00:00$TZOFF failed (log: $WORK/duband.log)" >&2
    exit 1
  fi
  runs=$((runs + 1))
  if [[ $QUIET == 0 ]]; then
    "$PY" scripts/demo_show.py "$LOG" --units demo/units.csv --marks "$MARKS" --from-line "$lines"
  fi
  day=$(date -d "$day + 1 day" +%F)
done
echo "${D}$runs duband runs in $(($(date +%s) - t0)) s${R}"

# ------------------------------------------------------------------ summary
step "summary: messages per group and per type"
"$PY" scripts/demo_show.py "$LOG" --units demo/units.csv --marks "$MARKS" --summary

step "dubanctl status (at $TO 18:00)"
"$CTL" --now "${TO}T18:00:00$TZOFF" status

if [[ ${#FAILED[@]} -gt 0 ]]; then
  step "office actions that failed"
  printf '  %s\n' "${FAILED[@]}"
fi

# ------------------------------------------------------------------ the console
step "the office console: dubanweb on the last simulated date"
DEMO_PW=duban-demo-2026
for u in zgb:office: lingdao:leader: baisha:unit:baisha shuili:unit:water; do
  IFS=: read -r name role unit <<<"$u"
  echo "$DEMO_PW" | "$CTL" user add "$name" --role "$role" ${unit:+--unit "$unit"} --password-stdin >/dev/null
done
"$BUILD/dubanweb" --now "${TO}T18:00:00$TZOFF" >"$WORK/dubanweb.log" 2>&1 &
WEB_PID=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$WEB_PORT/login" && break
  kill -0 "$WEB_PID" 2>/dev/null || { cat "$WORK/dubanweb.log" >&2; exit 1; }
  sleep 0.1
done
cat <<EOF
  console      http://127.0.0.1:$WEB_PORT/      (from another machine: ssh -L $WEB_PORT:127.0.0.1:$WEB_PORT …)
  public page  http://127.0.0.1:$PUBLIC_PORT/
  logins (password $DEMO_PW):
    zgb      整改办 (office: everything)
    lingdao  领导 (leader: reads everything)
    baisha   白沙镇 (unit: progress and acceptance applications of its problems)
    shuili   区水利局 (unit: accepts or rejects the problems it leads)
EOF
if [[ $KEEP == 0 && -t 0 && -t 1 ]]; then
  read -r -p "  press Enter to stop the console and clean up … " _ || true
fi

if [[ $KEEP == 1 ]]; then
  step "PostgreSQL and dubanweb left running (--keep)"
  cat <<EOF
  . $PGDIR/env.sh && export PGDATABASE=$DB      # then: psql
  export DUBAN_CONFIG=$WORK/duband.conf
  $CTL --now ${TO}T18:00:00$TZOFF problem list
  $CTL --now ${TO}T18:00:00$TZOFF problem show ZY-2-07
  python3 scripts/demo_show.py $LOG --units demo/units.csv --unit baisha
  kill $WEB_PID; bash tests/harness/pg.sh stop $PGDIR   # when done
EOF
fi
[[ ${#FAILED[@]} -eq 0 ]] || exit 1
