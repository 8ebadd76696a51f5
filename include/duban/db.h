/* Blocking libpq helpers for dubanctl and start-up work (never used inside
 * the daemon's event loop): connect, run statements, and open transactions
 * that carry the duban clock, time zone, actor and action to the database. */
#ifndef DUBAN_DB_H
#define DUBAN_DB_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Who and where writes are made: set once by the program. */
void db_set_actor(const char *actor);
void db_set_timezone(const char *tz);
const char *db_actor(void);

/* Connects (dsn may be NULL: libpq defaults and PG* variables). Returns NULL
 * with the reason in err when the database is unreachable. */
PGconn *db_connect(const char *dsn, char *err, size_t errlen);

/* True when dsn is usable as libpq's dbname with expand_dbname: NULL, a plain database name,
 * or a conninfo string or URI that PQconninfoParse accepts. libpq's own parse error is never
 * shown (it may quote the password). */
bool db_dsn_valid(const char *dsn);

/* Replaces, in the text (size n, NUL-terminated), every occurrence of the password that dsn
 * carries with "***", so that error messages can be logged. */
void db_mask_password(const char *dsn, char *text, size_t n);

/* Runs sql with text parameters; returns the result (caller PQclear()s) or
 * NULL with the server's message in err. */
PGresult *db_query(PGconn *c, const char *sql, int nparams, const char *const *params,
		   char *err, size_t errlen);

/* Checks a result as db_query checks its own (e.g. one from PQgetResult after PQsendQuery):
 * r when it holds rows or succeeded, else NULL with r freed, the server's message in err and
 * its SQLSTATE in db_last_sqlstate(). */
PGresult *db_check(PGconn *c, PGresult *r, char *err, size_t errlen);

/* Runs a statement whose result is not needed; 0 or -1 with err. */
int db_exec(PGconn *c, const char *sql, int nparams, const char *const *params,
	    char *err, size_t errlen);

/* BEGIN and set duban.now (the clock), duban.tz, duban.actor, and the
 * history action and reason (either may be NULL). 0 or -1 with err. */
int db_begin(PGconn *c, const char *action, const char *reason, char *err, size_t errlen);

/* db_begin with the given actor instead of the program's (dubanweb: the signed-in user). */
int db_begin_as(PGconn *c, const char *actor, const char *action, const char *reason,
		char *err, size_t errlen);

/* Sets the clock setting for the current transaction again (long transactions). */
int db_set_clock(PGconn *c, char *err, size_t errlen);

/* NOTIFY duban_wake (so a running daemon acts at once) and COMMIT. */
int db_commit(PGconn *c, char *err, size_t errlen);

void db_rollback(PGconn *c);

/* The SQLSTATE of this thread's last failed statement, "" when none. */
const char *db_last_sqlstate(void);

#endif
