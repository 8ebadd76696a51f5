/* Schema migrations: the numbered migrations/NNN_name.sql files, embedded at
 * build time with their SHA-256, applied in order under an advisory lock and
 * recorded in duban.schema_migrations. */
#ifndef DUBAN_MIGRATE_H
#define DUBAN_MIGRATE_H
#include <libpq-fe.h>
#include <stddef.h>

struct migration {
	int version;
	const char *name;
	const char *checksum;   /* hex SHA-256 of the file */
	const char *sql;
};

extern const struct migration duban_migrations[];
extern const int duban_migrations_count;

/* The schema version this binary needs: the highest embedded migration. */
int migrate_latest(void);

/* Applies pending migrations in one transaction, serialised with other
 * runners by an advisory lock. Refuses (-1, err) when an applied file's
 * checksum differs or the database is newer than the binary. *applied gets
 * how many ran. */
int migrate_apply(PGconn *c, int *applied, char *err, size_t errlen);

/* The version recorded in the database (0 when never migrated), or -1. */
int migrate_db_version(PGconn *c, char *err, size_t errlen);

/* SQL that returns the database's schema version in one row (for async use). */
extern const char migrate_version_sql[];

/* Compares a database version with the binary's; 0 when equal, else -1 with
 * a message that says what to run. */
int migrate_check(int db_version, char *err, size_t errlen);

#endif
