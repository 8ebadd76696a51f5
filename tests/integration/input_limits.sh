#!/usr/bin/env bash
# input_limits: values too long for their column (a ref, unit code or name, channel URL or
# schedule name of a few KB, e.g. a cell pasted twice) are bad data, never PostgreSQL's raw
# index error: FILE:LINE: column: too long (N > MAX) with exit 65 and nothing written in
# imports, one line with exit 65 in the add commands. Values exactly at the limit pass.
. "$DUBAN_SOURCE/tests/harness/lib.sh"

cd "$TEST_TMP"
duban_test_db t_input_limits
ctl migrate >/dev/null

rep() { "$PYTHON" -c 'import sys; print(sys.argv[1] * int(sys.argv[2]), end="")' "$1" "$2"; }
counts() { psql_q "SELECT (SELECT count(*) FROM duban.units) || '/' || (SELECT count(*) FROM duban.channels) || '/' || (SELECT count(*) FROM duban.problems) || '/' || (SELECT count(*) FROM duban.schedules)"; }

# ------------------------------------------------------------- add commands
assert_exit 0 "unit add" -- ctl unit add XJ 新街镇 --kind town
BEFORE=$(counts)
assert_exit 65 "unit add with a 4000-character code" -- ctl unit add "$(rep A 4000)" 某镇 --kind town
assert_eq "dubanctl: unit code: too long (4000 > 32)" "$LAST_ERR" "one line naming the limit"
assert_exit 65 "unit add with a 3000-character name" -- ctl unit add LONG "$(rep 镇 3000)" --kind town
assert_eq "dubanctl: unit name: too long (3000 > 100)" "$LAST_ERR" "names count characters, not bytes"
assert_exit 65 "problem add with a 5000-character ref" -- ctl problem add --ref "$(rep R 5000)" \
  --title t --level central --unit XJ --supervisors XJ --deadline 2026-03-31
assert_eq "dubanctl: --ref: too long (5000 > 64)" "$LAST_ERR" "ref"
assert_exit 65 "channel add with a 6000-character URL" -- ctl channel add XJ --kind json \
  --url "http://127.0.0.1:9/$(rep u 6000)"
assert_eq "dubanctl: --url: too long (6019 > 512)" "$LAST_ERR" "url"
assert_exit 65 "schedule add with a 3000-character name" -- ctl schedule add "$(rep s 3000)" \
  --days 4 --units XJ
assert_eq "dubanctl: schedule name: too long (3000 > 64)" "$LAST_ERR" "schedule name"
assert_eq "$BEFORE" "$(counts)" "nothing written"

# Exactly at the limits: accepted (the schema takes what dubanctl lets through).
assert_exit 0 "a 32-character code and a 100-character name" -- \
  ctl unit add "$(rep C 32)" "$(rep 镇 100)" --kind town
assert_exit 0 "a 64-character ref" -- ctl problem add --ref "$(rep R 64)" --title t \
  --level central --unit XJ --supervisors XJ --deadline 2026-03-31
assert_exit 0 "a 512-character URL" -- ctl channel add XJ --kind json \
  --url "http://127.0.0.1:9/$(rep u 493)"
assert_exit 0 "a 64-character schedule name" -- ctl schedule add "$(rep s 64)" --days 4 --units XJ
BEFORE=$(counts)

# ------------------------------------------------------------- imports: all or nothing
{ printf 'code,name,kind\n'; printf 'OK1,好镇,town\n'; printf '%s,某镇,town\n' "$(rep B 33)"
  printf 'OK2,%s,town\n' "$(rep 名 2000)"; } >units.csv
assert_exit 65 "unit import with over-long cells" -- ctl unit import units.csv
assert_eq "units.csv:3: code: too long (33 > 32)
units.csv:4: name: too long (2000 > 100)
dubanctl: units.csv: 2 errors, nothing imported" "$LAST_ERR" "every long cell named with its line"

{ printf 'ref,level,title,unit,supervisors,deadline\n'
  printf 'ZY-01,central,t,XJ,XJ,2026-03-31\n'
  printf '"%s",central,t,XJ,XJ,2026-03-31\n' "$(rep 编 3000)"; } >ledger.csv
assert_exit 65 "problem import with a 3000-character ref" -- ctl problem import ledger.csv
assert_contains "$LAST_ERR" "ledger.csv:3: ref: too long (3000 > 64)" "FILE:LINE: column: too long"
assert_not_contains "$LAST_ERR" "index row" "never the index error"

{ printf 'unit,kind,url\n'; printf 'XJ,json,http://127.0.0.1:9/a\n'
  printf 'XJ,json,http://127.0.0.1:9/%s\n' "$(rep v 9000)"; } >channels.csv
assert_exit 65 "channel import with a 9000-character URL" -- ctl channel import channels.csv
assert_contains "$LAST_ERR" "channels.csv:3: url: too long (9019 > 512)" "url named"
assert_eq "$BEFORE" "$(counts)" "imports wrote nothing"

# ------------------------------------------------------------- the schema carries the same limits
# Every DUBAN_MAX_* of limits.h is a CHECK (char_length(col) <= N) constraint named
# TABLE_COLUMN_length, so other writers (psql, the console) get a constraint error, never the
# index's.
declare -A want=([problems_ref_length]=DUBAN_MAX_REF [units_code_length]=DUBAN_MAX_UNIT_CODE
  [units_name_length]=DUBAN_MAX_UNIT_NAME [channels_url_length]=DUBAN_MAX_URL
  [schedules_name_length]=DUBAN_MAX_SCHEDULE_NAME)
header=$DUBAN_SOURCE/include/duban/limits.h
assert_eq "${#want[@]}" "$(grep -c '^#define DUBAN_MAX_' "$header")" "every limit of limits.h is checked here"
for con in "${!want[@]}"; do
  n=$(sed -n "s/^#define ${want[$con]} \([0-9]*\).*/\1/p" "$header")
  [[ -n $n ]] || fail "${want[$con]} not in limits.h"
  assert_contains "$(psql_q "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = '$con'")" \
    "<= $n)" "$con agrees with ${want[$con]} = $n"
done
assert_exit 1 "psql: a 65-character ref" -- psql -XAtq -v ON_ERROR_STOP=1 -c \
  "UPDATE duban.problems SET ref = repeat('R', 65) WHERE ref = repeat('R', 64)"
assert_contains "$LAST_ERR" "problems_ref_length" "a constraint error, not the index's"
