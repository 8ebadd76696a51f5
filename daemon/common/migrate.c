/* Applies the embedded migrations under pg_advisory_xact_lock, recording
 * version, name and checksum; an edited, already-applied file is refused. */
#include "duban/migrate.h"
#include "duban/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATE_LOCK_KEY "7242031"  /* any constant shared by all duban programs */

/* One statement, usable asynchronously: the table is only read (dynamically,
 * so a fresh database does not fail at parse time) when it exists. */
const char migrate_version_sql[] =
	"SELECT CASE WHEN to_regclass('duban.schema_migrations') IS NULL THEN 0 "
	"ELSE coalesce((xpath('/row/v/text()', query_to_xml("
	"'SELECT max(version) AS v FROM duban.schema_migrations', false, true, '')))[1]"
	"::text::int, 0) END";

int migrate_latest(void)
{
	int v = 0;

	for (int i = 0; i < duban_migrations_count; i++)
		if (duban_migrations[i].version > v)
			v = duban_migrations[i].version;
	return v;
}

int migrate_db_version(PGconn *c, char *err, size_t errlen)
{
	PGresult *r = db_query(c, migrate_version_sql, 0, NULL, err, errlen);
	int v;

	if (r == NULL)
		return -1;
	v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

int migrate_check(int db_version, char *err, size_t errlen)
{
	int want = migrate_latest();

	if (db_version == want)
		return 0;
	if (db_version < want)
		snprintf(err, errlen, "database schema is at version %d but this duban needs %d: "
			 "run 'dubanctl migrate' (or 'duband --migrate')", db_version, want);
	else
		snprintf(err, errlen, "database schema is at version %d, newer than this duban "
			 "(%d): upgrade duban before running it against this database",
			 db_version, want);
	return -1;
}

static const char *applied_checksum(PGresult *applied, int version)
{
	for (int i = 0; i < PQntuples(applied); i++)
		if (atoi(PQgetvalue(applied, i, 0)) == version)
			return PQgetvalue(applied, i, 1);
	return NULL;
}

static int run_one(PGconn *c, const struct migration *m, char *err, size_t errlen)
{
	char version[16];
	const char *params[3] = { version, m->name, m->checksum };
	char inner[1024];
	PGresult *r = PQexec(c, m->sql);

	if (r == NULL || (PQresultStatus(r) != PGRES_COMMAND_OK &&
			  PQresultStatus(r) != PGRES_TUPLES_OK)) {
		snprintf(inner, sizeof(inner), "%s",
			 r != NULL && PQresultErrorMessage(r)[0] != '\0' ? PQresultErrorMessage(r)
			 : PQerrorMessage(c));
		inner[strcspn(inner, "\n")] = '\0';
		snprintf(err, errlen, "migration %s failed: %s", m->name, inner);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	snprintf(version, sizeof(version), "%d", m->version);
	return db_exec(c, "INSERT INTO duban.schema_migrations (version, name, checksum) "
			  "VALUES ($1, $2, $3)", 3, params, err, errlen);
}

static int apply_pending(PGconn *c, PGresult *applied, int *count, char *err, size_t errlen)
{
	for (int i = 0; i < PQntuples(applied); i++) {
		int v = atoi(PQgetvalue(applied, i, 0));
		if (v > migrate_latest())
			return migrate_check(v, err, errlen);
	}
	for (int i = 0; i < duban_migrations_count; i++) {
		const struct migration *m = &duban_migrations[i];
		const char *sum = applied_checksum(applied, m->version);

		if (sum != NULL) {
			if (strcmp(sum, m->checksum) != 0) {
				snprintf(err, errlen, "migration %s was changed after it was applied "
					 "(checksum %.12s… in the database, %.12s… in this build): "
					 "migrations are append-only; add a new one instead",
					 m->name, sum, m->checksum);
				return -1;
			}
			continue;
		}
		if (run_one(c, m, err, errlen) != 0)
			return -1;
		(*count)++;
	}
	return 0;
}

int migrate_apply(PGconn *c, int *applied, char *err, size_t errlen)
{
	PGresult *rows;
	int rc;

	*applied = 0;
	if (db_exec(c, "BEGIN", 0, NULL, err, errlen) != 0)
		return -1;
	if (db_exec(c, "SET LOCAL client_min_messages = warning", 0, NULL, err, errlen) != 0 ||
	    db_exec(c, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, err, errlen) != 0 ||
	    db_exec(c, "CREATE SCHEMA IF NOT EXISTS duban", 0, NULL, err, errlen) != 0 ||
	    db_exec(c, "CREATE TABLE IF NOT EXISTS duban.schema_migrations ("
		       "version int PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, "
		       "applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL, err, errlen) != 0) {
		db_rollback(c);
		return -1;
	}
	rows = db_query(c, "SELECT version, checksum FROM duban.schema_migrations", 0, NULL,
			err, errlen);
	if (rows == NULL) {
		db_rollback(c);
		return -1;
	}
	rc = apply_pending(c, rows, applied, err, errlen);
	PQclear(rows);
	if (rc != 0 || db_exec(c, "COMMIT", 0, NULL, err, errlen) != 0) {
		db_rollback(c);
		*applied = 0;
		return -1;
	}
	return 0;
}
