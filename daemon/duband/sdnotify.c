/* sd_notify(3) messages for systemd's Type=notify and the watchdog timer; silent no-ops
 * outside systemd (no $NOTIFY_SOCKET). */
#include "duban/daemon_sdnotify.h"
#include "duban/log.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <time.h>

struct watchdog {
	struct event *timer;
	bool (*healthy)(void *arg);
	void *arg;
};

static void sdnotify_send(const char *msg)
{
	int rc = sd_notify(0, msg);

	if (rc < 0)
		log_event(LOG_WARNING, "event=sd_notify error=%d", rc);
}

void sdnotify_ready(void)
{
	sdnotify_send("READY=1");
}

void sdnotify_reloading(void)
{
	struct timespec ts;
	char msg[96];

	/* MONOTONIC_USEC lets Type=notify-reload (systemd 253+) match the reload too. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL);
	sdnotify_send(msg);
}

void sdnotify_stopping(void)
{
	sdnotify_send("STOPPING=1");
}

void sdnotify_status(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n = snprintf(msg, sizeof(msg), "STATUS=");

	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	sdnotify_send(msg);
}

static void sdnotify_watchdog_tick(evutil_socket_t fd, short what, void *arg)
{
	struct watchdog *w = arg;

	(void)fd;
	(void)what;
	if (w->healthy == NULL || w->healthy(w->arg))
		sdnotify_send("WATCHDOG=1");
	else
		log_event(LOG_WARNING, "event=watchdog healthy=0");
}

struct watchdog *sdnotify_watchdog_start(struct event_base *base, bool (*healthy)(void *arg),
					 void *arg)
{
	uint64_t usec = 0;
	struct watchdog *w;
	struct timeval tv;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		log_event(LOG_ERR, "event=watchdog error=\"out of memory\"");
		return NULL;
	}
	w->healthy = healthy;
	w->arg = arg;
	usec /= 2;
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	w->timer = event_new(base, -1, EV_PERSIST, sdnotify_watchdog_tick, w);
	if (w->timer == NULL || event_add(w->timer, &tv) != 0) {
		log_event(LOG_ERR, "event=watchdog error=\"cannot arm the watchdog timer\"");
		sdnotify_watchdog_free(w);
		return NULL;
	}
	log_event(LOG_DEBUG, "event=watchdog interval_ms=%llu", (unsigned long long)usec / 1000ULL);
	return w;
}

void sdnotify_watchdog_free(struct watchdog *w)
{
	if (w == NULL)
		return;
	if (w->timer != NULL)
		event_free(w->timer);
	free(w);
}
