/* Applies the embedded migrations and SQL modules under pg_advisory_xact_lock, in one
 * transaction: drops the code of the previous set (triggers, views, functions that no schema
 * object uses), applies the 00_ modules, the pending migrations (recording version, name and
 * checksum; an edited, already-applied file is refused), then every other module, and records
 * the checksum of the module set. */
#include "duban/migrate.h"
#include "duban/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATE_LOCK_KEY "7242031"  /* any constant shared by all duban programs */

/* One statement, usable asynchronously: the tables are only read (dynamically, so a fresh
 * database does not fail at parse time) when they exist. */
const char migrate_version_sql[] =
	"SELECT CASE WHEN to_regclass('duban.schema_migrations') IS NULL THEN 0 "
	"ELSE coalesce((xpath('/row/v/text()', query_to_xml("
	"'SELECT max(version) AS v FROM duban.schema_migrations', false, true, '')))[1]"
	"::text::int, 0) END AS version, "
	"CASE WHEN to_regclass('duban.schema_code') IS NULL THEN '' "
	"ELSE coalesce((xpath('/row/c/text()', query_to_xml("
	"'SELECT max(checksum) AS c FROM duban.schema_code', false, true, '')))[1]"
	"::text, '') END AS code";

/* Drops the code objects of schema duban so that the modules re-create exactly their set
 * (a function renamed, removed or given a new signature or return type leaves nothing behind):
 * every non-internal trigger on a duban table, every view, and every function or procedure
 * that no schema object (column default, check constraint, index, type) depends on. The
 * functions are dropped without CASCADE: an unforeseen dependent makes migrate fail rather
 * than silently lose a schema object. Those kept (the 00_ modules) are CREATE OR REPLACEd. */
static const char drop_code_sql[] =
	"DO $drop$ DECLARE s text; BEGIN "
	"FOR s IN SELECT format('DROP TRIGGER %I ON %s', t.tgname, t.tgrelid::regclass) "
	"FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
	"WHERE c.relnamespace = 'duban'::regnamespace AND NOT t.tgisinternal LOOP "
	"EXECUTE s; END LOOP; "
	"SELECT 'DROP VIEW ' || string_agg(c.oid::regclass::text, ', ') INTO s FROM pg_class c "
	"WHERE c.relnamespace = 'duban'::regnamespace AND c.relkind = 'v'; "
	"IF s IS NOT NULL THEN EXECUTE s; END IF; "
	"SELECT 'DROP ROUTINE ' || string_agg(p.oid::regprocedure::text, ', ') INTO s "
	"FROM pg_proc p WHERE p.pronamespace = 'duban'::regnamespace AND p.prokind IN ('f', 'p') "
	"AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass "
	"AND d.objid = p.oid AND d.deptype = 'e') "
	"AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_proc'::regclass "
	"AND d.refobjid = p.oid AND d.classid <> 'pg_proc'::regclass); "
	"IF s IS NOT NULL THEN EXECUTE s; END IF; "
	"END $drop$";

int migrate_latest(void)
{
	int v = 0;

	for (int i = 0; i < duban_migrations_count; i++)
		if (duban_migrations[i].version > v)
			v = duban_migrations[i].version;
	return v;
}

int migrate_db_state(PGconn *c, struct migrate_state *st, char *err, size_t errlen)
{
	PGresult *r = db_query(c, migrate_version_sql, 0, NULL, err, errlen);

	if (r == NULL)
		return -1;
	st->version = atoi(PQgetvalue(r, 0, PQfnumber(r, "version")));
	snprintf(st->code, sizeof(st->code), "%s", PQgetvalue(r, 0, PQfnumber(r, "code")));
	PQclear(r);
	return 0;
}

int migrate_check(const struct migrate_state *st, char *err, size_t errlen)
{
	int want = migrate_latest();

	if (st->version == want && strcmp(st->code, duban_code_checksum) == 0)
		return 0;
	if (st->version < want)
		snprintf(err, errlen, "database schema is at version %d but this duban needs %d: "
			 "run 'dubanctl migrate' (or 'duband --migrate')", st->version, want);
	else if (st->version > want)
		snprintf(err, errlen, "database schema is at version %d, newer than this duban "
			 "(%d): upgrade duban before running it against this database",
			 st->version, want);
	else
		snprintf(err, errlen, "the SQL code in the database (sql/ modules, checksum %.12s) "
			 "differs from this duban's (%.12s): run 'dubanctl migrate' (or 'duband "
			 "--migrate')", st->code[0] != '\0' ? st->code : "none", duban_code_checksum);
	return -1;
}

static const char *applied_checksum(PGresult *applied, int version)
{
	for (int i = 0; i < PQntuples(applied); i++)
		if (atoi(PQgetvalue(applied, i, 0)) == version)
			return PQgetvalue(applied, i, 1);
	return NULL;
}

/* Runs one script (several statements); on failure err names it. */
static int run_script(PGconn *c, const char *what, const char *name, const char *sql,
		      char *err, size_t errlen)
{
	char inner[1024];
	PGresult *r = PQexec(c, sql);

	if (r != NULL && (PQresultStatus(r) == PGRES_COMMAND_OK ||
			  PQresultStatus(r) == PGRES_TUPLES_OK)) {
		PQclear(r);
		return 0;
	}
	snprintf(inner, sizeof(inner), "%s",
		 r != NULL && PQresultErrorMessage(r)[0] != '\0' ? PQresultErrorMessage(r)
		 : PQerrorMessage(c));
	inner[strcspn(inner, "\n")] = '\0';
	snprintf(err, errlen, "%s %s failed: %s", what, name, inner);
	PQclear(r);
	return -1;
}

static int run_one(PGconn *c, const struct migration *m, char *err, size_t errlen)
{
	char version[16];
	const char *params[3] = { version, m->name, m->checksum };

	if (run_script(c, "migration", m->name, m->sql, err, errlen) != 0)
		return -1;
	snprintf(version, sizeof(version), "%d", m->version);
	return db_exec(c, "INSERT INTO duban.schema_migrations (version, name, checksum) "
			  "VALUES ($1, $2, $3)", 3, params, err, errlen);
}

/* Refuses a database newer than the binary or an applied migration edited since. */
static int check_applied(PGresult *applied, char *err, size_t errlen)
{
	for (int i = 0; i < PQntuples(applied); i++) {
		struct migrate_state st = { atoi(PQgetvalue(applied, i, 0)), "" };

		if (st.version > migrate_latest())
			return migrate_check(&st, err, errlen);
	}
	for (int i = 0; i < duban_migrations_count; i++) {
		const struct migration *m = &duban_migrations[i];
		const char *sum = applied_checksum(applied, m->version);

		if (sum != NULL && strcmp(sum, m->checksum) != 0) {
			snprintf(err, errlen, "migration %s was changed after it was applied "
				 "(checksum %.12s… in the database, %.12s… in this build): "
				 "migrations are append-only; add a new one instead",
				 m->name, sum, m->checksum);
			return -1;
		}
	}
	return 0;
}

static int apply_pending(PGconn *c, PGresult *applied, int *count, char *err, size_t errlen)
{
	for (int i = 0; i < duban_migrations_count; i++) {
		const struct migration *m = &duban_migrations[i];

		if (applied_checksum(applied, m->version) != NULL)
			continue;
		if (run_one(c, m, err, errlen) != 0)
			return -1;
		(*count)++;
	}
	return 0;
}

static int apply_modules(PGconn *c, bool before_schema, char *err, size_t errlen)
{
	for (int i = 0; i < duban_modules_count; i++) {
		const struct sql_module *s = &duban_modules[i];

		if (s->before_schema == before_schema &&
		    run_script(c, "SQL module", s->name, s->sql, err, errlen) != 0)
			return -1;
	}
	return 0;
}

static int record_code(PGconn *c, char *err, size_t errlen)
{
	char n[16];
	const char *params[2] = { duban_code_checksum, n };

	snprintf(n, sizeof(n), "%d", duban_modules_count);
	return db_exec(c, "INSERT INTO duban.schema_code (id, checksum, modules) VALUES (1, $1, $2) "
			  "ON CONFLICT (id) DO UPDATE SET checksum = EXCLUDED.checksum, "
			  "modules = EXCLUDED.modules, applied_at = now()", 2, params, err, errlen);
}

static int migrate_bootstrap(PGconn *c, char *err, size_t errlen)
{
	return db_exec(c, "SET LOCAL client_min_messages = warning", 0, NULL, err, errlen) != 0 ||
	       db_exec(c, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, err,
		       errlen) != 0 ||
	       db_exec(c, "CREATE SCHEMA IF NOT EXISTS duban", 0, NULL, err, errlen) != 0 ||
	       db_exec(c, "CREATE TABLE IF NOT EXISTS duban.schema_migrations ("
			  "version int PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, "
			  "applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL, err, errlen) != 0 ||
	       db_exec(c, "CREATE TABLE IF NOT EXISTS duban.schema_code ("
			  "id int PRIMARY KEY CHECK (id = 1), checksum text NOT NULL, "
			  "modules int NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
		       0, NULL, err, errlen) != 0 ? -1 : 0;
}

static int migrate_run(PGconn *c, PGresult *applied, int *count, char *err, size_t errlen)
{
	if (check_applied(applied, err, errlen) != 0 ||
	    db_exec(c, drop_code_sql, 0, NULL, err, errlen) != 0 ||
	    apply_modules(c, true, err, errlen) != 0 ||
	    apply_pending(c, applied, count, err, errlen) != 0 ||
	    apply_modules(c, false, err, errlen) != 0)
		return -1;
	return record_code(c, err, errlen);
}

int migrate_apply(PGconn *c, int *applied, char *err, size_t errlen)
{
	PGresult *rows;
	int rc;

	*applied = 0;
	if (db_exec(c, "BEGIN", 0, NULL, err, errlen) != 0)
		return -1;
	if (migrate_bootstrap(c, err, errlen) != 0) {
		db_rollback(c);
		return -1;
	}
	rows = db_query(c, "SELECT version, checksum FROM duban.schema_migrations", 0, NULL,
			err, errlen);
	if (rows == NULL) {
		db_rollback(c);
		return -1;
	}
	rc = migrate_run(c, rows, applied, err, errlen);
	PQclear(rows);
	if (rc != 0 || db_exec(c, "COMMIT", 0, NULL, err, errlen) != 0) {
		db_rollback(c);
		*applied = 0;
		return -1;
	}
	return 0;
}
