# shellcheck shell=bash
# web.sh — helpers for the dubanweb tests; source after lib.sh.
#
#   web_schema                        (until the users migration exists) nothing: the schema
#   dweb_start ARGS...                start `dubanweb -f ARGS...` (config from $DUBAN_CONFIG), wait
#                                     until it listens; sets DWEB_PID DWEB_LOG; stopped at exit
#   dweb_stop                         SIGTERM it and wait; DWEB_RC gets its exit status
#   web_login USER PASSWORD JAR       POST /login; prints "STATUS LOCATION"; cookies in JAR
#   web_csrf JAR                      the session's CSRF token (GET /api/session)
#   web_call METHOD PATH JAR [BODY] [CSRF]   prints the status line "CODE" then the body;
#                                     use web_status / web_body to split
: "${DWEB_URL:=}"
_WEB_PIDS=()

_web_cleanup() {
  local pid
  for pid in "${_WEB_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
on_exit _web_cleanup

dweb_start() {
  local seq=${#_WEB_PIDS[@]}
  DWEB_LOG=$TEST_TMP/dubanweb.$seq.log
  "$DUBAN_BUILD/dubanweb" -f "$@" >>"$DWEB_LOG" 2>&1 &
  DWEB_PID=$!
  _WEB_PIDS+=("$DWEB_PID")
  export DWEB_PID DWEB_LOG
  wait_until 120 grep -q 'event=start' "$DWEB_LOG" || { cat "$DWEB_LOG" >&2; fail "dubanweb did not log event=start within 120 s"; }
}

dweb_stop() {
  local i
  kill -TERM "$DWEB_PID" 2>/dev/null || true
  for ((i = 0; i < 600; i++)); do kill -0 "$DWEB_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$DWEB_PID" 2>/dev/null && fail "dubanweb did not stop within 60 s of SIGTERM"
  DWEB_RC=0
  wait "$DWEB_PID" 2>/dev/null || DWEB_RC=$?
  export DWEB_RC
}

web_login() {
  curl -s -o /dev/null -c "$3" -b "$3" -w '%{http_code} %header{location}' \
    --data-urlencode "user=$1" --data-urlencode "password=$2" "$DWEB_URL/login"
}

web_csrf() {
  curl -s -b "$1" "$DWEB_URL/api/session" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin).get("csrf",""))'
}

# web_call METHOD PATH JAR [BODY] [CSRF]: sets WEB_STATUS and WEB_BODY (and WEB_HEADERS).
web_call() {
  local method=$1 path=$2 jar=$3 body=${4:-} csrf=${5:-}
  local -a args=(-s -X "$method" -D "$TEST_TMP/web.headers" -o "$TEST_TMP/web.body" -w '%{http_code}')
  [[ -n $jar ]] && args+=(-b "$jar")
  [[ -n $csrf ]] && args+=(-H "X-CSRF-Token: $csrf")
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  WEB_STATUS=$(curl "${args[@]}" "$DWEB_URL$path")
  WEB_BODY=$(cat "$TEST_TMP/web.body")
  WEB_HEADERS=$(cat "$TEST_TMP/web.headers")
}

# web_expect CODE METHOD PATH JAR [BODY] [CSRF]: web_call and fail unless the status is CODE.
web_expect() {
  local want=$1
  shift
  web_call "$@"
  if [[ $WEB_STATUS != "$want" ]]; then
    echo "FAIL: $TEST_NAME:${BASH_LINENO[0]}: $1 $2 as ${3:-nobody}: status $WEB_STATUS, expected $want" >&2
    echo "  body: ${WEB_BODY:0:1000}" >&2
    exit 1
  fi
}

# web_json EXPR: evaluate a Python expression over the last body (as `d`).
web_json() {
  "$PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$1" <<<"$WEB_BODY"
}
