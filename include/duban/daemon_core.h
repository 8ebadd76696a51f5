/* duband's process state: the one struct every daemon module reaches through, the run
 * modes, and the few process-level actions (graceful stop, immediate exit) they may ask for. */
#ifndef DUBAN_DAEMON_CORE_H
#define DUBAN_DAEMON_CORE_H
#include <stdbool.h>

#include "duban/config.h"
#include "duban/daemon_metrics.h"

struct event_base;
struct event;
struct pgconn;
struct sweeper;
struct deliver;
struct httpc;
struct httpd;
struct watchdog;
struct signals;

/* Run mode of the process; it only ever moves down this list. */
enum duband_mode {
	/* Normal work: sweeps on the timer and on NOTIFY duban_wake, delivery rounds after each
	 * sweep, reconnects with back-off while the database is away. */
	DUBAND_RUNNING,
	/* First SIGTERM/SIGINT: no sweep is started and no notice claimed any more; messages not
	 * yet sent are released; requests in flight get up to DUBAND_STOP_GRACE seconds to finish
	 * and their results are recorded; then the loop ends with exit code 0. */
	DUBAND_STOPPING,
	/* Leave the event loop now with exit_code (fatal error, --once finished, second signal,
	 * grace period over). */
	DUBAND_EXIT,
};

#define DUBAND_STOP_GRACE 10 /* seconds for requests in flight at SIGTERM */

struct duband {
	struct event_base *base;
	struct duban_config cfg;     /* running configuration (swapped whole on SIGHUP) */
	char *config_file;           /* file read at start and on SIGHUP */
	bool config_must_exist;      /* named explicitly (--config or $DUBAN_CONFIG) */
	const char *dsn_override;    /* --dsn; wins over database.dsn */
	bool once;                   /* --once */
	bool foreground;             /* -f */
	enum duband_mode mode;
	int exit_code;
	char instance[160];          /* claimer name written to notices.claimed_by */

	bool db_ready;               /* connected, schema checked (and LISTENing unless --once) */
	bool ever_ready;             /* READY=1 already sent */
	double last_sweep_mono;      /* monotonic time of the last finished sweep, 0 = none */
	double last_sweep_ms;

	struct pgconn *pg;
	struct sweeper *sweep;
	struct deliver *deliver;
	struct httpc *http;
	struct httpd *httpd;
	struct watchdog *watchdog;
	struct signals *signals;
	struct event *stop_timer;    /* grace period of DUBAND_STOPPING */
	struct metrics metrics;
};

/* Seconds on the monotonic clock, for durations and health (never for the ledger). */
double duband_mono(void);

/* The DSN in effect: --dsn, else database.dsn, else NULL (libpq defaults and PG* variables). */
const char *duband_dsn(const struct duband *d);

/* Begins the graceful stop (DUBAND_STOPPING); a call while stopping exits at once. */
void duband_stop(struct duband *d);

/* Leaves the event loop as soon as the current callback returns, with exit code code. */
void duband_exit(struct duband *d, int code);

/* Called by the delivery module when it has nothing claimed, queued, in flight or unrecorded:
 * ends a --once run, or a graceful stop. */
void duband_delivery_idle(struct duband *d);

/* Updates the systemd STATUS= line from the current state. */
void duband_status(struct duband *d);

#endif
