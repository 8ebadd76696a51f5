/* deliver_int.h: private to duband's deliver*.c — a delivery round's channels and messages,
 * and the functions the round (deliver.c), the sending (deliver_send.c) and the building of
 * messages from a claim (deliver_build.c) call across those files. */
#ifndef DUBAN_DELIVER_INT_H
#define DUBAN_DELIVER_INT_H

#include "duban/daemon_deliver.h"
#include "duban/daemon_outcome.h"
#include "duban/daemon_pgconn.h"
#include "duban/render.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#define DELIVER_MAX_PER_CHANNEL 1000 /* notices claimed per channel and round */
#define DELIVER_MAX_ROWS 2048        /* notices claimed per round: bounds the memory of a round */
#define DELIVER_LEASE_EXTRA 90       /* lease = delivery.timeout + this, seconds: a table
				      * file's export, upload and message fit in it */
#define DELIVER_LEASE_MARGIN 5       /* a message is sent only with this much lease to spare */
#define DELIVER_DINGTALK_BAN 600    /* DingTalk errcode 130101 throttles a robot 10 minutes */
#define DELIVER_BUDGET_WAIT 1.1      /* after a channel ran out of budget: next round in (s),
				      * when its per-second budget has come back */
#define DELIVER_AHEAD 16             /* the next claim starts while the round's tail is in
				      * flight at the latest when the queue is empty, earlier when
				      * the queue would drain within two claims' time, but never
				      * with more than delivery.concurrency × this messages or
				      * DELIVER_MAX_ROWS / 2 notices left in the queue */

enum deliver_state {
	DELIVER_IDLE,     /* no round: waits for deliver_kick() (after every sweep) */
	DELIVER_CLAIMING, /* the claim query is in flight */
	DELIVER_SENDING,  /* the round's messages are queued or in flight, or their results are
			   * being recorded; the round ends when all three are done. The next
			   * claim may be in flight meanwhile (prefetching): its messages join
			   * the round */
};

/* A channel of the current round: freed when its last message is (refs). */
struct dchan {
	struct dchan *prev, *next;
	int refs;                 /* messages that point to it, + 1 while its rows are built */
	int id;
	enum render_kind kind;
	char url[512];            /* redacted, for logs */
	bool has_table;           /* a WeCom channel with `table` notices in this round: once sent,
				   * their files are due (deliver_sent_many), so a round follows */
};

/* One message: a digest of notices for one channel. */
struct dmsg {
	struct dmsg *prev, *next; /* in the queue or in the in-flight list */
	struct deliver *dl;
	struct dchan *ch;
	char *url;                /* to POST to (DingTalk: signed) */
	char *body;
	size_t len;
	long long *ids;
	size_t n_ids;
	double lease_until;       /* end of the lease on the monotonic clock (duband_mono) */
	struct dmsg *followup;    /* WeCom's mention message: queued once this one succeeded */
	char *table, *period;     /* a table_file notice: the table and period to send as a WeCom
				   * file (url is the webhook, body NULL) */
	struct tablefile *job;    /* its job while in flight */
	bool is_followup;         /* this is one: its ids are the message's before it, recorded
				   * as sent again (only its send is logged) and never failed */
};

struct deliver {
	struct duband *d;
	enum deliver_state state;
	bool again;               /* kicked while a round ran */
	bool kick_after_records;  /* kicked while results waited to be recorded */
	bool more;                /* the round left deliverable work behind: next round at once */
	bool more_claims;         /* the last claim came back full (page on from the cursor), or
				   * short from a cursor (wrap to the first channel): claim again */
	bool prefetching;         /* a claim is in flight during the round (DELIVER_SENDING) */
	int claim_pid;            /* the backend that made the round's claims: their leases are
				   * its, so a claim overlapping them is safe only on it */
	bool more_later;          /* a channel ran out of rate budget: next round after
				   * DELIVER_BUDGET_WAIT */
	bool counting;            /* the gauge query is in flight */
	int cursor;               /* the next claim starts after this channel id (0: the first) */
	int claim_after;          /* the cursor the claim in flight (or the last one) started from */
	struct dchan *chans;
	struct dmsg *queue, *queue_tail;
	size_t queued;            /* messages in the queue */
	size_t queued_ids;        /* their notices */
	double msg_secs;          /* a request's time, moving average (0: none yet) */
	double claim_secs;        /* a claim's time, sent to answered, moving average */
	double claim_sent_at;     /* when the claim in flight was sent (duband_mono) */
	struct dmsg *flight;
	int inflight;
	struct outcomes *out;
	struct event *soon;       /* next round at once, from a fresh loop iteration */
	long long *released;      /* ids to hand back, collected while pumping */
	size_t n_released, cap_released;
	size_t round_started;     /* requests started in the current round */
	size_t round_released;    /* notices handed back in the current round */
	char today[16];           /* local date of the claim's attempts (deliver_today), or "" */
};


/* Column numbers of a claim result, found by name (PQfnumber). */
struct claim_cols {
	int notice_id, channel_id, kind, url, secret, mention, unit, budget, lease_left, payload,
		urgency, keyword;
};

/* The round (deliver.c). */
/* Frees a message (not its channel). */
void deliver_msg_free(struct dmsg *m);
/* Ends the round once nothing is queued, in flight or being recorded. */
void deliver_settle(struct deliver *dl);
/* Starts the next claim while the round's tail is in flight, when that is safe and useful. */
void deliver_prefetch(struct deliver *dl);
/* Folds the time of one answered request into dl->msg_secs. */
void deliver_note_request(struct deliver *dl, double seconds);
/* A message of ch takes a reference to it. */
void deliver_chan_hold(struct dchan *ch);
/* Drops a reference to ch; frees it after the last. */
void deliver_chan_drop(struct deliver *dl, struct dchan *ch);

/* Sending and recording (deliver_send.c). */
/* Starts queued messages up to delivery.concurrency; hands back what may not be sent (the
 * daemon is stopping, or the lease would run out during the request). */
void deliver_pump(struct deliver *dl);
/* Hands the result of one message (its notices ids[0..n)) to outcome.c for recording. */
void deliver_record(struct deliver *dl, const struct dchan *ch, enum outcome_kind kind,
		    const long long *ids, size_t n, const char *error, bool permanent,
		    long min_delay, long pause);
/* Collects ids to hand back without an attempt (recorded at the end of the pump). */
void deliver_release_later(struct deliver *dl, const long long *ids, size_t n);
/* Appends a message to the round's queue. */
void deliver_enqueue(struct deliver *dl, struct dmsg *m);

/* Messages from a claim (deliver_build.c). */
/* Renders the claimed rows [a, b) of one channel into messages. */
void deliver_channel(struct deliver *dl, PGresult *res, const struct claim_cols *k, int a,
		     int b);
/* The local date of a claim's attempts, found once for the claim. */
void deliver_today(struct deliver *dl);
/* Fills *k from the result's column names; -1 when one is missing. */
int claim_cols_find(const PGresult *res, struct claim_cols *k);

#endif
