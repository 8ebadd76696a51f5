/* Blocking libpq helpers: connection, parameterised statements, and
 * transactions stamped with the duban clock, actor and action. */
#include "duban/db.h"
#include "duban/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char actor_name[128] = "unknown";
static char time_zone[128] = "Asia/Shanghai";
static _Thread_local char last_sqlstate[6]; /* dubanweb runs statements on worker threads */

void db_set_actor(const char *actor)
{
	snprintf(actor_name, sizeof(actor_name), "%s", actor);
}

void db_set_timezone(const char *tz)
{
	snprintf(time_zone, sizeof(time_zone), "%s", tz);
}

const char *db_actor(void)
{
	return actor_name;
}

const char *db_last_sqlstate(void)
{
	return last_sqlstate;
}

static void copy_error(const char *msg, char *err, size_t errlen)
{
	size_t n;

	snprintf(err, errlen, "%s", msg != NULL ? msg : "unknown database error");
	n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
	for (char *p = err; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
}

/* As libpq decides whether dbname is to be expanded: a URI or a string with '='. */
static bool db_dsn_expanded(const char *dsn)
{
	return strncmp(dsn, "postgresql://", 13) == 0 || strncmp(dsn, "postgres://", 11) == 0 ||
	       strchr(dsn, '=') != NULL;
}

bool db_dsn_valid(const char *dsn)
{
	PQconninfoOption *opts;
	char *msg = NULL;

	if (dsn == NULL || !db_dsn_expanded(dsn))
		return true;
	opts = PQconninfoParse(dsn, &msg);
	PQfreemem(msg); /* may quote the password: never shown */
	if (opts == NULL)
		return false;
	PQconninfoFree(opts);
	return true;
}

/* Replaces every occurrence of secret (not empty) in text with "***". */
static void db_mask(const char *secret, char *text, size_t n)
{
	size_t slen = strlen(secret), len = 0;
	char *out = malloc(n);
	const char *p = text, *hit;

	if (out == NULL) {
		snprintf(text, n, "(message hidden: out of memory)"); /* never risk the secret */
		return;
	}
	while ((hit = strstr(p, secret)) != NULL) {
		len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%.*s***",
					(int)(hit - p), p);
		if (len >= n)
			break;
		p = hit + slen;
	}
	if (len < n)
		snprintf(out + len, n - len, "%s", p);
	snprintf(text, n, "%s", out); /* out is always terminated within n */
	free(out);
}

void db_mask_password(const char *dsn, char *text, size_t n)
{
	PQconninfoOption *opts;

	if (dsn == NULL || n == 0 || !db_dsn_expanded(dsn))
		return;
	opts = PQconninfoParse(dsn, NULL);
	if (opts == NULL)
		return;
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL && o->val[0] != '\0')
			db_mask(o->val, text, n);
	PQconninfoFree(opts);
}

PGconn *db_connect(const char *dsn, char *err, size_t errlen)
{
	PGconn *c = PQconnectdb(dsn != NULL ? dsn : "");

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		copy_error(PQerrorMessage(c), err, errlen);
		PQfinish(c);
		return NULL;
	}
	if (PQsetClientEncoding(c, "UTF8") != 0) {
		copy_error(PQerrorMessage(c), err, errlen);
		PQfinish(c);
		return NULL;
	}
	return c;
}

PGresult *db_query(PGconn *c, const char *sql, int nparams, const char *const *params,
		   char *err, size_t errlen)
{
	return db_check(c, PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0), err, errlen);
}

PGresult *db_check(PGconn *c, PGresult *r, char *err, size_t errlen)
{
	ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	const char *state;

	last_sqlstate[0] = '\0';
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return r;
	state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (state != NULL)
		snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", state);
	if (r != NULL && PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) != NULL)
		copy_error(PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY), err, errlen);
	else
		copy_error(PQerrorMessage(c), err, errlen);
	PQclear(r);
	return NULL;
}

int db_exec(PGconn *c, const char *sql, int nparams, const char *const *params,
	    char *err, size_t errlen)
{
	PGresult *r = db_query(c, sql, nparams, params, err, errlen);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int db_set_clock(PGconn *c, char *err, size_t errlen)
{
	char now[64];
	const char *params[2] = { now, time_zone };

	clock_format(clock_now(), now, sizeof(now));
	return db_exec(c, "SELECT set_config('duban.now', $1, true), set_config('duban.tz', $2, true)",
		       2, params, err, errlen);
}

int db_begin(PGconn *c, const char *action, const char *reason, char *err, size_t errlen)
{
	return db_begin_as(c, actor_name, action, reason, err, errlen);
}

int db_begin_as(PGconn *c, const char *actor, const char *action, const char *reason,
		char *err, size_t errlen)
{
	const char *params[3] = { actor, action != NULL ? action : "",
				  reason != NULL ? reason : "" };

	if (db_exec(c, "BEGIN", 0, NULL, err, errlen) != 0)
		return -1;
	if (db_set_clock(c, err, errlen) != 0 ||
	    db_exec(c, "SELECT set_config('duban.actor', $1, true), "
		       "set_config('duban.action', $2, true), set_config('duban.reason', $3, true)",
		    3, params, err, errlen) != 0) {
		db_rollback(c);
		return -1;
	}
	return 0;
}

int db_commit(PGconn *c, char *err, size_t errlen)
{
	if (db_exec(c, "NOTIFY duban_wake", 0, NULL, err, errlen) != 0 ||
	    db_exec(c, "COMMIT", 0, NULL, err, errlen) != 0) {
		db_rollback(c);
		return -1;
	}
	return 0;
}

void db_rollback(PGconn *c)
{
	PGresult *r = PQexec(c, "ROLLBACK");

	PQclear(r);
}
