/* An asynchronous PostgreSQL connection driven by libevent: non-blocking connect and
 * reconnect with back-off, a FIFO of queries each with a callback, LISTEN/NOTIFY delivery,
 * and server notices logged. Never blocks the loop. */
#ifndef DUBAN_DAEMON_PGCONN_H
#define DUBAN_DAEMON_PGCONN_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct pgconn;

/* Connection state. */
enum pgconn_state {
	/* No connection. The reconnect timer is armed unless retrying is off or the connection
	 * was stopped. Queries are refused. */
	PGCONN_DOWN,
	/* PQconnectStart issued; PQconnectPoll is driven by events on the current PQsocket()
	 * (which may change between polls), bounded by a connect timeout. */
	PGCONN_CONNECTING,
	/* Connected, no query in flight; waits for readability to catch notifications and the
	 * loss of the connection. */
	PGCONN_IDLE,
	/* A query step has been sent: flushing (EV_WRITE while PQflush says 1) and reading its
	 * results until PQgetResult gives NULL. */
	PGCONN_BUSY,
	/* pgconn_stop(): closed for good; nothing reconnects. */
	PGCONN_STOPPED,
};

/* What a query's callback gets. */
struct pgconn_reply {
	PGresult *const *res;  /* the last result of each step (n entries, NULL when not run) */
	int n;
	const char *error;     /* NULL on success; else one line from the server or libpq */
	const char *sqlstate;  /* SQLSTATE of the error, "" when none */
	bool lost;             /* the connection was lost or closed before the query finished */
};

typedef void (*pgconn_reply_fn)(void *arg, const struct pgconn_reply *reply);

/* One statement of a query: text with $n parameters (text format; NULL values allowed). */
struct pgconn_step {
	const char *sql;
	int nparams;
	const char *const *params;
};

struct pgconn_hooks {
	/* Every successful (re)connect; queries may be queued from here. */
	void (*up)(void *arg, int backend_pid);
	/* A connect attempt failed (was_up false) or an open connection was lost (true).
	 * retry_in is the reconnect delay in seconds, or a negative number when none follows. */
	void (*down)(void *arg, const char *why, bool was_up, double retry_in);
	/* A notification arrived (be_pid: the sending backend). */
	void (*notify)(void *arg, const char *channel, int be_pid, const char *extra);
	void *arg;
};

/* Creates a connection object (not yet connecting). dsn may be NULL (libpq defaults and PG*
 * variables). Returns NULL on allocation failure. */
struct pgconn *pgconn_new(struct event_base *base, const char *dsn,
			  const struct pgconn_hooks *hooks);

/* The application_name the server shows (default "duband"); name must outlive pc. */
void pgconn_set_application_name(struct pgconn *pc, const char *name);

/* Whether to reconnect after a failure or loss (default true). */
void pgconn_set_retry(struct pgconn *pc, bool retry);

/* Starts the first connection attempt now. Returns 0, or -1 when it could not even start
 * (then the down hook has been called and, if retrying, a reconnect is scheduled). */
int pgconn_start(struct pgconn *pc);

/* Queues one statement. Parameters are copied. Returns 0, or -1 when not connected (the
 * callback is then never called). */
int pgconn_query(struct pgconn *pc, const char *sql, int nparams, const char *const *params,
		 pgconn_reply_fn fn, void *arg);

/* Queues several statements run in order as one unit, e.g. BEGIN ... COMMIT. After a failed
 * step the remaining ones are skipped, a ROLLBACK is sent, and the callback gets the error. */
int pgconn_transaction(struct pgconn *pc, const struct pgconn_step *steps, int n,
		       pgconn_reply_fn fn, void *arg);

enum pgconn_state pgconn_state(const struct pgconn *pc);
bool pgconn_is_up(const struct pgconn *pc);   /* IDLE or BUSY */
int pgconn_backend_pid(const struct pgconn *pc);
size_t pgconn_pending(const struct pgconn *pc); /* queries queued or in flight */

/* Closes the connection and fails every queued query (lost = true); nothing reconnects. */
void pgconn_stop(struct pgconn *pc);

/* Stops (if needed) and frees. Never call from inside one of its own callbacks. */
void pgconn_free(struct pgconn *pc);

#endif
