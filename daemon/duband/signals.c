/* Signal events on the loop: SIGTERM/SIGINT → graceful stop (second → exit now), SIGHUP →
 * configuration reload; SIGPIPE ignored (a peer closing a socket is an error, not a death). */
#include "duban/daemon_signals.h"
#include "duban/daemon_core.h"
#include "duban/daemon_reload.h"
#include "duban/log.h"

#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>

struct signals {
	struct event *term, *intr, *hup;
};

static void signals_on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct duband *d = arg;

	(void)what;
	log_event(LOG_INFO, "event=signal signal=%s", sig == SIGTERM ? "TERM" : "INT");
	duband_stop(d);
}

static void signals_on_hup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	reload_config(arg);
}

struct signals *signals_setup(struct duband *d)
{
	struct signals *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		goto fail;
	s->term = evsignal_new(d->base, SIGTERM, signals_on_stop, d);
	s->intr = evsignal_new(d->base, SIGINT, signals_on_stop, d);
	s->hup = evsignal_new(d->base, SIGHUP, signals_on_hup, d);
	if (s->term == NULL || s->intr == NULL || s->hup == NULL ||
	    event_add(s->term, NULL) != 0 || event_add(s->intr, NULL) != 0 ||
	    event_add(s->hup, NULL) != 0)
		goto fail;
	return s;
fail:
	signals_free(s);
	return NULL;
}

void signals_free(struct signals *s)
{
	if (s == NULL)
		return;
	if (s->term != NULL)
		event_free(s->term);
	if (s->intr != NULL)
		event_free(s->intr);
	if (s->hup != NULL)
		event_free(s->hup);
	free(s);
}
