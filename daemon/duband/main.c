/* duband: the unattended daemon of duban (SPEC §9). Parses options and the configuration,
 * brings the subsystems up in one ordered block, runs the libevent loop until the run mode
 * says stop, and tears everything down again. */
#include "duban/clock.h"
#include "duban/config.h"
#include "duban/daemon_core.h"
#include "duban/daemon_deliver.h"
#include "duban/daemon_httpc.h"
#include "duban/daemon_httpd.h"
#include "duban/daemon_pgconn.h"
#include "duban/daemon_sdnotify.h"
#include "duban/daemon_session.h"
#include "duban/daemon_signals.h"
#include "duban/daemon_sweep.h"
#include "duban/db.h"
#include "duban/log.h"
#include "duban/migrate.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define MAIN_STUCK_SWEEP 300.0 /* a sweep in flight longer than this stops the watchdog */

struct options {
	bool foreground, once, migrate;
	const char *now, *config, *dsn;
};

static const char usage_text[] =
	"usage: duband [-f] [--once] [--now TIME] [--migrate] [--config FILE] [--dsn DSN]\n"
	"  -f, --foreground  log to stderr as well as syslog\n"
	"      --once        sweep once, attempt every deliverable notice, wait, exit\n"
	"      --now TIME    run the duban clock from TIME (ISO 8601 with offset)\n"
	"      --migrate     apply pending schema migrations first\n"
	"      --config FILE configuration file (default $DUBAN_CONFIG, else "
	DUBAN_SYSCONFDIR "/duband.conf)\n"
	"      --dsn DSN     database connection string (overrides database.dsn)\n"
	"      --version     print the version and exit\n"
	"  -h, --help        print this help and exit\n"
	"exit: 0 ok, 64 usage, 69 database unavailable (--once, --migrate), 70 internal error,\n"
	"      71 cannot listen on http.listen, 78 configuration or schema version\n";

double duband_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *duband_dsn(const struct duband *d)
{
	return d->dsn_override != NULL ? d->dsn_override : d->cfg.dsn;
}

void duband_exit(struct duband *d, int code)
{
	if (d->mode == DUBAND_EXIT)
		return;
	d->mode = DUBAND_EXIT;
	d->exit_code = code;
	if (event_base_loopbreak(d->base) != 0)
		log_event(LOG_ERR, "event=internal error=\"cannot leave the event loop\"");
}

void duband_status(struct duband *d)
{
	if (d->mode == DUBAND_STOPPING)
		sdnotify_status("stopping; %d requests in flight", d->metrics.in_flight);
	else if (d->db_ready && d->metrics.pending >= 0)
		sdnotify_status("connected; %lld pending, %lld dead, last sweep %.0f ms",
				(long long)d->metrics.pending, (long long)d->metrics.dead,
				d->last_sweep_ms);
	else if (d->db_ready)
		sdnotify_status("connected");
	else if (!d->ever_ready)
		sdnotify_status("starting; connecting to the database");
	else
		sdnotify_status("database unavailable; reconnecting");
}

void duband_delivery_idle(struct duband *d)
{
	if (d->mode == DUBAND_EXIT || !deliver_quiet(d->deliver))
		return;
	if (d->mode == DUBAND_STOPPING) {
		log_event(LOG_INFO, "event=stop done=1");
		duband_exit(d, EX_OK);
	} else if (d->once && d->last_sweep_mono > 0) {
		log_event(LOG_INFO, "event=once sent=%llu retry=%llu dead=%llu pending=%lld",
			  (unsigned long long)d->metrics.notices_sent,
			  (unsigned long long)d->metrics.notices_retry,
			  (unsigned long long)d->metrics.notices_dead, (long long)d->metrics.pending);
		duband_exit(d, EX_OK);
	}
}

static void main_on_grace(evutil_socket_t fd, short what, void *arg)
{
	struct duband *d = arg;

	(void)fd;
	(void)what;
	log_event(LOG_WARNING, "event=stop grace_expired=1 aborted=%d", httpc_active(d->http));
	httpc_abort_all(d->http);
	duband_exit(d, EX_OK);
}

void duband_stop(struct duband *d)
{
	struct timeval grace = { DUBAND_STOP_GRACE, 0 };

	if (d->mode == DUBAND_EXIT) {
		/* Already leaving: break the loop again in case an earlier break was lost. */
		if (event_base_loopbreak(d->base) != 0)
			log_event(LOG_ERR, "event=internal error=\"cannot leave the event loop\"");
		return;
	}
	if (d->mode == DUBAND_STOPPING) {
		log_event(LOG_WARNING, "event=stop forced=1 in_flight=%d", httpc_active(d->http));
		duband_exit(d, EX_OK);
		return;
	}
	d->mode = DUBAND_STOPPING;
	sdnotify_stopping();
	log_event(LOG_INFO, "event=stop in_flight=%d", httpc_active(d->http));
	duband_status(d);
	if (d->stop_timer == NULL || event_add(d->stop_timer, &grace) != 0)
		log_event(LOG_ERR, "event=internal error=\"cannot arm the stop timer\"");
	deliver_stop(d->deliver);
	duband_delivery_idle(d);
}

static bool main_healthy(void *arg)
{
	struct duband *d = arg;
	double since = sweep_running_since(d->sweep);

	if (d->mode == DUBAND_EXIT)
		return false;
	return since <= 0 || duband_mono() - since < MAIN_STUCK_SWEEP;
}

/* Prints a start-up error: syslog, and stderr (where -f already copies the log). */
static int main_fail(const struct duband *d, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int main_fail(const struct duband *d, int code, const char *fmt, ...)
{
	char msg[1200], q[1300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_quote(msg, q, sizeof(q));
	log_event(LOG_ERR, "event=start ok=0 exit=%d error=%s", code, q);
	if (!d->foreground)
		fprintf(stderr, "duband: %s\n", msg);
	return code;
}

/* Returns -1 to go on, else the exit code. */
static int main_options(int argc, char **argv, struct options *o)
{
	enum { OPT_ONCE = 256, OPT_NOW, OPT_MIGRATE, OPT_CONFIG, OPT_DSN, OPT_VERSION };
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "now", required_argument, NULL, OPT_NOW },
		{ "migrate", no_argument, NULL, OPT_MIGRATE },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "dsn", required_argument, NULL, OPT_DSN },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->foreground = true; break;
		case OPT_ONCE: o->once = true; break;
		case OPT_NOW: o->now = optarg; break;
		case OPT_MIGRATE: o->migrate = true; break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_DSN: o->dsn = optarg; break;
		case OPT_VERSION:
			printf("duband %s (schema %d)\n", DUBAN_VERSION, migrate_latest());
			return EX_OK;
		case 'h':
			fputs(usage_text, stdout);
			return EX_OK;
		default:
			fputs(usage_text, stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "duband: unexpected argument '%s'\n", argv[optind]);
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	return -1;
}

/* Configuration, clock and log; -1 to go on, else the exit code. */
static int main_environment(struct duband *d, const struct options *o)
{
	char err[1024];
	const char *path = config_path(o->config, &d->config_must_exist);

	d->foreground = o->foreground;
	d->once = o->once;
	d->dsn_override = o->dsn;
	d->config_file = strdup(path);
	if (d->config_file == NULL) {
		fprintf(stderr, "duband: out of memory\n");
		return EX_OSERR;
	}
	if (config_load(&d->cfg, path, d->config_must_exist, err, sizeof(err)) != 0) {
		fprintf(stderr, "duband: %s\n", err);
		return EX_CONFIG;
	}
	if (!db_dsn_valid(duband_dsn(d))) {
		/* never libpq's own message: it may quote the password */
		fprintf(stderr, "duband: database.dsn / --dsn is not a valid libpq connection "
			"string\n");
		return EX_CONFIG;
	}
	if (clock_init(o->now, err, sizeof(err)) != 0) {
		fprintf(stderr, "duband: bad --now/DUBAN_NOW: %s\n", err);
		return EX_USAGE;
	}
	log_open("duband", d->cfg.log_facility, d->cfg.log_level, d->foreground);
	db_set_timezone(d->cfg.timezone);
	db_set_actor("duband");
	return -1;
}

/* --migrate: blocking, before the loop starts. -1 to go on, else the exit code. */
static int main_migrate(struct duband *d)
{
	char err[1024];
	int applied = 0, rc;
	PGconn *c = db_connect(duband_dsn(d), err, sizeof(err));

	if (c == NULL) {
		db_mask_password(duband_dsn(d), err, sizeof(err));
		return main_fail(d, EX_UNAVAILABLE, "database unavailable: %s", err);
	}
	rc = migrate_apply(c, &applied, err, sizeof(err));
	PQfinish(c);
	if (rc != 0)
		/* a database newer than this binary is a deployment (configuration) problem */
		return main_fail(d, strstr(err, "newer than this duban") != NULL ? EX_CONFIG
			       : EX_SOFTWARE, "migration failed: %s", err);
	log_event(LOG_INFO, "event=migrate ok=1 applied=%d version=%d", applied, migrate_latest());
	return -1;
}

/* First callback of the loop: connects to the database. Started from inside the loop so
 * that a connection failing at once can still end it (libevent forgets a loopbreak made
 * before event_base_dispatch starts). */
static void main_on_begin(evutil_socket_t fd, short what, void *arg)
{
	struct duband *d = arg;

	(void)fd;
	(void)what;
	if (d->mode == DUBAND_EXIT)
		return;
	if (pgconn_start(d->pg) != 0)
		log_event(LOG_DEBUG, "event=connect started=0"); /* session_down() reported why */
}

/* Brings the subsystems up; the order matters (each may use those before it). -1 to go on,
 * else the exit code. */
static int main_setup(struct duband *d)
{
	const struct pgconn_hooks hooks = { session_up, session_down, session_notify, d };
	const struct timeval now = { 0, 0 };
	char err[1024], host[128];
	bool bad_value;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(d->instance, sizeof(d->instance), "duband@%s:%ld", host, (long)getpid());
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	metrics_init(&d->metrics);

	d->base = event_base_new();
	if (d->base == NULL)
		return main_fail(d, EX_OSERR, "cannot create the event loop");
	d->signals = signals_setup(d);
	d->stop_timer = evtimer_new(d->base, main_on_grace, d);
	if (d->signals == NULL || d->stop_timer == NULL)
		return main_fail(d, EX_OSERR, "cannot set up signal handling");
	if (!d->once && d->cfg.http_listen[0] != '\0') {
		d->httpd = httpd_start(d, d->cfg.http_listen, &bad_value, err, sizeof(err));
		if (d->httpd == NULL)
			return main_fail(d, bad_value ? EX_CONFIG : EX_OSERR, "%s", err);
	}
	d->http = httpc_new(d->base, err, sizeof(err));
	if (d->http == NULL)
		return main_fail(d, EX_OSERR, "%s", err);
	d->deliver = deliver_new(d);
	d->sweep = sweep_new(d);
	if (d->deliver == NULL || d->sweep == NULL)
		return main_fail(d, EX_OSERR, "out of memory");
	if (!d->once && sweep_set_interval(d->sweep, d->cfg.poll_interval) != 0)
		return main_fail(d, EX_OSERR, "cannot arm the sweep timer");
	d->pg = pgconn_new(d->base, duband_dsn(d), &hooks);
	if (d->pg == NULL)
		return main_fail(d, EX_OSERR, "out of memory");
	pgconn_set_retry(d->pg, !d->once);
	if (!d->once)
		d->watchdog = sdnotify_watchdog_start(d->base, main_healthy, d);
	log_event(LOG_INFO, "event=start version=%s schema=%d once=%d clock=%s instance=%s "
		  "http=%s", DUBAN_VERSION, migrate_latest(), d->once ? 1 : 0,
		  clock_is_pinned() ? "pinned" : "real", d->instance,
		  d->httpd != NULL ? d->cfg.http_listen : "off");
	duband_status(d);
	if (event_base_once(d->base, -1, EV_TIMEOUT, main_on_begin, d, &now) != 0)
		return main_fail(d, EX_OSERR, "cannot schedule the database connection");
	return -1;
}

/* Everything main_setup() made, in reverse order; safe on a partial set-up. */
static void main_teardown(struct duband *d)
{
	sdnotify_watchdog_free(d->watchdog);
	pgconn_free(d->pg);     /* fails queued queries: unrecorded results go to the backlog */
	httpc_free(d->http);    /* drops requests still in flight without callbacks */
	deliver_free(d->deliver);
	sweep_free(d->sweep);
	httpd_free(d->httpd);
	signals_free(d->signals);
	if (d->stop_timer != NULL)
		event_free(d->stop_timer);
	if (d->base != NULL)
		event_base_free(d->base);
	config_free(&d->cfg);
	free(d->config_file);
}

/* Runs the loop until the run mode says exit (not at all when set-up already decided to
 * exit); returns the exit code. */
static int main_run(struct duband *d)
{
	if (d->mode == DUBAND_EXIT)
		return d->exit_code;
	if (event_base_dispatch(d->base) < 0) {
		log_event(LOG_ERR, "event=internal error=\"event loop failed\"");
		duband_exit(d, EX_SOFTWARE);
	} else if (d->mode != DUBAND_EXIT) {
		log_event(LOG_ERR, "event=internal error=\"event loop ran out of events\"");
		d->exit_code = EX_SOFTWARE;
	}
	return d->exit_code;
}

int main(int argc, char **argv)
{
	struct duband d;
	struct options o;
	bool logging;
	int rc;

	memset(&d, 0, sizeof(d));
	d.mode = DUBAND_RUNNING;
	rc = main_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	rc = main_environment(&d, &o);
	logging = rc < 0; /* the log is open */
	if (rc < 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		rc = main_fail(&d, EX_OSERR, "cannot initialise libcurl");
	if (rc < 0 && o.migrate)
		rc = main_migrate(&d);
	if (rc < 0)
		rc = main_setup(&d);
	if (rc < 0)
		rc = main_run(&d);
	main_teardown(&d);
	if (logging)
		log_event(rc == 0 ? LOG_INFO : LOG_NOTICE, "event=exit code=%d", rc);
	log_close();
	curl_global_cleanup();
	libevent_global_shutdown();
	return rc;
}
