/* Asynchronous libpq on libevent: PQconnectStartParams/PQconnectPoll driven by events on the
 * current socket, one query at a time from a FIFO (send, full PQflush loop, PQconsumeInput,
 * PQgetResult until NULL), notifications drained after every read, reconnect with back-off. */
#include "duban/daemon_pgconn.h"
#include "duban/db.h"
#include "duban/log.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PGCONN_CONNECT_TIMEOUT 15.0 /* seconds for one connection attempt */
#define PGCONN_BACKOFF_MIN 1.0
#define PGCONN_BACKOFF_MAX 60.0
#define PGCONN_ERR_MAX 512

struct pgq_step {
	char *sql;
	int nparams;
	char **params;
};

/* One queued query: its steps, the step being run, and what came back. */
struct pgq_item {
	struct pgq_item *next;
	pgconn_reply_fn fn;
	void *arg;
	bool tx;               /* a failed step rolls back */
	bool rolling_back;     /* the ROLLBACK after a failed step is in flight */
	int n;                 /* steps */
	int cur;               /* step in flight */
	bool failed;           /* a step failed: error holds the first message */
	char error[PGCONN_ERR_MAX];
	char sqlstate[6];
	PGresult **res;        /* last result of each step */
	struct pgq_step steps[];
};

struct pgconn {
	struct event_base *base;
	char *dsn;
	struct pgconn_hooks hooks;
	PGconn *conn;
	enum pgconn_state state;
	struct event *io;      /* one-shot; re-assigned to the current PQsocket() for every wait */
	struct event *timer;   /* reconnect back-off (DOWN) or connect timeout (CONNECTING) */
	bool retry;
	const char *app_name;  /* application_name (static string) */
	bool flushing;         /* PQflush said 1: wait for write-readiness too */
	double backoff;        /* base of the next reconnect delay */
	int backend_pid;
	struct pgq_item *head; /* in flight when BUSY */
	struct pgq_item *tail;
	size_t queued;
};

static void pgconn_on_io(evutil_socket_t fd, short what, void *arg);
static void pgconn_send_step(struct pgconn *pc);

/* Copies msg into out as one line: line breaks and tabs become single spaces, no trailing
 * blanks. */
static void pgconn_line(const char *msg, char *out, size_t n)
{
	size_t len = 0;
	bool space = false;

	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	for (const char *p = msg; *p != '\0' && len + 1 < n; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
			space = len > 0;
			continue;
		}
		if (space && len + 2 < n)
			out[len++] = ' ';
		space = false;
		out[len++] = *p;
	}
	out[len] = '\0';
}

static void pgconn_item_free(struct pgq_item *it)
{
	for (int i = 0; i < it->n; i++) {
		free(it->steps[i].sql);
		for (int j = 0; j < it->steps[i].nparams; j++)
			free(it->steps[i].params[j]);
		free(it->steps[i].params);
		PQclear(it->res[i]);
	}
	free(it->res);
	free(it);
}

/* Calls the item's callback with its outcome, then frees it. */
static void pgconn_item_finish(struct pgq_item *it, bool lost, const char *lost_why)
{
	struct pgconn_reply r;

	r.res = it->res;
	r.n = it->n;
	r.error = it->failed ? it->error : (lost ? lost_why : NULL);
	r.sqlstate = it->sqlstate;
	r.lost = lost;
	if (it->fn != NULL)
		it->fn(it->arg, &r);
	pgconn_item_free(it);
}

/* Fails every queued query with lost = true. The list is detached first, so callbacks that
 * try to queue more (refused while not connected) do not disturb it. */
static void pgconn_fail_all(struct pgconn *pc, const char *why)
{
	struct pgq_item *it = pc->head, *next;

	pc->head = pc->tail = NULL;
	pc->queued = 0;
	for (; it != NULL; it = next) {
		next = it->next;
		pgconn_item_finish(it, true, why);
	}
}

static double pgconn_jitter(double d)
{
	double j = d * (0.8 + 0.4 * ((double)random() / (double)RAND_MAX));

	return j > PGCONN_BACKOFF_MAX ? PGCONN_BACKOFF_MAX : j;
}

static void pgconn_timer_add(struct pgconn *pc, double seconds)
{
	struct timeval tv;

	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	if (evtimer_add(pc->timer, &tv) != 0)
		log_event(LOG_ERR, "event=internal error=\"cannot arm the database timer\"");
}

/* Drops the connection (failed attempt or lost link), fails the queue, tells the owner and
 * schedules the next attempt. */
static void pgconn_lost(struct pgconn *pc, const char *why)
{
	char msg[PGCONN_ERR_MAX];
	bool was_up = pc->state == PGCONN_IDLE || pc->state == PGCONN_BUSY;
	double retry_in = -1;

	pgconn_line(why, msg, sizeof(msg));
	db_mask_password(pc->dsn, msg, sizeof(msg));
	event_del(pc->io);
	evtimer_del(pc->timer);
	if (pc->conn != NULL)
		PQfinish(pc->conn);
	pc->conn = NULL;
	pc->backend_pid = 0;
	pc->flushing = false;
	pc->state = PGCONN_DOWN;
	pgconn_fail_all(pc, msg);
	if (pc->state == PGCONN_DOWN && pc->retry) {
		retry_in = pgconn_jitter(pc->backoff);
		pc->backoff = pc->backoff * 2 > PGCONN_BACKOFF_MAX ? PGCONN_BACKOFF_MAX
								  : pc->backoff * 2;
		pgconn_timer_add(pc, retry_in);
	}
	if (pc->hooks.down != NULL)
		pc->hooks.down(pc->hooks.arg, msg, was_up, retry_in);
}

/* Waits for what (EV_READ and/or EV_WRITE) on the connection's current socket. */
static void pgconn_wait(struct pgconn *pc, short what)
{
	int fd = PQsocket(pc->conn);

	event_del(pc->io);
	if (fd < 0) {
		pgconn_lost(pc, "connection has no socket");
		return;
	}
	if (event_assign(pc->io, pc->base, fd, what, pgconn_on_io, pc) != 0 ||
	    event_add(pc->io, NULL) != 0)
		pgconn_lost(pc, "cannot watch the database socket");
}

static void pgconn_notice(void *arg, const char *message)
{
	char line[PGCONN_ERR_MAX], q[PGCONN_ERR_MAX + 16];

	(void)arg;
	pgconn_line(message, line, sizeof(line));
	log_quote(line, q, sizeof(q));
	log_event(LOG_NOTICE, "event=pg_notice message=%s", q);
}

/* Passes every pending notification to the owner. Returns false when the connection went
 * away meanwhile. */
static bool pgconn_drain_notifies(struct pgconn *pc)
{
	PGnotify *n;

	while (pc->conn != NULL && (n = PQnotifies(pc->conn)) != NULL) {
		if (pc->hooks.notify != NULL)
			pc->hooks.notify(pc->hooks.arg, n->relname, n->be_pid,
					 n->extra != NULL ? n->extra : "");
		PQfreemem(n);
	}
	return pc->conn != NULL;
}

/* Starts the next query if connected and idle. */
static void pgconn_kick(struct pgconn *pc)
{
	if (pc->state != PGCONN_IDLE)
		return;
	if (pc->head != NULL)
		pgconn_send_step(pc);
	else
		pgconn_wait(pc, EV_READ);
}

static void pgconn_connected(struct pgconn *pc)
{
	evtimer_del(pc->timer);
	if (PQsetnonblocking(pc->conn, 1) != 0) {
		pgconn_lost(pc, PQerrorMessage(pc->conn));
		return;
	}
	PQsetNoticeProcessor(pc->conn, pgconn_notice, pc);
	pc->backend_pid = PQbackendPID(pc->conn);
	pc->backoff = PGCONN_BACKOFF_MIN;
	pc->state = PGCONN_IDLE;
	if (pc->hooks.up != NULL)
		pc->hooks.up(pc->hooks.arg, pc->backend_pid);
	pgconn_kick(pc);
}

static void pgconn_connect_poll(struct pgconn *pc)
{
	switch (PQconnectPoll(pc->conn)) {
	case PGRES_POLLING_READING:
		pgconn_wait(pc, EV_READ);
		break;
	case PGRES_POLLING_WRITING:
		pgconn_wait(pc, EV_WRITE);
		break;
	case PGRES_POLLING_OK:
		pgconn_connected(pc);
		break;
	default:
		pgconn_lost(pc, PQerrorMessage(pc->conn));
		break;
	}
}

static void pgconn_connect_begin(struct pgconn *pc)
{
	/* Our defaults first: a key given in the DSN (dbname, expanded, comes last) wins. */
	const char *keys[8] = { "application_name", "client_encoding", "keepalives",
				"keepalives_idle", "keepalives_interval", "keepalives_count" };
	const char *vals[8] = { pc->app_name, "UTF8", "1", "30", "10", "3" };
	int n = 6;

	if (pc->dsn != NULL) {
		keys[n] = "dbname";
		vals[n++] = pc->dsn;
	}
	keys[n] = NULL;
	vals[n] = NULL;
	pc->conn = PQconnectStartParams(keys, vals, 1);
	if (pc->conn == NULL) {
		pc->state = PGCONN_CONNECTING;
		pgconn_lost(pc, "out of memory");
		return;
	}
	pc->state = PGCONN_CONNECTING;
	if (PQstatus(pc->conn) == CONNECTION_BAD) {
		pgconn_lost(pc, PQerrorMessage(pc->conn));
		return;
	}
	pgconn_timer_add(pc, PGCONN_CONNECT_TIMEOUT);
	pgconn_wait(pc, EV_WRITE); /* as if PQconnectPoll had said PGRES_POLLING_WRITING */
}

static void pgconn_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pgconn *pc = arg;

	(void)fd;
	(void)what;
	if (pc->state == PGCONN_CONNECTING)
		pgconn_lost(pc, "timeout while connecting");
	else if (pc->state == PGCONN_DOWN)
		pgconn_connect_begin(pc);
}

/* PQflush until done; while it says 1, wait for either readiness (reading may be needed to
 * let the server accept more). Returns false when waiting (or lost). */
static bool pgconn_flush(struct pgconn *pc)
{
	int r = PQflush(pc->conn);

	if (r < 0) {
		pgconn_lost(pc, PQerrorMessage(pc->conn));
		return false;
	}
	pc->flushing = r == 1;
	if (pc->flushing) {
		pgconn_wait(pc, EV_READ | EV_WRITE);
		return false;
	}
	return true;
}

static void pgconn_send_step(struct pgconn *pc)
{
	struct pgq_item *it = pc->head;
	const struct pgq_step *st = &it->steps[it->cur];
	int ok;

	if (it->rolling_back)
		ok = PQsendQueryParams(pc->conn, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0);
	else
		ok = PQsendQueryParams(pc->conn, st->sql, st->nparams, NULL,
				       (const char *const *)st->params, NULL, NULL, 0);
	pc->state = PGCONN_BUSY;
	if (!ok) {
		pgconn_lost(pc, PQerrorMessage(pc->conn));
		return;
	}
	if (pgconn_flush(pc))
		pgconn_wait(pc, EV_READ);
}

/* Records one result of the step in flight. */
static void pgconn_take_result(struct pgq_item *it, PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);

	if (it->rolling_back) {
		PQclear(r);
		return;
	}
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY &&
	    !it->failed) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

		pgconn_line(msg != NULL ? msg : PQresultErrorMessage(r), it->error, sizeof(it->error));
		it->failed = true;
		snprintf(it->sqlstate, sizeof(it->sqlstate), "%s", state != NULL ? state : "");
	}
	PQclear(it->res[it->cur]);
	it->res[it->cur] = r;
}

/* The step in flight has all its results: next step, ROLLBACK, or the callback. */
static void pgconn_step_done(struct pgconn *pc)
{
	struct pgq_item *it = pc->head;
	bool failed = it->failed;

	if (PQstatus(pc->conn) == CONNECTION_BAD) {
		pgconn_lost(pc, PQerrorMessage(pc->conn));
		return;
	}
	if (!it->rolling_back && !failed && it->cur + 1 < it->n) {
		it->cur++;
		pgconn_send_step(pc);
		return;
	}
	if (!it->rolling_back && failed && it->tx) {
		it->rolling_back = true;
		pgconn_send_step(pc);
		return;
	}
	pc->head = it->next;
	if (pc->head == NULL)
		pc->tail = NULL;
	pc->queued--;
	pc->state = PGCONN_IDLE;
	pgconn_item_finish(it, false, NULL);
	pgconn_kick(pc);
}

static void pgconn_busy_io(struct pgconn *pc, short what)
{
	if ((what & EV_READ) != 0) {
		if (!PQconsumeInput(pc->conn)) {
			pgconn_lost(pc, PQerrorMessage(pc->conn));
			return;
		}
		if (!pgconn_drain_notifies(pc) || pc->state != PGCONN_BUSY)
			return;
	}
	if (pc->flushing && !pgconn_flush(pc))
		return;
	while (!PQisBusy(pc->conn)) {
		PGresult *r = PQgetResult(pc->conn);

		if (r == NULL) {
			pgconn_step_done(pc);
			return;
		}
		pgconn_take_result(pc->head, r);
	}
	pgconn_wait(pc, EV_READ);
}

static void pgconn_idle_io(struct pgconn *pc)
{
	if (!PQconsumeInput(pc->conn) || PQstatus(pc->conn) == CONNECTION_BAD) {
		pgconn_lost(pc, PQerrorMessage(pc->conn));
		return;
	}
	if (!pgconn_drain_notifies(pc))
		return;
	if (pc->state == PGCONN_IDLE && pc->head == NULL)
		pgconn_wait(pc, EV_READ);
}

static void pgconn_on_io(evutil_socket_t fd, short what, void *arg)
{
	struct pgconn *pc = arg;

	(void)fd;
	switch (pc->state) {
	case PGCONN_CONNECTING:
		pgconn_connect_poll(pc);
		break;
	case PGCONN_IDLE:
		pgconn_idle_io(pc);
		break;
	case PGCONN_BUSY:
		pgconn_busy_io(pc, what);
		break;
	default:
		break;
	}
}

struct pgconn *pgconn_new(struct event_base *base, const char *dsn,
			  const struct pgconn_hooks *hooks)
{
	struct pgconn *pc = calloc(1, sizeof(*pc));

	if (pc == NULL)
		return NULL;
	pc->base = base;
	pc->hooks = *hooks;
	pc->retry = true;
	pc->app_name = "duband";
	pc->backoff = PGCONN_BACKOFF_MIN;
	pc->state = PGCONN_DOWN;
	pc->io = event_new(base, -1, 0, pgconn_on_io, pc);
	pc->timer = evtimer_new(base, pgconn_on_timer, pc);
	if (dsn != NULL)
		pc->dsn = strdup(dsn);
	if (pc->io == NULL || pc->timer == NULL || (dsn != NULL && pc->dsn == NULL)) {
		pgconn_free(pc);
		return NULL;
	}
	return pc;
}

void pgconn_set_application_name(struct pgconn *pc, const char *name)
{
	pc->app_name = name;
}

void pgconn_set_retry(struct pgconn *pc, bool retry)
{
	pc->retry = retry;
}

int pgconn_start(struct pgconn *pc)
{
	if (pc->state != PGCONN_DOWN)
		return -1;
	evtimer_del(pc->timer);
	pgconn_connect_begin(pc);
	return pc->state == PGCONN_DOWN ? -1 : 0;
}

static struct pgq_item *pgconn_item_new(const struct pgconn_step *steps, int n)
{
	struct pgq_item *it = calloc(1, sizeof(*it) + (size_t)n * sizeof(struct pgq_step));

	if (it == NULL)
		return NULL;
	it->n = n;
	it->res = calloc((size_t)n, sizeof(PGresult *));
	if (it->res == NULL) {
		free(it);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		struct pgq_step *st = &it->steps[i];

		st->sql = strdup(steps[i].sql);
		if (st->sql == NULL)
			goto fail;
		if (steps[i].nparams > 0) {
			st->params = calloc((size_t)steps[i].nparams, sizeof(char *));
			if (st->params == NULL)
				goto fail;
			st->nparams = steps[i].nparams;
			for (int j = 0; j < steps[i].nparams; j++) {
				if (steps[i].params[j] == NULL)
					continue; /* SQL NULL */
				st->params[j] = strdup(steps[i].params[j]);
				if (st->params[j] == NULL)
					goto fail;
			}
		}
	}
	return it;
fail:
	pgconn_item_free(it);
	return NULL;
}

static int pgconn_enqueue(struct pgconn *pc, const struct pgconn_step *steps, int n, bool tx,
			  pgconn_reply_fn fn, void *arg)
{
	struct pgq_item *it;

	if (!pgconn_is_up(pc) || n <= 0)
		return -1;
	it = pgconn_item_new(steps, n);
	if (it == NULL) {
		log_event(LOG_ERR, "event=internal error=\"out of memory queueing a query\"");
		return -1;
	}
	it->tx = tx;
	it->fn = fn;
	it->arg = arg;
	if (pc->tail != NULL)
		pc->tail->next = it;
	else
		pc->head = it;
	pc->tail = it;
	pc->queued++;
	if (pc->state == PGCONN_IDLE && pc->head == it)
		pgconn_send_step(pc);
	return 0;
}

int pgconn_query(struct pgconn *pc, const char *sql, int nparams, const char *const *params,
		 pgconn_reply_fn fn, void *arg)
{
	struct pgconn_step st = { sql, nparams, params };

	return pgconn_enqueue(pc, &st, 1, false, fn, arg);
}

int pgconn_transaction(struct pgconn *pc, const struct pgconn_step *steps, int n,
		       pgconn_reply_fn fn, void *arg)
{
	return pgconn_enqueue(pc, steps, n, true, fn, arg);
}

enum pgconn_state pgconn_state(const struct pgconn *pc)
{
	return pc->state;
}

bool pgconn_is_up(const struct pgconn *pc)
{
	return pc != NULL && (pc->state == PGCONN_IDLE || pc->state == PGCONN_BUSY);
}

int pgconn_backend_pid(const struct pgconn *pc)
{
	return pc->backend_pid;
}

size_t pgconn_pending(const struct pgconn *pc)
{
	return pc->queued;
}

void pgconn_stop(struct pgconn *pc)
{
	if (pc->state == PGCONN_STOPPED)
		return;
	pc->state = PGCONN_STOPPED;
	pc->retry = false;
	if (pc->io != NULL)
		event_del(pc->io);
	if (pc->timer != NULL)
		evtimer_del(pc->timer);
	if (pc->conn != NULL)
		PQfinish(pc->conn);
	pc->conn = NULL;
	pc->backend_pid = 0;
	pgconn_fail_all(pc, "connection closed");
}

void pgconn_free(struct pgconn *pc)
{
	if (pc == NULL)
		return;
	pgconn_stop(pc);
	if (pc->io != NULL)
		event_free(pc->io);
	if (pc->timer != NULL)
		event_free(pc->timer);
	free(pc->dsn);
	free(pc);
}
