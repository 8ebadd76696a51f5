/* dubanweb's statements on a worker's connection: transactions stamped with the duban clock
 * and the signed-in user as actor (the same db_begin_as as dubanctl's), and failures mapped
 * to HTTP answers once, here. */
#include "web.h"
#include "duban/db.h"
#include "duban/log.h"

#include <string.h>

/* Replies for a failed statement: bad data 422, database gone 503, anything else 500. */
static void web_db_fail(struct web_job *j, PGconn *conn, const char *err)
{
	const char *state = db_last_sqlstate();

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK || state[0] == '\0' ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0 ||
	    strncmp(state, "40", 2) == 0) {
		web_reply_error(j, 503, "unavailable", "数据库暂不可用,请稍后重试");
		return;
	}
	if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0 ||
	    strncmp(state, "P0", 2) == 0) {
		web_reply_error(j, 422, "invalid", "%s", err);
		return;
	}
	log_event(LOG_ERR, "event=sql sqlstate=%s path=%s", state, j->path);
	web_reply_error(j, 500, "internal", "内部错误");
}

bool web_begin(struct web_job *j, PGconn *conn, const char *action, const char *reason)
{
	char err[512];

	if (conn == NULL) {
		web_reply_error(j, 503, "unavailable", "数据库暂不可用,请稍后重试");
		return false;
	}
	if (db_begin_as(conn, j->user.name[0] != '\0' ? j->user.name : "dubanweb", action, reason,
			err, sizeof(err)) != 0 ||
	    db_exec(conn, "SELECT set_config('TimeZone', duban.tz(), true)", 0, NULL, err,
		    sizeof(err)) != 0) {
		web_db_fail(j, conn, err);
		web_rollback(conn);
		return false;
	}
	return true;
}

PGresult *web_sql(struct web_job *j, PGconn *conn, const char *sql, int n,
		  const char *const *params)
{
	char err[1024];
	PGresult *r = db_query(conn, sql, n, params, err, sizeof(err));

	if (r == NULL) {
		web_db_fail(j, conn, err);
		web_rollback(conn);
	}
	return r;
}

json_t *web_sql_json(struct web_job *j, PGconn *conn, const char *sql, int n,
		     const char *const *params)
{
	json_error_t jerr;
	json_t *v;
	PGresult *r = web_sql(j, conn, sql, n, params);

	if (r == NULL)
		return NULL;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		web_rollback(conn);
		web_reply_error(j, 500, "internal", "内部错误");
		return NULL;
	}
	v = json_loads(PQgetvalue(r, 0, 0), JSON_DECODE_ANY, &jerr);
	PQclear(r);
	if (v == NULL) {
		web_rollback(conn);
		web_reply_error(j, 500, "internal", "内部错误");
	}
	return v;
}

bool web_commit(struct web_job *j, PGconn *conn)
{
	char err[512];

	if (db_commit(conn, err, sizeof(err)) != 0) {
		web_db_fail(j, conn, err);
		return false;
	}
	return true;
}

void web_rollback(PGconn *conn)
{
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK &&
	    PQtransactionStatus(conn) != PQTRANS_IDLE)
		db_rollback(conn);
}
