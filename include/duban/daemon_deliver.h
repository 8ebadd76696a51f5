/* Delivery rounds (SPEC §8): claim the deliverable notices, render each channel's batch into
 * digest messages, send them (at most delivery.concurrency in flight, at most the channel's
 * rate budget), and record each message's result for all the notices it carries. */
#ifndef DUBAN_DAEMON_DELIVER_H
#define DUBAN_DAEMON_DELIVER_H
#include <stdbool.h>

struct duband;
struct deliver;

struct deliver *deliver_new(struct duband *d);

/* Starts a round now (first recording any results that waited for the database), or one more
 * right after the round running. Does nothing unless running and the database is ready. */
void deliver_kick(struct deliver *dl);

/* The daemon is stopping: no more claims; messages not yet sent are released; requests in
 * flight finish and are recorded. duband_delivery_idle() is called once all is quiet. */
void deliver_stop(struct deliver *dl);

/* Nothing claimed, queued, in flight or being recorded. */
bool deliver_quiet(const struct deliver *dl);

/* Frees everything (call after the HTTP client and the database connection are gone);
 * results that were never recorded are logged. */
void deliver_free(struct deliver *dl);

#endif
