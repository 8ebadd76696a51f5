/* Runs duban.sweep_all() in one transaction stamped with the duban clock, time zone and actor,
 * logs what each rule made, warns when the working-day calendar lacks a year, updates the
 * metrics, then starts a delivery round. */
#include "duban/daemon_sweep.h"
#include "duban/calendar_state.h"
#include "duban/clock.h"
#include "duban/daemon_core.h"
#include "duban/daemon_deliver.h"
#include "duban/daemon_pgconn.h"
#include "duban/log.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

enum sweep_state {
	SWEEP_IDLE,    /* no sweep in flight */
	SWEEP_RUNNING, /* the sweep transaction is in flight; `again` remembers one more request */
};

struct sweeper {
	struct duband *d;
	struct event *timer;
	enum sweep_state state;
	bool again;
	char why[16];
	double started;
};

static const char sweep_sql_clock[] =
	"SELECT set_config('duban.now', $1, true), set_config('duban.tz', $2, true), "
	"set_config('duban.actor', 'duband', true)";
static const char sweep_sql_all[] = "SELECT sweep, notices FROM duban.sweep_all()";

static void sweep_start(struct sweeper *s);

/* Logs one line for the sweep: total notices, then notices per rule. */
static void sweep_log(struct sweeper *s, PGresult *res, double ms)
{
	char per[1024];
	size_t pos = 0;
	long total = 0;

	per[0] = '\0';
	for (int i = 0; res != NULL && i < PQntuples(res); i++) {
		long n = strtol(PQgetvalue(res, i, 1), NULL, 10);
		int w;

		total += n;
		w = snprintf(per + pos, sizeof(per) - pos, " %s=%ld", PQgetvalue(res, i, 0), n);
		if (w > 0 && (size_t)w < sizeof(per) - pos)
			pos += (size_t)w;
	}
	s->d->metrics.notices_made += (uint64_t)(total > 0 ? total : 0);
	log_event(total > 0 ? LOG_INFO : LOG_DEBUG, "event=sweep why=%s ms=%.1f notices=%ld%s",
		  s->why, ms, total, per);
}

/* The calendar's reach for /metrics, and the warning of SPEC §3 while a year is missing. */
static void sweep_calendar(struct sweeper *s, PGresult *res)
{
	struct metrics *m = &s->d->metrics;
	const char *until;
	long missing;

	if (res == NULL || PQntuples(res) != 1 || PQnfields(res) != 3)
		return;
	m->calendar_known = !PQgetisnull(res, 0, 1);
	m->calendar_until_days = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	if (PQgetisnull(res, 0, 2))
		return;
	until = PQgetisnull(res, 0, 0) ? "none" : PQgetvalue(res, 0, 0);
	missing = strtol(PQgetvalue(res, 0, 2), NULL, 10);
	log_event(LOG_WARNING, "event=calendar missing=%ld until=%s until_days=%s"
		  " msg=\"no holidays loaded for %ld: Monday-Friday assumed\""
		  " fix=\"dubanctl calendar import %ld.csv\"", missing, until,
		  m->calendar_known ? PQgetvalue(res, 0, 1) : "none", missing, missing);
}

static void sweep_done(void *arg, const struct pgconn_reply *r)
{
	struct sweeper *s = arg;
	struct duband *d = s->d;
	double ms = (duband_mono() - s->started) * 1000.0;

	s->state = SWEEP_IDLE;
	s->started = 0;
	if (r->error != NULL || r->lost) {
		char q[600];

		log_quote(r->error != NULL ? r->error : "connection lost", q, sizeof(q));
		d->metrics.sweep_errors++;
		log_event(r->lost ? LOG_WARNING : LOG_ERR, "event=sweep ok=0 why=%s ms=%.1f error=%s",
			  s->why, ms, q);
		if (r->lost)
			return; /* the reconnect runs a catch-up sweep */
		if (d->once) {
			duband_exit(d, EX_SOFTWARE);
			return;
		}
	} else {
		sweep_log(s, r->n >= 3 ? r->res[2] : NULL, ms);
		sweep_calendar(s, r->n >= 4 ? r->res[3] : NULL);
		d->metrics.sweeps++;
		d->metrics.sweep_seconds = ms / 1000.0;
		d->metrics.sweep_seconds_sum += ms / 1000.0;
		d->metrics.last_sweep_real = clock_real();
		d->last_sweep_mono = duband_mono();
		d->last_sweep_ms = ms;
	}
	deliver_kick(d->deliver);
	if (s->again && d->mode == DUBAND_RUNNING && !d->once) {
		s->again = false;
		snprintf(s->why, sizeof(s->why), "coalesced");
		sweep_start(s);
	}
}

static void sweep_start(struct sweeper *s)
{
	struct duband *d = s->d;
	char now[64];
	const char *clock_params[2] = { now, d->cfg.timezone };
	const struct pgconn_step steps[] = {
		{ "BEGIN", 0, NULL },
		{ sweep_sql_clock, 2, clock_params },
		{ sweep_sql_all, 0, NULL },
		{ calendar_state_sql, 0, NULL },
		{ "COMMIT", 0, NULL },
	};

	clock_format(clock_now(), now, sizeof(now));
	if (pgconn_transaction(d->pg, steps, (int)(sizeof(steps) / sizeof(steps[0])), sweep_done, s) != 0) {
		log_event(LOG_WARNING, "event=sweep ok=0 why=%s error=\"database not connected\"",
			  s->why);
		return;
	}
	s->state = SWEEP_RUNNING;
	s->started = duband_mono();
}

void sweep_request(struct sweeper *s, const char *why)
{
	struct duband *d = s->d;

	if (d->mode != DUBAND_RUNNING)
		return;
	if (s->state == SWEEP_RUNNING) {
		s->again = true;
		return;
	}
	if (!d->db_ready)
		return;
	s->again = false;
	snprintf(s->why, sizeof(s->why), "%s", why);
	sweep_start(s);
}

static void sweep_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sweep_request(arg, "timer");
}

struct sweeper *sweep_new(struct duband *d)
{
	struct sweeper *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->d = d;
	s->timer = event_new(d->base, -1, EV_PERSIST, sweep_tick, s);
	if (s->timer == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

int sweep_set_interval(struct sweeper *s, int seconds)
{
	struct timeval tv = { seconds, 0 };

	event_del(s->timer);
	return event_add(s->timer, &tv);
}

double sweep_running_since(const struct sweeper *s)
{
	return s->state == SWEEP_RUNNING ? s->started : 0;
}

void sweep_free(struct sweeper *s)
{
	if (s == NULL)
		return;
	event_free(s->timer);
	free(s);
}
