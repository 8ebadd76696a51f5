/* Schema and code of the database: the numbered migrations/NNN_name.sql files (schema,
 * append-only, recorded in duban.schema_migrations) and the sql/NN_name.sql modules (every
 * function, trigger and view, re-applied by each migrate, their set's checksum recorded in
 * duban.schema_code), all embedded at build time with their SHA-256 and applied under one
 * advisory lock in one transaction. */
#ifndef DUBAN_MIGRATE_H
#define DUBAN_MIGRATE_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct migration {
	int version;
	const char *name;
	const char *checksum;   /* hex SHA-256 of the file */
	const char *sql;
};

struct sql_module {
	const char *name;       /* NN_name.sql; applied in name order */
	const char *checksum;   /* hex SHA-256 of the file */
	const char *sql;
	bool before_schema;     /* 00_*: applied before the migrations (column defaults use it) */
};

extern const struct migration duban_migrations[];
extern const int duban_migrations_count;
extern const struct sql_module duban_modules[];
extern const int duban_modules_count;
extern const char duban_code_checksum[];   /* hex SHA-256 of the module set */

/* What a database holds: its schema version (0 when never migrated) and the checksum of its
 * SQL code ("" when none is recorded). */
struct migrate_state {
	int version;
	char code[72];
};

/* The schema version this binary needs: the highest embedded migration. */
int migrate_latest(void);

/* Applies pending migrations, then re-applies every SQL module, in one transaction serialised
 * with other runners by an advisory lock. Refuses (-1, err) when an applied migration's
 * checksum differs or the database is newer than the binary. *applied gets how many
 * migrations ran. */
int migrate_apply(PGconn *c, int *applied, char *err, size_t errlen);

/* Reads the database's state; -1 (err, sqlstate in db_last_sqlstate()) on failure. */
int migrate_db_state(PGconn *c, struct migrate_state *st, char *err, size_t errlen);

/* SQL that returns the database's state in one row: version, code checksum (for async use). */
extern const char migrate_version_sql[];

/* Compares a database's state with the binary's; 0 when equal, else -1 with a message that
 * says what to run. */
int migrate_check(const struct migrate_state *st, char *err, size_t errlen);

#endif
