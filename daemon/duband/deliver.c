/* Delivery rounds: claim deliverable notices (duban.deliver_claim, columns read by name), turn
 * each channel's rows into digest messages (deliver_build.c), send them within the
 * concurrency limit and record every result (deliver_send.c, outcome.c); a round that came
 * back full is followed by another at once, and the gauges and the wait until the next due
 * retry or rate budget are asked for when a round ends. Every chat kind takes the same path;
 * a WeCom `table_file` notice is one message of its own, made, uploaded and sent by
 * tablefile.c. */
#include "duban/daemon_deliver.h"
#include "duban/clock.h"
#include "duban/daemon_core.h"
#include "duban/daemon_outcome.h"
#include "duban/daemon_pgconn.h"
#include "duban/daemon_tablefile.h"
#include "duban/log.h"
#include "deliver_int.h"

#include <event2/event.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/time.h>

static const char deliver_sql_claim[] =
	"SELECT notice_id, channel_id, kind, url, secret, mention, unit, budget, lease_left, "
	"payload, urgency, keyword FROM duban.deliver_claim($1::timestamptz, $2, $3::int, $4::int, "
	"$5::boolean, $6::float8, $7, $8::int, $9::int, $10::int, $11::int)";
static const char deliver_sql_counts[] =
	"SELECT n.pending, n.dead, duband_wait.w FROM duban.notice_counts() n, "
	"duban.deliver_wait($1::timestamptz, $2, $3::int, $4::int, $5::boolean) duband_wait(w)";

void deliver_chan_hold(struct dchan *ch)
{
	ch->refs++;
}

void deliver_chan_drop(struct deliver *dl, struct dchan *ch)
{
	if (--ch->refs > 0)
		return;
	if (ch->prev != NULL)
		ch->prev->next = ch->next;
	else
		dl->chans = ch->next;
	if (ch->next != NULL)
		ch->next->prev = ch->prev;
	free(ch);
}

void deliver_msg_free(struct dmsg *m)
{
	if (m->followup != NULL)
		deliver_msg_free(m->followup);
	tablefile_free(m->job); /* only at teardown: a finished job has freed itself */
	if (m->ch != NULL)
		deliver_chan_drop(m->dl, m->ch);
	free(m->table);
	free(m->period);
	free(m->url);
	free(m->body);
	free(m->ids);
	free(m);
}

/* A moving average: the last value weighs a quarter. */
static double deliver_average(double avg, double x)
{
	return avg > 0 ? 0.75 * avg + 0.25 * x : x;
}

void deliver_note_request(struct deliver *dl, double seconds)
{
	if (seconds > 0)
		dl->msg_secs = deliver_average(dl->msg_secs, seconds);
}

/* Channels left at teardown (their messages are freed first, so none normally). */
static void deliver_chans_free(struct deliver *dl)
{
	while (dl->chans != NULL) {
		struct dchan *c = dl->chans;

		dl->chans = c->next;
		free(c);
	}
}

/* Arms the next round in seconds (at least 1 s: never a busy loop). */
static void deliver_schedule(struct deliver *dl, double seconds)
{
	struct timeval tv;

	if (seconds < 1.0)
		seconds = 1.0;
	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	if (event_add(dl->soon, &tv) != 0)
		log_event(LOG_ERR, "event=deliver error=\"cannot schedule the next round\"");
}

static void deliver_counts_done(void *arg, const struct pgconn_reply *r)
{
	struct deliver *dl = arg;
	struct duband *d = dl->d;
	PGresult *res = r->n > 0 ? r->res[0] : NULL;

	dl->counting = false;
	if (r->error == NULL && !r->lost && res != NULL && PQntuples(res) == 1) {
		d->metrics.pending = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		d->metrics.dead = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		/* Retries and rate budgets that come due before the next sweep get their own
		 * round; --once makes its attempts and goes. */
		if (!PQgetisnull(res, 0, 2) && !d->once && d->mode == DUBAND_RUNNING) {
			double wait = strtod(PQgetvalue(res, 0, 2), NULL);

			if (wait < d->cfg.poll_interval && !evtimer_pending(dl->soon, NULL))
				deliver_schedule(dl, wait);
		}
	} else if (r->error != NULL) {
		char q[600];

		log_quote(r->error, q, sizeof(q));
		log_event(LOG_ERR, "event=counts ok=0 error=%s", q);
	}
	duband_status(d);
	if (deliver_quiet(dl))
		duband_delivery_idle(d);
}

/* The window parameters of the claim and wait queries, formatted into the buffers. */
static void deliver_window_params(const struct duband *d, char *now, size_t nowlen, char *ws,
				  char *we, size_t len, const char **p)
{
	clock_format(clock_now(), now, nowlen);
	snprintf(ws, len, "%d", d->cfg.window_start);
	snprintf(we, len, "%d", d->cfg.window_end);
	p[0] = now;
	p[1] = d->cfg.timezone;
	p[2] = ws;
	p[3] = we;
	p[4] = d->cfg.workdays_only ? "true" : "false";
}

/* The round is over: another at once if work was left behind (in a moment when only rate
 * budgets held it back, or when the round only handed notices back), else refresh the
 * gauges. */
static void deliver_round_done(struct deliver *dl)
{
	struct duband *d = dl->d;
	struct timeval at_once_tv = { 0, 0 };
	struct timeval later = { (time_t)DELIVER_BUDGET_WAIT,
				 (suseconds_t)((DELIVER_BUDGET_WAIT - (int)DELIVER_BUDGET_WAIT) * 1e6) };

	dl->state = DELIVER_IDLE;
	d->metrics.rounds++;
	if (d->mode == DUBAND_RUNNING && d->db_ready &&
	    (dl->again || dl->more || dl->more_claims || dl->more_later)) {
		/* A round that only handed notices back waits too: never a claim/release loop. */
		bool only_released = dl->round_started == 0 && dl->round_released > 0;
		bool at_once = (dl->again || dl->more || dl->more_claims) && !only_released;

		dl->again = dl->more = dl->more_claims = dl->more_later = false;
		if (event_add(dl->soon, at_once ? &at_once_tv : &later) == 0)
			return;
		log_event(LOG_ERR, "event=deliver error=\"cannot schedule the next round\"");
	}
	dl->again = dl->more = dl->more_claims = dl->more_later = false;
	if (d->db_ready) {
		char now[64], ws[16], we[16];
		const char *p[5];

		deliver_window_params(d, now, sizeof(now), ws, we, sizeof(ws), p);
		if (pgconn_query(d->pg, deliver_sql_counts, 5, p, deliver_counts_done, dl) == 0) {
			dl->counting = true;
			return;
		}
	}
	if (deliver_quiet(dl))
		duband_delivery_idle(d);
}

/* Ends the round once nothing is queued, in flight or being recorded. */
void deliver_settle(struct deliver *dl)
{
	if (dl->state == DELIVER_SENDING && !dl->prefetching && dl->queue == NULL &&
	    dl->inflight == 0 && outcomes_recording(dl->out) == 0) {
		deliver_round_done(dl);
		return;
	}
	if (dl->state == DELIVER_IDLE && deliver_quiet(dl))
		duband_delivery_idle(dl->d);
}

static void deliver_on_settled(void *arg)
{
	struct deliver *dl = arg;

	if (dl->kick_after_records && outcomes_recording(dl->out) == 0) {
		dl->kick_after_records = false;
		deliver_kick(dl);
		return;
	}
	deliver_settle(dl);
}

/* Channels claimed per round: enough to keep delivery.concurrency requests busy across many
 * one-message channels without a claim query per few messages; a message whose lease runs
 * short before its turn is handed back unsent, so a large round is never a double send. */
static int deliver_max_channels(const struct duband *d)
{
	return d->cfg.concurrency * 16;
}

static void deliver_claimed(void *arg, const struct pgconn_reply *r)
{
	struct deliver *dl = arg;
	struct duband *d = dl->d;
	PGresult *res = r->n > 0 ? r->res[0] : NULL;
	const char *error = r->error;
	struct claim_cols k;
	int rows, channels = 0;
	bool full = false, prefetch = dl->prefetching;

	dl->prefetching = false;
	if (error == NULL && !r->lost)
		dl->claim_secs = deliver_average(dl->claim_secs, duband_mono() - dl->claim_sent_at);
	if (error == NULL && !r->lost && res != NULL && claim_cols_find(res, &k) != 0)
		error = "the claim result lacks a column";
	if (error != NULL || r->lost || res == NULL) {
		char q[600];

		if (!prefetch)
			dl->state = DELIVER_IDLE;
		else
			dl->more_claims = true; /* claimed again once the round is over */
		log_quote(error != NULL ? error : "connection lost", q, sizeof(q));
		log_event(r->lost ? LOG_WARNING : LOG_ERR, "event=claim ok=0 error=%s", q);
		if (!r->lost && d->once) {
			duband_exit(d, EX_SOFTWARE);
			return;
		}
		deliver_settle(dl);
		return;
	}
	if (!prefetch) {
		dl->state = DELIVER_SENDING;
		dl->round_started = dl->round_released = 0;
	}
	rows = PQntuples(res);
	if (rows > 0)
		deliver_today(dl);
	for (int i = 0; i < rows;) {
		const char *cid = PQgetvalue(res, i, k.channel_id);
		int j = i + 1;

		while (j < rows && strcmp(PQgetvalue(res, j, k.channel_id), cid) == 0)
			j++;
		if (j - i >= DELIVER_MAX_PER_CHANNEL)
			full = true;
		deliver_channel(dl, res, &k, i, j);
		channels++;
		i = j;
	}
	log_event(LOG_DEBUG, "event=claim after=%d first=%s last=%s notices=%d channels=%d "
		  "overlap=%d", dl->claim_after, rows > 0 ? PQgetvalue(res, 0, k.channel_id) : "-",
		  rows > 0 ? PQgetvalue(res, rows - 1, k.channel_id) : "-", rows, channels,
		  prefetch ? 1 : 0);
	/* The claim pages through the channels in id order. A full one may have left deliverable
	 * notices behind: the next round at once, after its last channel. One that came back short
	 * reached the last channel: unless it started from the first, the channels before its
	 * cursor get their turn in a round at once (--once too must try every deliverable
	 * notice). */
	if (channels >= deliver_max_channels(d) || rows >= DELIVER_MAX_ROWS || full) {
		dl->cursor = (int)strtol(PQgetvalue(res, rows - 1, k.channel_id), NULL, 10);
		dl->more_claims = true;
	} else {
		dl->more_claims = dl->claim_after > 0;
		dl->cursor = 0;
	}
	deliver_pump(dl);
}

/* Sends the claim query from the cursor. 0, or -1 when it could not be queued. */
static int deliver_claim_send(struct deliver *dl)
{
	struct duband *d = dl->d;
	char now[64], ws[16], we[16], lease[32], maxch[16], maxper[16], maxrows[16], after[16];
	const char *p[11];

	deliver_window_params(d, now, sizeof(now), ws, we, sizeof(ws), p);
	p[5] = lease;
	p[6] = d->instance;
	p[7] = maxch;
	p[8] = maxper;
	p[9] = maxrows;
	p[10] = after;
	snprintf(lease, sizeof(lease), "%d", d->cfg.timeout + DELIVER_LEASE_EXTRA);
	snprintf(maxch, sizeof(maxch), "%d", deliver_max_channels(d));
	snprintf(maxper, sizeof(maxper), "%d", DELIVER_MAX_PER_CHANNEL);
	snprintf(maxrows, sizeof(maxrows), "%d", DELIVER_MAX_ROWS);
	snprintf(after, sizeof(after), "%d", dl->cursor);
	if (pgconn_query(d->pg, deliver_sql_claim, 11, p, deliver_claimed, dl) != 0)
		return -1;
	dl->claim_after = dl->cursor;
	dl->claim_pid = pgconn_backend_pid(d->pg);
	dl->claim_sent_at = duband_mono();
	return 0;
}

/* Whether the queue is short enough to send the next claim now: empty, or it would drain (at
 * the requests' recent pace) within twice the time a claim takes to come back; and small
 * enough that a second claim's rows do not crowd the memory of a round. */
static bool deliver_queue_short(const struct deliver *dl)
{
	int conc = dl->d->cfg.concurrency;
	double drain;

	if (dl->queue == NULL)
		return true;
	if (dl->queued > (size_t)conc * DELIVER_AHEAD || dl->queued_ids > DELIVER_MAX_ROWS / 2 ||
	    dl->msg_secs <= 0 || dl->claim_secs <= 0)
		return false;
	drain = (double)(dl->queued + (size_t)dl->inflight) * dl->msg_secs / conc;
	return drain <= 2 * dl->claim_secs;
}

static void deliver_claim(struct deliver *dl)
{
	if (deliver_claim_send(dl) == 0)
		dl->state = DELIVER_CLAIMING;
}

/* The next claim while the round's tail is in flight: only to page on after a full claim
 * (cursor > 0: a claim from the first channel, whose coming back short ends the walk, waits
 * for the round to end, so that no channel of this round is skipped as busy), only on the
 * backend that holds this round's leases (after a reconnect, a notice sent but not yet
 * recorded would look claimable: see deliver_kick), with no result waiting for the database,
 * and once the queue runs short (deliver_queue_short: a daemon that shares the outbox with
 * others claims no further ahead than it sends). The claim's messages join the round. */
void deliver_prefetch(struct deliver *dl)
{
	struct duband *d = dl->d;

	if (dl->state != DELIVER_SENDING || dl->prefetching || !dl->more_claims || dl->cursor <= 0 ||
	    dl->round_started == 0 || d->mode != DUBAND_RUNNING || !d->db_ready ||
	    !deliver_queue_short(dl) ||
	    (dl->queue == NULL && dl->inflight == 0 && outcomes_recording(dl->out) == 0) ||
	    outcomes_waiting(dl->out) > 0 || !pgconn_is_up(d->pg) ||
	    pgconn_backend_pid(d->pg) != dl->claim_pid)
		return;
	dl->more_claims = false;
	if (deliver_claim_send(dl) == 0)
		dl->prefetching = true;
	else
		dl->more_claims = true;
}

void deliver_kick(struct deliver *dl)
{
	struct duband *d = dl->d;

	if (dl->state != DELIVER_IDLE) {
		dl->again = true;
		return;
	}
	if (d->mode != DUBAND_RUNNING || !d->db_ready)
		return;
	outcomes_flush(dl->out); /* results that waited for the database go first */
	/* A claim must not overtake results still waiting to be recorded (sent results are
	 * recorded in groups): after a reconnect, a notice whose send is not yet recorded would
	 * look claimable and be sent again. Claim once they are recorded. */
	if (outcomes_recording(dl->out) > 0) {
		dl->kick_after_records = true;
		return;
	}
	deliver_claim(dl);
}

static void deliver_soon(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	deliver_kick(arg);
}

struct deliver *deliver_new(struct duband *d)
{
	struct deliver *dl = calloc(1, sizeof(*dl));

	if (dl == NULL)
		return NULL;
	dl->d = d;
	dl->out = outcomes_new(d, deliver_on_settled, dl);
	dl->soon = evtimer_new(d->base, deliver_soon, dl);
	if (dl->out == NULL || dl->soon == NULL) {
		deliver_free(dl);
		return NULL;
	}
	return dl;
}

void deliver_stop(struct deliver *dl)
{
	event_del(dl->soon);
	if (dl->state == DELIVER_SENDING)
		deliver_pump(dl); /* hands back every queued message */
	else
		deliver_settle(dl);
}

bool deliver_quiet(const struct deliver *dl)
{
	return dl->state == DELIVER_IDLE && !dl->counting && outcomes_recording(dl->out) == 0 &&
	       !evtimer_pending(dl->soon, NULL);
}

void deliver_free(struct deliver *dl)
{
	if (dl == NULL)
		return;
	while (dl->queue != NULL) {
		struct dmsg *m = dl->queue;

		dl->queue = m->next;
		deliver_msg_free(m);
	}
	dl->queued = dl->queued_ids = 0;
	while (dl->flight != NULL) {
		struct dmsg *m = dl->flight;

		dl->flight = m->next;
		deliver_msg_free(m);
	}
	deliver_chans_free(dl);
	outcomes_free(dl->out);
	if (dl->soon != NULL)
		event_free(dl->soon);
	free(dl->released);
	free(dl);
}
