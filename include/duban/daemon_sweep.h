/* The sweep: every rule of SPEC §7 run as one transaction at the duban clock's now, on a
 * timer (daemon.poll_interval), on NOTIFY duban_wake and after every (re)connect; coalesced so
 * that at most one more sweep waits while one runs. Each sweep is followed by a delivery round. */
#ifndef DUBAN_DAEMON_SWEEP_H
#define DUBAN_DAEMON_SWEEP_H
#include <stdbool.h>

struct duband;
struct sweeper;

struct sweeper *sweep_new(struct duband *d);

/* Arms the periodic timer (seconds between sweeps); also used on reload. Returns 0 or -1. */
int sweep_set_interval(struct sweeper *s, int seconds);

/* Asks for a sweep now (why: "timer", "notify", "connect", "once" — for the log). Runs at once
 * when the database is ready and no sweep is running; else a running sweep is followed by one
 * more, and a sweep asked for while disconnected is left to the catch-up after reconnecting. */
void sweep_request(struct sweeper *s, const char *why);

/* Monotonic time at which the sweep in flight started, or 0 when none runs. */
double sweep_running_since(const struct sweeper *s);

void sweep_free(struct sweeper *s);

#endif
