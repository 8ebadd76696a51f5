#!/usr/bin/env bash
# migrate_code.sh — how migrate treats the SQL code of sql/: two migrates at once both succeed
# and record the binary's code checksum; every migrate re-creates exactly the modules' set
# (a stray function or view is dropped, a function that a column default uses is kept, no
# column default, index or constraint is lost); duband and dubanctl refuse a database whose
# code differs from theirs, naming the command to run.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "${DUBAN_SOURCE:-$(dirname "$0")/../..}/tests/harness/lib.sh"

NOW=2026-03-09T09:00:00+08:00
duban_test_db t_migrate_code

# ---------------------------------------------------------------- two at once
ctl --json migrate >"$TEST_TMP/m1.out" 2>"$TEST_TMP/m1.err" &
p1=$!
ctl --json migrate >"$TEST_TMP/m2.out" 2>"$TEST_TMP/m2.err" &
p2=$!
rc1=0 rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
assert_eq "0 0" "$rc1 $rc2" "two migrates at once: both succeed ($(cat "$TEST_TMP/m1.err" "$TEST_TMP/m2.err"))"
CODE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["code"])' "$TEST_TMP/m1.out")
assert_eq "$CODE" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["code"])' "$TEST_TMP/m2.out")" \
  "both report the same code checksum"
assert_eq "$CODE" "$(psql_q "SELECT checksum FROM duban.schema_code")" "the code checksum is recorded"
NMIG=$(find "$DUBAN_SOURCE/migrations" -name '[0-9]*.sql' | wc -l)
assert_eq "$NMIG" "$(psql_q "SELECT count(*) FROM duban.schema_migrations")" "each migration applied once"

# ---------------------------------------------------------------- the schema survives re-applies
schema_objects() {
  psql_q "SELECT (SELECT count(*) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
                   WHERE c.relnamespace = 'duban'::regnamespace) || ' defaults, ' ||
                 (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                   WHERE c.relnamespace = 'duban'::regnamespace) || ' indexes, ' ||
                 (SELECT count(*) FROM pg_constraint WHERE connamespace = 'duban'::regnamespace) || ' constraints, ' ||
                 (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                   WHERE c.relnamespace = 'duban'::regnamespace AND NOT t.tgisinternal) || ' triggers, ' ||
                 (SELECT count(*) FROM pg_proc WHERE pronamespace = 'duban'::regnamespace) || ' functions'"
}
BEFORE=$(schema_objects)
# a stray function and view (say, from a module that was renamed), and a schema object that
# depends on a function (a column default)
psql_q "CREATE FUNCTION duban.obsolete_rule(int) RETURNS int LANGUAGE sql AS 'SELECT 1';
        CREATE VIEW duban.obsolete_view AS SELECT duban.obsolete_rule(1) AS x;
        CREATE FUNCTION duban.test_default() RETURNS text LANGUAGE sql AS 'SELECT ''d''';
        CREATE TABLE duban.test_extra (v text DEFAULT duban.test_default());
        DROP TRIGGER problems_ladder_state ON duban.problems"
assert_exit 0 "migrate again" -- ctl migrate
assert_contains "$LAST_OUT" "0 migrations applied" "nothing pending"
assert_eq "" "$(psql_q "SELECT to_regprocedure('duban.obsolete_rule(int)'), to_regclass('duban.obsolete_view')" | tr -d '|')" \
  "a function or view no module defines is dropped"
psql_q "INSERT INTO duban.test_extra DEFAULT VALUES"
assert_eq "d" "$(psql_q "SELECT v FROM duban.test_extra")" "a function a column default uses is kept, with the default"
psql_q "DROP TABLE duban.test_extra; DROP FUNCTION duban.test_default()"
assert_eq "$BEFORE" "$(schema_objects)" "the same defaults, indexes, constraints, triggers and functions"

# ---------------------------------------------------------------- code drift is refused
psql_q "UPDATE duban.schema_code SET checksum = 'f00d'"
assert_exit 69 "dubanctl refuses other code" -- ctl status
assert_contains "$LAST_ERR" "SQL code in the database" "says the code differs"
assert_contains "$LAST_ERR" "dubanctl migrate" "says what to run"
assert_exit 78 "duband refuses other code" -- dband --once --now "$NOW"
assert_contains "$LAST_ERR" "dubanctl migrate" "says what to run"
assert_exit 0 "duband --migrate re-applies the code" -- dband --migrate --once --now "$NOW"
assert_eq "$CODE" "$(psql_q "SELECT checksum FROM duban.schema_code")" "the binary's code again"
assert_exit 0 "status after migrate" -- ctl status
echo "migrate_code: ok"
