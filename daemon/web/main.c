/* dubanweb: the office console and the public disclosure pages (SPEC §10). Parses options and
 * the configuration, checks the schema, brings up the worker pool and the two listeners in one
 * ordered block, runs the libevent loop until SIGTERM or SIGINT (SIGHUP re-reads the
 * configuration: reload.c), and tears everything down. */
#include "web.h"
#include "duban/clock.h"
#include "duban/db.h"
#include "duban/log.h"
#include "duban/migrate.h"

#include <event2/thread.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>

struct options {
	bool foreground;
	const char *now, *config, *dsn;
};

static const char usage_text[] =
	"usage: dubanweb [-f] [--now TIME] [--config FILE] [--dsn DSN]\n"
	"  -f, --foreground  log to stderr as well as syslog\n"
	"      --now TIME    run the duban clock from TIME (ISO 8601 with offset)\n"
	"      --config FILE configuration file (default $DUBAN_CONFIG, else "
	DUBAN_SYSCONFDIR "/duband.conf)\n"
	"      --dsn DSN     database connection string (overrides database.dsn)\n"
	"      --version     print the version and exit\n"
	"  -h, --help        print this help and exit\n"
	"Serves the console on web.listen and the public pages on web.public_listen;\n"
	"SIGHUP re-reads the configuration file.\n"
	"exit: 0 ok, 64 usage, 70 internal error, 71 cannot listen, 78 configuration or schema\n";

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"foreground", no_argument, NULL, 'f'}, {"now", required_argument, NULL, 'n'},
		{"config", required_argument, NULL, 'c'}, {"dsn", required_argument, NULL, 'd'},
		{"version", no_argument, NULL, 'V'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	memset(o, 0, sizeof(*o));
	while ((opt = getopt_long(argc, argv, "fh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f': o->foreground = true; break;
		case 'n': o->now = optarg; break;
		case 'c': o->config = optarg; break;
		case 'd': o->dsn = optarg; break;
		case 'V': printf("dubanweb %s\n", DUBAN_VERSION); exit(0);
		case 'h': fputs(usage_text, stdout); exit(0);
		default: fputs(usage_text, stderr); return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dubanweb: unexpected argument '%s'\n", argv[optind]);
		return EX_USAGE;
	}
	return 0;
}

static int load_config(struct web *w, const struct options *o)
{
	char err[512];
	bool must_exist;
	const char *path = config_path(o->config, &must_exist);

	w->config_file = path;
	w->config_must_exist = must_exist;
	if (config_load(&w->cfg, path, must_exist, err, sizeof(err)) != 0) {
		fprintf(stderr, "dubanweb: %s\n", err);
		return EX_CONFIG;
	}
	if (clock_init(o->now, err, sizeof(err)) != 0) {
		fprintf(stderr, "dubanweb: bad --now/DUBAN_NOW: %s\n", err);
		return EX_USAGE;
	}
	w->config_read = w->cfg.path;
	w->dsn = o->dsn != NULL ? o->dsn : w->cfg.dsn;
	w->dsn_override = o->dsn;
	if (!db_dsn_valid(w->dsn)) {
		fprintf(stderr, "dubanweb: database.dsn is not a valid connection string\n");
		return EX_CONFIG;
	}
	if (w->cfg.web_listen[0] == '\0' && w->cfg.web_public_listen[0] == '\0') {
		fprintf(stderr, "dubanweb: web.listen and web.public_listen are both empty: nothing to"
			" serve\n");
		return EX_CONFIG;
	}
	atomic_store(&w->secure_cookie, strncmp(w->cfg.web_base_url, "https://", 8) == 0);
	db_set_timezone(w->cfg.timezone);
	return 0;
}

/* A schema (or SQL code) older or newer than the binary's is refused (78); an unreachable database is not
 * (the workers reconnect, answering 503 meanwhile). */
static int check_schema(struct web *w)
{
	char err[512];
	PGconn *c = db_connect(w->dsn, err, sizeof(err));
	struct migrate_state st = { -1, "" };

	if (c == NULL) {
		db_mask_password(w->dsn, err, sizeof(err));
		log_event(LOG_WARNING, "event=db error=\"%s\" note=\"serving 503 until it is back\"",
			  err);
		return 0;
	}
	if (migrate_db_state(c, &st, err, sizeof(err)) != 0)
		st.version = 0;   /* no schema yet: refused below, saying what to run */
	PQfinish(c);
	if (migrate_check(&st, err, sizeof(err)) != 0) {
		log_event(LOG_ERR, "event=schema error=\"%s\"", err);
		fprintf(stderr, "dubanweb: %s\n", err);
		return EX_CONFIG;
	}
	return 0;
}

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	struct web *w = arg;

	(void)what;
	log_event(LOG_INFO, "event=stop signal=%d", (int)sig);
	sd_notify(0, "STOPPING=1");
	event_base_loopbreak(w->base);
}

static void on_reload_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	web_reload(arg);
}

static int start(struct web *w)
{
	w->base = event_base_new();
	if (w->base == NULL)
		return EX_SOFTWARE;
	w->sigterm = evsignal_new(w->base, SIGTERM, on_stop_signal, w);
	w->sigint = evsignal_new(w->base, SIGINT, on_stop_signal, w);
	w->sighup = evsignal_new(w->base, SIGHUP, on_reload_signal, w);
	if (w->sigterm == NULL || w->sigint == NULL || w->sighup == NULL ||
	    event_add(w->sigterm, NULL) != 0 || event_add(w->sigint, NULL) != 0 ||
	    event_add(w->sighup, NULL) != 0)
		return EX_SOFTWARE;
	w->pool = web_pool_start(w, WEB_WORKERS);
	if (w->pool == NULL)
		return EX_SOFTWARE;
	if (w->cfg.web_public_listen[0] != '\0' && web_public_start(w) != 0)
		return EX_SOFTWARE;
	if (web_http_start(w) != 0)
		return EX_CANTCREAT;
	if (w->public_http != NULL && web_public_run(w) != 0)
		return EX_SOFTWARE;
	return 0;
}

static void stop(struct web *w)
{
	web_public_halt(w);
	web_http_stop(w);
	web_pool_stop(w->pool);
	web_public_stop(w);
	if (w->sigterm != NULL)
		event_free(w->sigterm);
	if (w->sigint != NULL)
		event_free(w->sigint);
	if (w->sighup != NULL)
		event_free(w->sighup);
	if (w->base != NULL)
		event_base_free(w->base);
	config_free(&w->cfg);
}

int main(int argc, char **argv)
{
	struct options o;
	struct web w;
	int rc;

	memset(&w, 0, sizeof(w));
	signal(SIGPIPE, SIG_IGN);
	if ((rc = parse_options(argc, argv, &o)) != 0)
		return rc;
	if ((rc = load_config(&w, &o)) != 0) {
		config_free(&w.cfg);
		return rc;
	}
	log_open("dubanweb", w.cfg.log_facility, w.cfg.log_level, o.foreground);
	if (evthread_use_pthreads() != 0) {
		fprintf(stderr, "dubanweb: libevent has no thread support\n");
		config_free(&w.cfg);
		return EX_SOFTWARE;
	}
	if ((rc = check_schema(&w)) == 0 && (rc = start(&w)) == 0) {
		sd_notify(0, "READY=1\nSTATUS=serving");
		log_event(LOG_INFO, "event=start console=%s public=%s",
			  w.cfg.web_listen[0] ? w.cfg.web_listen : "off",
			  w.cfg.web_public_listen[0] ? w.cfg.web_public_listen : "off");
		if (event_base_dispatch(w.base) < 0)
			rc = EX_SOFTWARE;
	}
	stop(&w);
	log_event(LOG_INFO, "event=exit code=%d", rc);
	log_close();
	libevent_global_shutdown();
	return rc;
}
