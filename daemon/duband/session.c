/* The database session of duband: schema check (async migrate_version_sql) and LISTEN after
 * every connect, READY=1 the first time, catch-up sweep, and NOTIFY duban_wake handling. */
#include "duban/daemon_session.h"
#include "duban/daemon_core.h"
#include "duban/daemon_pgconn.h"
#include "duban/daemon_sdnotify.h"
#include "duban/daemon_sweep.h"
#include "duban/log.h"
#include "duban/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define SESSION_CHANNEL "duban_wake"

/* Connected, schema checked, listening: work may start. */
static void session_ready(struct duband *d)
{
	d->db_ready = true;
	d->metrics.db_connected = true;
	log_event(LOG_INFO, "event=ready schema=%d backend=%d", migrate_latest(),
		  pgconn_backend_pid(d->pg));
	if (!d->ever_ready) {
		d->ever_ready = true;
		sdnotify_ready();
	}
	duband_status(d);
	sweep_request(d->sweep, d->once ? "once" : "connect");
}

static void session_listening(void *arg, const struct pgconn_reply *r)
{
	struct duband *d = arg;

	if (r->lost)
		return;
	if (r->error != NULL) {
		char q[600];

		/* Sweeps still run on the timer; only the instant wake-up is missing. */
		log_quote(r->error, q, sizeof(q));
		log_event(LOG_ERR, "event=listen ok=0 channel=%s error=%s", SESSION_CHANNEL, q);
	}
	session_ready(d);
}

static void session_schema(void *arg, const struct pgconn_reply *r)
{
	struct duband *d = arg;
	char err[512];
	PGresult *res = r->n > 0 ? r->res[0] : NULL;
	struct migrate_state st = { 0, "" };

	if (r->lost)
		return; /* session_down() deals with it */
	if (r->error != NULL && (strcmp(r->sqlstate, "42P01") == 0 ||
				 strcmp(r->sqlstate, "3F000") == 0)) {
		st.version = 0; /* no duban schema (or no migrations table) yet */
	} else if (r->error != NULL || res == NULL || PQntuples(res) != 1) {
		char q[600];

		log_quote(r->error != NULL ? r->error : "no answer", q, sizeof(q));
		log_event(LOG_ERR, "event=schema ok=0 error=%s", q);
		duband_exit(d, EX_SOFTWARE);
		return;
	} else {
		st.version = atoi(PQgetvalue(res, 0, PQfnumber(res, "version")));
		snprintf(st.code, sizeof(st.code), "%s", PQgetvalue(res, 0, PQfnumber(res, "code")));
	}
	if (migrate_check(&st, err, sizeof(err)) != 0) {
		char q[600];

		log_quote(err, q, sizeof(q));
		log_event(LOG_ERR, "event=schema ok=0 database=%d binary=%d error=%s", st.version,
			  migrate_latest(), q);
		if (!d->foreground)
			fprintf(stderr, "duband: %s\n", err);
		duband_exit(d, EX_CONFIG);
		return;
	}
	if (d->once) {
		session_ready(d);
		return;
	}
	if (pgconn_query(d->pg, "LISTEN " SESSION_CHANNEL, 0, NULL, session_listening, d) != 0)
		log_event(LOG_WARNING, "event=listen ok=0 error=\"not connected\"");
}

void session_up(void *arg, int backend_pid)
{
	struct duband *d = arg;

	d->metrics.db_connects++;
	log_event(LOG_INFO, "event=connect ok=1 backend=%d", backend_pid);
	if (pgconn_query(d->pg, migrate_version_sql, 0, NULL, session_schema, d) != 0)
		log_event(LOG_WARNING, "event=schema ok=0 error=\"not connected\"");
}

void session_down(void *arg, const char *why, bool was_up, double retry_in)
{
	struct duband *d = arg;
	char q[600], retry[32] = "";

	d->db_ready = false;
	d->metrics.db_connected = false;
	d->metrics.db_disconnects++;
	log_quote(why, q, sizeof(q));
	if (retry_in >= 0)
		snprintf(retry, sizeof(retry), " retry_in=%.1f", retry_in);
	if (was_up)
		log_event(LOG_WARNING, "event=disconnect error=%s%s", q, retry);
	else
		log_event(d->once ? LOG_ERR : LOG_WARNING, "event=connect ok=0 error=%s%s", q, retry);
	if (d->once) {
		if (!d->foreground)
			fprintf(stderr, "duband: database unavailable: %s\n", why);
		duband_exit(d, EX_UNAVAILABLE);
		return;
	}
	duband_status(d);
	if (d->mode == DUBAND_STOPPING)
		duband_delivery_idle(d); /* results can no longer be recorded: stop now if quiet */
}

void session_notify(void *arg, const char *channel, int be_pid, const char *extra)
{
	struct duband *d = arg;

	(void)extra;
	if (be_pid == pgconn_backend_pid(d->pg) || strcmp(channel, SESSION_CHANNEL) != 0)
		return;
	log_event(LOG_DEBUG, "event=notify channel=%s from=%d", channel, be_pid);
	sweep_request(d->sweep, "notify");
}
