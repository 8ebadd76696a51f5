/* systemd integration of duband: sd_notify READY/RELOADING/STOPPING/STATUS messages and the
 * watchdog keep-alive timer. Every call is a no-op when not started by systemd. */
#ifndef DUBAN_DAEMON_SDNOTIFY_H
#define DUBAN_DAEMON_SDNOTIFY_H
#include <stdbool.h>

struct event_base;
struct watchdog;

void sdnotify_ready(void);
void sdnotify_reloading(void);
void sdnotify_stopping(void);
void sdnotify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* When systemd enabled the watchdog (WatchdogSec=), arms a timer at half its interval that
 * sends WATCHDOG=1 whenever healthy(arg) says so. Returns NULL when the watchdog is off (or the
 * timer could not be made, which is logged). */
struct watchdog *sdnotify_watchdog_start(struct event_base *base, bool (*healthy)(void *arg),
					 void *arg);
void sdnotify_watchdog_free(struct watchdog *w);

#endif
