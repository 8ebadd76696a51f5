/* duband's counters and gauges, and their Prometheus text exposition for GET /metrics. */
#ifndef DUBAN_DAEMON_METRICS_H
#define DUBAN_DAEMON_METRICS_H
#include <stdbool.h>
#include <stdint.h>

struct evbuffer;

struct metrics {
	double started_real;           /* process start, real clock */
	bool db_connected;             /* connected and schema checked */
	uint64_t db_connects;          /* successful connections */
	uint64_t db_disconnects;       /* connections lost or attempts failed */
	uint64_t sweeps;               /* sweeps committed */
	uint64_t sweep_errors;         /* sweeps that failed */
	double sweep_seconds;          /* duration of the last sweep */
	double sweep_seconds_sum;      /* total time spent sweeping */
	double last_sweep_real;        /* real time of the last committed sweep, 0 = none */
	uint64_t notices_made;         /* notices written by sweeps */
	uint64_t notices_sent;         /* notices delivered */
	uint64_t notices_retry;        /* notice attempts that will be retried */
	uint64_t notices_dead;         /* notices that died */
	uint64_t notices_released;     /* claimed notices handed back without an attempt */
	uint64_t messages_ok;          /* HTTP messages delivered */
	uint64_t messages_failed;      /* HTTP messages that failed */
	uint64_t rounds;               /* delivery rounds */
	int64_t pending;               /* notices pending (refreshed after each round), -1 unknown */
	int64_t dead;                  /* notices dead (refreshed after each round), -1 unknown */
	int in_flight;                 /* HTTP requests in flight now */
	uint64_t reloads;              /* successful SIGHUP reloads */
	uint64_t reload_errors;        /* refused SIGHUP reloads */
	bool calendar_known;           /* calendar_until_days measured by a sweep */
	int64_t calendar_until_days;   /* days from today to the calendar's last date */
};

void metrics_init(struct metrics *m);

/* Appends the Prometheus text format (version 0.0.4) of m to out. Returns 0 or -1. */
int metrics_render(const struct metrics *m, struct evbuffer *out);

#endif
