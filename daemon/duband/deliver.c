/* Delivery rounds: claim (duban.deliver_claim), render each channel's notices into digest
 * messages with render_batch(), send them through the curl client within the concurrency limit
 * and each channel's rate budget, classify every answer with classify_response() and record
 * the result for all the notices of the message. Every chat kind takes the same path; a WeCom
 * `table_file` notice is one message of its own, made, uploaded and sent by tablefile.c. */
#include "duban/daemon_deliver.h"
#include "duban/classify.h"
#include "duban/clock.h"
#include "duban/daemon_core.h"
#include "duban/daemon_httpc.h"
#include "duban/daemon_outcome.h"
#include "duban/daemon_pgconn.h"
#include "duban/daemon_tablefile.h"
#include "duban/log.h"
#include "duban/render.h"

#include <event2/event.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/time.h>

#define DELIVER_MAX_PER_CHANNEL 1000 /* notices claimed per channel and round */
#define DELIVER_MAX_ROWS 2048        /* notices claimed per round: bounds the memory of a round */
#define DELIVER_LEASE_EXTRA 90       /* lease = delivery.timeout + this, seconds: a table
				      * file's export, upload and message fit in it */
#define DELIVER_LEASE_MARGIN 5       /* a message is sent only with this much lease to spare */
#define DELIVER_DINGTALK_BAN 600    /* DingTalk errcode 130101 throttles a robot 10 minutes */
#define DELIVER_BUDGET_WAIT 1.1      /* after a channel ran out of budget: next round in (s),
				      * when its per-second budget has come back */

enum deliver_state {
	DELIVER_IDLE,     /* no round: waits for deliver_kick() (after every sweep) */
	DELIVER_CLAIMING, /* the claim query is in flight */
	DELIVER_SENDING,  /* the round's messages are queued or in flight, or their results are
			   * being recorded; the round ends when all three are done */
};

/* A channel of the current round. */
struct dchan {
	struct dchan *next;
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
	bool more_later;          /* a channel ran out of rate budget: next round after
				   * DELIVER_BUDGET_WAIT */
	bool counting;            /* the gauge query is in flight */
	struct dchan *chans;
	struct dmsg *queue, *queue_tail;
	struct dmsg *flight;
	int inflight;
	struct outcomes *out;
	struct event *soon;       /* next round at once, from a fresh loop iteration */
	long long *released;      /* ids to hand back, collected while pumping */
	size_t n_released, cap_released;
	size_t round_started;     /* requests started in the current round */
	size_t round_released;    /* notices handed back in the current round */
};

static const char deliver_sql_claim[] =
	"SELECT notice_id, channel_id, kind, url, secret, mention, unit, budget, lease_left, "
	"payload, urgency, keyword FROM duban.deliver_claim($1::timestamptz, $2, $3::int, $4::int, $5::boolean, "
	"$6::float8, $7, $8::int, $9::int, $10::int)";
static const char deliver_sql_counts[] =
	"SELECT n.pending, n.dead, duband_wait.w FROM duban.notice_counts() n, "
	"duban.deliver_wait($1::timestamptz, $2, $3::int, $4::int, $5::boolean) duband_wait(w)";

/* Column numbers of a claim result, found by name (PQfnumber). */
struct claim_cols {
	int notice_id, channel_id, kind, url, secret, mention, unit, budget, lease_left, payload,
		urgency, keyword;
};

/* Fills *k from the result's column names; -1 when one is missing. */
static int claim_cols_find(const PGresult *res, struct claim_cols *k)
{
	k->notice_id = PQfnumber(res, "notice_id");
	k->channel_id = PQfnumber(res, "channel_id");
	k->kind = PQfnumber(res, "kind");
	k->url = PQfnumber(res, "url");
	k->secret = PQfnumber(res, "secret");
	k->mention = PQfnumber(res, "mention");
	k->unit = PQfnumber(res, "unit");
	k->budget = PQfnumber(res, "budget");
	k->lease_left = PQfnumber(res, "lease_left");
	k->payload = PQfnumber(res, "payload");
	k->urgency = PQfnumber(res, "urgency");
	k->keyword = PQfnumber(res, "keyword");
	return k->notice_id < 0 || k->channel_id < 0 || k->kind < 0 || k->url < 0 ||
	       k->secret < 0 || k->mention < 0 || k->unit < 0 || k->budget < 0 ||
	       k->lease_left < 0 || k->payload < 0 || k->urgency < 0 || k->keyword < 0 ? -1 : 0;
}

static void deliver_pump(struct deliver *dl);

static void deliver_msg_free(struct dmsg *m)
{
	if (m->followup != NULL)
		deliver_msg_free(m->followup);
	tablefile_free(m->job); /* only at teardown: a finished job has freed itself */
	free(m->table);
	free(m->period);
	free(m->url);
	free(m->body);
	free(m->ids);
	free(m);
}

static void deliver_chans_free(struct deliver *dl)
{
	while (dl->chans != NULL) {
		struct dchan *c = dl->chans;

		dl->chans = c->next;
		free(c);
	}
}

/* "1,2,3" for logs, cut with "..." when long. */
static void deliver_ids_text(const long long *ids, size_t n, char *out, size_t len)
{
	size_t pos = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + pos, len - pos, "%s%lld", i > 0 ? "," : "", ids[i]);

		if (w < 0 || (size_t)w >= len - pos || pos + (size_t)w + 4 >= len) {
			snprintf(out + pos, len - pos, "...");
			return;
		}
		pos += (size_t)w;
	}
}

static void deliver_record(struct deliver *dl, const struct dchan *ch, enum outcome_kind kind,
			   const long long *ids, size_t n, const char *error, bool permanent,
			   long min_delay, long pause)
{
	struct outcome_desc od = {
		.kind = kind, .ids = ids, .n_ids = n, .channel = ch != NULL ? ch->id : 0,
		.channel_kind = ch != NULL ? render_kind_name(ch->kind) : "?",
		.url = ch != NULL ? ch->url : "", .error = error, .permanent = permanent,
		.min_delay = min_delay, .pause = pause,
	};

	outcomes_add(dl->out, &od);
}

/* Collects ids to hand back without an attempt (recorded at the end of the pump). */
static void deliver_release_later(struct deliver *dl, const long long *ids, size_t n)
{
	if (dl->n_released + n > dl->cap_released) {
		size_t cap = (dl->n_released + n) * 2;
		long long *grown = realloc(dl->released, cap * sizeof(*grown));

		if (grown == NULL) {
			log_event(LOG_ERR, "event=deliver error=\"out of memory releasing notices\"");
			return; /* their leases run out instead */
		}
		dl->released = grown;
		dl->cap_released = cap;
	}
	memcpy(dl->released + dl->n_released, ids, n * sizeof(*ids));
	dl->n_released += n;
	dl->round_released += n;
}

static void deliver_release_flush(struct deliver *dl)
{
	if (dl->n_released == 0)
		return;
	deliver_record(dl, NULL, OUTCOME_RELEASE, dl->released, dl->n_released, NULL, false, 0, 0);
	dl->n_released = 0;
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
	deliver_chans_free(dl);
	d->metrics.rounds++;
	if (d->mode == DUBAND_RUNNING && d->db_ready && (dl->again || dl->more || dl->more_later)) {
		/* A round that only handed notices back waits too: never a claim/release loop. */
		bool only_released = dl->round_started == 0 && dl->round_released > 0;
		bool at_once = (dl->again || dl->more) && !only_released;

		dl->again = dl->more = dl->more_later = false;
		if (event_add(dl->soon, at_once ? &at_once_tv : &later) == 0)
			return;
		log_event(LOG_ERR, "event=deliver error=\"cannot schedule the next round\"");
	}
	dl->again = dl->more = dl->more_later = false;
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
static void deliver_settle(struct deliver *dl)
{
	if (dl->state == DELIVER_SENDING && dl->queue == NULL && dl->inflight == 0 &&
	    outcomes_recording(dl->out) == 0) {
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

static void deliver_log_result(const struct dmsg *m, const struct httpc_result *res,
			       const struct classify_result *c)
{
	char ids[256], err[CLASSIFY_ERROR_MAX * 2 + 8];
	const char *result = c->verdict == CLASSIFY_OK ? "sent"
			     : c->verdict == CLASSIFY_PERMANENT ? "failed" : "retry";
	int prio = c->verdict == CLASSIFY_OK ? LOG_INFO
		   : c->verdict == CLASSIFY_PERMANENT ? LOG_ERR : LOG_WARNING;

	deliver_ids_text(m->ids, m->n_ids, ids, sizeof(ids));
	if (c->verdict == CLASSIFY_OK) {
		log_event(prio, "event=deliver result=%s channel=%d kind=%s url=%s notices=%zu ids=%s "
			  "status=%ld ms=%.0f", result, m->ch->id, render_kind_name(m->ch->kind),
			  m->ch->url, m->n_ids, ids, res->status, res->seconds * 1000.0);
		return;
	}
	log_quote(c->error, err, sizeof(err));
	log_event(prio, "event=deliver result=%s channel=%d kind=%s url=%s notices=%zu ids=%s "
		  "status=%ld ms=%.0f verdict=%s min_delay=%ld error=%s", result, m->ch->id,
		  render_kind_name(m->ch->kind), m->ch->url, m->n_ids, ids, res->status,
		  res->seconds * 1000.0, classify_verdict_name(c->verdict), c->min_delay, err);
}

/* Real seconds to pause the channel after this answer: DingTalk's errcode 130101 ("send too
 * fast") bans the robot for 10 minutes, so nothing should reach it before then. */
static long deliver_pause_for(enum render_kind kind, const struct classify_result *c,
			      const char *body)
{
	json_t *j, *code;
	long pause = 0;

	if (kind != RENDER_DINGTALK || c->verdict != CLASSIFY_RETRY || body == NULL)
		return 0;
	j = json_loads(body, 0, NULL);
	code = json_object_get(j, "errcode");
	if (json_is_integer(code) && json_integer_value(code) == 130101)
		pause = DELIVER_DINGTALK_BAN;
	json_decref(j);
	return pause;
}

/* Takes m out of the in-flight list. */
static void deliver_unflight(struct deliver *dl, struct dmsg *m)
{
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		dl->flight = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	dl->inflight--;
	dl->d->metrics.in_flight = dl->inflight;
}

static void deliver_http_done(void *arg, const struct httpc_result *res)
{
	struct dmsg *m = arg;
	struct deliver *dl = m->dl;
	struct duband *d = dl->d;
	struct classify_result c;

	deliver_unflight(dl, m);
	if (res->aborted) {
		char ids[256];

		deliver_ids_text(m->ids, m->n_ids, ids, sizeof(ids));
		log_event(LOG_WARNING, "event=deliver result=aborted channel=%d url=%s ids=%s",
			  m->ch->id, m->ch->url, ids);
		deliver_msg_free(m);
		deliver_settle(dl);
		return;
	}
	classify_response(m->ch->kind, res->curl_code, res->status, res->retry_after, res->body, &c);
	deliver_log_result(m, res, &c);
	if (c.verdict == CLASSIFY_OK) {
		d->metrics.messages_ok++;
		deliver_record(dl, m->ch, OUTCOME_SENT, m->ids, m->n_ids, NULL, false, 0, 0);
		if (m->ch->has_table)
			dl->more = true; /* the table files, made as this is recorded */
		if (m->followup != NULL) {
			/* next in line, before other channels' messages */
			m->followup->next = dl->queue;
			dl->queue = m->followup;
			if (dl->queue_tail == NULL)
				dl->queue_tail = m->followup;
			m->followup = NULL;
		}
	} else if (m->is_followup) {
		d->metrics.messages_failed++; /* the notices went out; only the mentions are lost */
	} else {
		/* RETRY_RESIGN is a plain retry: every attempt renders and signs afresh. */
		d->metrics.messages_failed++;
		deliver_record(dl, m->ch, OUTCOME_FAILED, m->ids, m->n_ids, c.error,
			       c.verdict == CLASSIFY_PERMANENT, c.min_delay,
			       deliver_pause_for(m->ch->kind, &c, res->body));
	}
	deliver_msg_free(m);
	deliver_pump(dl);
}

/* A table file ended: recorded as any message (sent, retry, dead), or handed back. */
static void deliver_file_done(void *arg, const struct tablefile_result *res)
{
	struct dmsg *m = arg;
	struct deliver *dl = m->dl;
	const struct classify_result *c = &res->c;
	char ids[64], err[CLASSIFY_ERROR_MAX * 2 + 8];

	m->job = NULL;
	deliver_unflight(dl, m);
	deliver_ids_text(m->ids, m->n_ids, ids, sizeof(ids));
	log_quote(c->error, err, sizeof(err));
	if (res->aborted || res->lapsed) {
		/* unknown outcome, or the lease ran out: its next claim tries again */
		log_event(LOG_WARNING, "event=deliver result=%s channel=%d url=%s ids=%s file=%s "
			  "error=%s", res->aborted ? "aborted" : "lapsed", m->ch->id, m->ch->url, ids,
			  m->table, err);
	} else if (res->released) {
		deliver_release_later(dl, m->ids, m->n_ids);
	} else if (c->verdict == CLASSIFY_OK) {
		dl->d->metrics.messages_ok++;
		log_event(LOG_INFO, "event=deliver result=sent channel=%d kind=wecom url=%s notices=1 "
			  "ids=%s file=%s status=%ld ms=%.0f", m->ch->id, m->ch->url, ids, m->table,
			  res->status, res->seconds * 1000.0);
		deliver_record(dl, m->ch, OUTCOME_SENT, m->ids, m->n_ids, NULL, false, 0, 0);
	} else {
		dl->d->metrics.messages_failed++;
		log_event(c->verdict == CLASSIFY_PERMANENT ? LOG_ERR : LOG_WARNING,
			  "event=deliver result=%s channel=%d kind=wecom url=%s notices=1 ids=%s "
			  "file=%s step=%s status=%ld ms=%.0f verdict=%s min_delay=%ld error=%s",
			  c->verdict == CLASSIFY_PERMANENT ? "failed" : "retry", m->ch->id, m->ch->url,
			  ids, m->table, res->step, res->status, res->seconds * 1000.0,
			  classify_verdict_name(c->verdict), c->min_delay, err);
		deliver_record(dl, m->ch, OUTCOME_FAILED, m->ids, m->n_ids, c->error,
			       c->verdict == CLASSIFY_PERMANENT, c->min_delay, 0);
	}
	deliver_msg_free(m);
	deliver_pump(dl);
}

/* Starts m: a POST, or a table file's job. 0, or -1 when it could not start. */
static int deliver_start(struct deliver *dl, struct dmsg *m)
{
	struct duband *d = dl->d;

	if (m->table == NULL)
		return httpc_post_json(d->http, m->url, m->body, m->len, d->cfg.timeout,
				       deliver_http_done, m);
	m->job = tablefile_start(d, m->url, m->table, m->period, m->lease_until,
				 deliver_file_done, m);
	return m->job != NULL ? 0 : -1;
}

/* Starts queued messages up to delivery.concurrency; hands back what may not be sent (the
 * daemon is stopping, or the lease would run out during the request). */
static void deliver_pump(struct deliver *dl)
{
	struct duband *d = dl->d;

	while (dl->queue != NULL && (dl->inflight < d->cfg.concurrency || d->mode != DUBAND_RUNNING)) {
		struct dmsg *m = dl->queue;

		dl->queue = m->next;
		if (dl->queue == NULL)
			dl->queue_tail = NULL;
		m->next = NULL;
		if (d->mode != DUBAND_RUNNING) {
			if (!m->is_followup)
				deliver_release_later(dl, m->ids, m->n_ids);
			deliver_msg_free(m);
			continue;
		}
		if (!m->is_followup &&
		    duband_mono() + d->cfg.timeout + DELIVER_LEASE_MARGIN > m->lease_until) {
			deliver_release_later(dl, m->ids, m->n_ids);
			deliver_msg_free(m);
			dl->more = true;
			continue;
		}
		if (deliver_start(dl, m) != 0) {
			log_event(LOG_ERR, "event=deliver channel=%d url=%s error=\"cannot start the "
				  "request\"", m->ch->id, m->ch->url);
			if (!m->is_followup)
				deliver_record(dl, m->ch, OUTCOME_FAILED, m->ids, m->n_ids,
					       "cannot start the request", false, 0, 0);
			deliver_msg_free(m);
			continue;
		}
		m->prev = NULL;
		m->next = dl->flight;
		if (dl->flight != NULL)
			dl->flight->prev = m;
		dl->flight = m;
		dl->inflight++;
		dl->round_started++;
		d->metrics.in_flight = dl->inflight;
	}
	deliver_release_flush(dl);
	deliver_settle(dl);
}

static void deliver_enqueue(struct deliver *dl, struct dmsg *m)
{
	m->next = NULL;
	if (dl->queue_tail != NULL)
		dl->queue_tail->next = m;
	else
		dl->queue = m;
	dl->queue_tail = m;
}

/* Fails the notices of rows [a, b) for good (they can never be rendered). */
static void deliver_fail_rows(struct deliver *dl, struct dchan *ch, PGresult *res,
			      const struct claim_cols *k, int a, int b, const char *why)
{
	for (int i = a; i < b; i++) {
		long long id = strtoll(PQgetvalue(res, i, k->notice_id), NULL, 10);

		deliver_record(dl, ch, OUTCOME_FAILED, &id, 1, why, true, 0, 0);
	}
}

/* Whether payload p is of notice type type. */
static bool streq_type(const json_t *p, const char *type)
{
	const char *t = json_string_value(json_object_get(p, "type"));

	return t != NULL && strcmp(t, type) == 0;
}

/* Mentions: the jsonb array of the channel, as strings borrowed from arr. */
static const char **deliver_mentions(json_t *arr, size_t *n)
{
	const char **out;
	size_t k = 0;

	*n = 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return NULL;
	out = calloc(json_array_size(arr), sizeof(*out));
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (json_is_string(json_array_get(arr, i)))
			out[k++] = json_string_value(json_array_get(arr, i));
	*n = k;
	return out;
}

/* Turns the messages of a rendered batch into queued messages, within the budget. */
static void deliver_take_batch(struct deliver *dl, struct dchan *ch, struct render_batch *b,
			       int budget, double lease_until)
{
	struct dmsg *prev = NULL;

	for (size_t k = 0; k < b->n; k++) {
		struct render_msg *rm = &b->msg[k];
		struct dmsg *m;

		if (rm->follows) {
			/* the mention message of prev: sent right after it, with its ids; it goes
			 * with its message even past the round's one-a-second budget (the sends
			 * log counts it against the per-minute rate of the next rounds) */
			if (prev == NULL)
				continue;
			budget = budget < INT_MAX ? budget + 1 : budget;
			m = calloc(1, sizeof(*m));
			if (m == NULL || (m->ids = malloc((prev->n_ids + 1) * sizeof(*m->ids))) == NULL) {
				free(m);
				continue;
			}
			memcpy(m->ids, prev->ids, prev->n_ids * sizeof(*m->ids));
			m->n_ids = prev->n_ids;
			m->dl = dl;
			m->ch = ch;
			m->url = rm->url;
			m->body = rm->body;
			m->len = rm->body_len;
			m->lease_until = lease_until;
			m->is_followup = true;
			rm->url = rm->body = NULL;
			prev->followup = m;
			continue;
		}
		prev = NULL;
		if ((long)k >= budget) {
			deliver_release_later(dl, rm->ids, rm->n_ids);
			dl->more_later = true;
			continue;
		}
		m = calloc(1, sizeof(*m));
		if (m == NULL) {
			deliver_release_later(dl, rm->ids, rm->n_ids);
			continue;
		}
		m->dl = dl;
		m->ch = ch;
		m->url = rm->url;
		m->body = rm->body;
		m->len = rm->body_len;
		m->ids = rm->ids;
		m->n_ids = rm->n_ids;
		m->lease_until = lease_until;
		rm->url = rm->body = NULL;
		rm->ids = NULL;
		deliver_enqueue(dl, m);
		prev = m;
	}
}

/* A table_file notice (row i) as a message of its own for the WeCom channel ch, queued when
 * the channel's budget allows (*used: messages of this channel queued so far). */
static void deliver_table_file(struct deliver *dl, struct dchan *ch, PGresult *res,
			       const struct claim_cols *k, int i, const json_t *p, int budget,
			       int *used, double lease_until)
{
	const char *table = json_string_value(json_object_get(p, "table"));
	const char *period = json_string_value(json_object_get(p, "period"));
	long long id = strtoll(PQgetvalue(res, i, k->notice_id), NULL, 10);
	struct dmsg *m;

	if (ch->kind != RENDER_WECOM || table == NULL) {
		deliver_fail_rows(dl, ch, res, k, i, i + 1, "a table file goes to WeCom robots only");
		return;
	}
	if (*used >= budget) {
		deliver_release_later(dl, &id, 1);
		dl->more_later = true;
		return;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->ids = malloc(sizeof(*m->ids))) == NULL ||
	    (m->url = strdup(PQgetvalue(res, i, k->url))) == NULL ||
	    (m->table = strdup(table)) == NULL ||
	    (m->period = strdup(period != NULL ? period : "")) == NULL) {
		if (m != NULL)
			deliver_msg_free(m);
		deliver_release_later(dl, &id, 1);
		return;
	}
	m->ids[0] = id;
	m->n_ids = 1;
	m->dl = dl;
	m->ch = ch;
	m->lease_until = lease_until;
	deliver_enqueue(dl, m);
	(*used)++;
}

/* Queues the table_file notices of rows [a, b) after the channel's text messages. */
static void deliver_table_files(struct deliver *dl, struct dchan *ch, PGresult *res,
				const struct claim_cols *k, int a, int b, int budget, int used,
				double lease_until)
{
	for (int i = a; i < b; i++) {
		json_t *p = json_loads(PQgetvalue(res, i, k->payload), 0, NULL);

		if (streq_type(p, "table_file"))
			deliver_table_file(dl, ch, res, k, i, p, budget, &used, lease_until);
		json_decref(p);
	}
}

/* What the messages of this attempt share: the sender, the local date of the attempt, and the
 * console's address (links to problems and tables). */
static void deliver_opts(const struct duband *d, struct render_opts *ro, char *today, size_t len)
{
	memset(ro, 0, sizeof(*ro));
	ro->sender = d->cfg.message_sender;
	ro->base_url = d->cfg.web_base_url;
	if (clock_local_date(clock_now(), d->cfg.timezone, today, len) == 0)
		ro->today = today;
}

/* Renders the claimed rows [a, b) of one channel into messages. */
static void deliver_channel(struct deliver *dl, PGresult *res, const struct claim_cols *k,
			    int a, int b)
{
	struct render_channel rc;
	struct render_batch batch;
	struct dchan *ch = calloc(1, sizeof(*ch));
	json_t *mention = NULL, *notices = NULL;
	const char **mentions = NULL;
	double lease_left = 0;
	struct render_opts ro;
	char sent_at[64], today[16];
	int budget, files = 0, texts = 0;

	if (ch == NULL) {
		log_event(LOG_ERR, "event=deliver error=\"out of memory\"");
		return; /* the claims run out with their lease */
	}
	ch->id = atoi(PQgetvalue(res, a, k->channel_id));
	log_redact_url(PQgetvalue(res, a, k->url), ch->url, sizeof(ch->url));
	ch->next = dl->chans;
	dl->chans = ch;
	if (render_kind_parse(PQgetvalue(res, a, k->kind), &ch->kind) != 0) {
		deliver_fail_rows(dl, ch, res, k, a, b, "unknown channel kind");
		return;
	}
	budget = PQgetisnull(res, a, k->budget) ? INT_MAX : atoi(PQgetvalue(res, a, k->budget));
	mention = json_loads(PQgetvalue(res, a, k->mention), 0, NULL);
	notices = json_array();
	memset(&rc, 0, sizeof(rc));
	rc.kind = ch->kind;
	rc.unit = PQgetvalue(res, a, k->unit);
	rc.url = PQgetvalue(res, a, k->url);
	rc.secret = PQgetisnull(res, a, k->secret) ? NULL : PQgetvalue(res, a, k->secret);
	rc.keyword = PQgetisnull(res, a, k->keyword) ? NULL : PQgetvalue(res, a, k->keyword);
	mentions = deliver_mentions(mention, &rc.n_mention);
	rc.mention = mentions;
	for (int i = a; i < b && notices != NULL; i++) {
		json_t *p = json_loads(PQgetvalue(res, i, k->payload), 0, NULL);
		double lease = strtod(PQgetvalue(res, i, k->lease_left), NULL);

		if (i == a || lease < lease_left)
			lease_left = lease;
		if (streq_type(p, "table_file")) {
			json_decref(p); /* a message of its own, queued after the texts */
			files++;
			continue;
		}
		if (ch->kind == RENDER_WECOM && streq_type(p, "table"))
			ch->has_table = true;
		/* the renderers order a digest by the database's rank (duban.notice_urgency) */
		if (!json_is_object(p) ||
		    json_object_set_new(p, "urgency", json_integer(atoi(PQgetvalue(res, i,
								   k->urgency)))) != 0 ||
		    json_array_append_new(notices, p) != 0) {
			if (!json_is_object(p))
				json_decref(p);
			deliver_fail_rows(dl, ch, res, k, i, i + 1, "payload is not a JSON object");
		}
	}
	clock_format(clock_now(), sent_at, sizeof(sent_at));
	deliver_opts(dl->d, &ro, today, sizeof(today));
	if (notices != NULL && json_array_size(notices) == 0) {
		/* only table files */
	} else if (notices == NULL ||
	    render_batch(&rc, &ro, notices, sent_at, (long long)(clock_real() * 1000.0), &batch) != 0) {
		log_event(LOG_ERR, "event=deliver channel=%d url=%s error=\"cannot render\"", ch->id,
			  ch->url);
		deliver_fail_rows(dl, ch, res, k, a, b, "cannot render the notices for this channel");
		files = 0;
	} else {
		/* the server's seconds left, on our monotonic clock: immune to clock skew */
		for (size_t j = 0; j < batch.n; j++)
			texts += batch.msg[j].follows ? 0 : 1;
		deliver_take_batch(dl, ch, &batch, budget, duband_mono() + lease_left);
		render_batch_free(&batch);
	}
	if (files > 0)
		deliver_table_files(dl, ch, res, k, a, b, budget, texts, duband_mono() + lease_left);
	free(mentions);
	json_decref(mention);
	json_decref(notices);
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
	bool full = false;

	if (error == NULL && !r->lost && res != NULL && claim_cols_find(res, &k) != 0)
		error = "the claim result lacks a column";
	if (error != NULL || r->lost || res == NULL) {
		char q[600];

		dl->state = DELIVER_IDLE;
		log_quote(error != NULL ? error : "connection lost", q, sizeof(q));
		log_event(r->lost ? LOG_WARNING : LOG_ERR, "event=claim ok=0 error=%s", q);
		if (!r->lost && d->once) {
			duband_exit(d, EX_SOFTWARE);
			return;
		}
		deliver_settle(dl);
		return;
	}
	dl->state = DELIVER_SENDING;
	rows = PQntuples(res);
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
	if (rows > 0)
		log_event(LOG_DEBUG, "event=claim notices=%d channels=%d", rows, channels);
	/* A full claim may have left deliverable notices behind: another round at once (--once
	 * too must try every deliverable notice). */
	if (channels >= deliver_max_channels(d) || rows >= DELIVER_MAX_ROWS || full)
		dl->more = true;
	deliver_pump(dl);
}

static void deliver_claim(struct deliver *dl)
{
	struct duband *d = dl->d;
	char now[64], ws[16], we[16], lease[32], maxch[16], maxper[16], maxrows[16];
	const char *p[10];

	deliver_window_params(d, now, sizeof(now), ws, we, sizeof(ws), p);
	p[5] = lease;
	p[6] = d->instance;
	p[7] = maxch;
	p[8] = maxper;
	p[9] = maxrows;
	snprintf(lease, sizeof(lease), "%d", d->cfg.timeout + DELIVER_LEASE_EXTRA);
	snprintf(maxch, sizeof(maxch), "%d", deliver_max_channels(d));
	snprintf(maxper, sizeof(maxper), "%d", DELIVER_MAX_PER_CHANNEL);
	snprintf(maxrows, sizeof(maxrows), "%d", DELIVER_MAX_ROWS);
	if (pgconn_query(d->pg, deliver_sql_claim, 10, p, deliver_claimed, dl) != 0)
		return;
	dl->state = DELIVER_CLAIMING;
	dl->round_started = dl->round_released = 0;
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
