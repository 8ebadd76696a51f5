/* Recording of webhook message results in the outbox (duban.deliver_sent / deliver_failed /
 * deliver_release): one query per message, and a backlog of results that could not be
 * recorded while the database was away, submitted again once it is back. */
#ifndef DUBAN_DAEMON_OUTCOME_H
#define DUBAN_DAEMON_OUTCOME_H
#include <stdbool.h>
#include <stddef.h>

struct duband;
struct outcomes;

enum outcome_kind {
	OUTCOME_SENT,    /* delivered: notices sent, one send logged for the channel's rate */
	OUTCOME_FAILED,  /* failed: notices retried with backoff, or dead */
	OUTCOME_RELEASE, /* claimed but not attempted: claims handed back, no attempt counted */
};

struct outcome_desc {
	enum outcome_kind kind;
	const long long *ids;     /* the message's notice ids */
	size_t n_ids;
	int channel;              /* channel id */
	const char *channel_kind; /* "json", "wecom", ... (for logs) */
	const char *url;          /* redacted URL (for logs) */
	const char *error;        /* OUTCOME_FAILED: one line, e.g. "errcode 310000: sign not match" */
	bool permanent;           /* OUTCOME_FAILED: dead at once */
	long min_delay;           /* OUTCOME_FAILED: seconds before the next attempt, at least */
	long pause;               /* OUTCOME_FAILED: pause the channel this many real seconds */
};

/* settled(arg) is called after each recorded (or given up) result. */
struct outcomes *outcomes_new(struct duband *d, void (*settled)(void *arg), void *arg);

/* Records a result now, or keeps it for outcomes_flush() when not connected. The ledger time
 * of the result is taken now. Returns 0, or -1 when out of memory (logged). */
int outcomes_add(struct outcomes *os, const struct outcome_desc *desc);

/* Submits the results that waited for the database (call once it is ready again). */
void outcomes_flush(struct outcomes *os);

int outcomes_recording(const struct outcomes *os); /* queries in flight */
size_t outcomes_waiting(const struct outcomes *os); /* results waiting for the database */

/* Frees; results never recorded are logged (their notices will be sent again). */
void outcomes_free(struct outcomes *os);

#endif
