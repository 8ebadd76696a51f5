/* Sending a round's messages: the queue within delivery.concurrency and each channel's lease,
 * the curl client's answers classified (classify_response) and logged with the URL redacted,
 * platform throttles turned into channel pauses, WeCom's follow-up mention message and table
 * files (tablefile.c), and each message's result handed to outcome.c for its notices. */
#include "duban/classify.h"
#include "duban/daemon_core.h"
#include "duban/daemon_httpc.h"
#include "duban/daemon_tablefile.h"
#include "duban/log.h"
#include "deliver_int.h"

#include <event2/event.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void deliver_record(struct deliver *dl, const struct dchan *ch, enum outcome_kind kind,
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
void deliver_release_later(struct deliver *dl, const long long *ids, size_t n)
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
	deliver_note_request(dl, res->seconds);
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
			dl->queued++;
			dl->queued_ids += m->followup->n_ids;
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
void deliver_pump(struct deliver *dl)
{
	struct duband *d = dl->d;

	while (dl->queue != NULL && (dl->inflight < d->cfg.concurrency || d->mode != DUBAND_RUNNING)) {
		struct dmsg *m = dl->queue;

		dl->queue = m->next;
		if (dl->queue == NULL)
			dl->queue_tail = NULL;
		dl->queued--;
		dl->queued_ids -= m->n_ids;
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
	deliver_prefetch(dl);
	deliver_settle(dl);
}

void deliver_enqueue(struct deliver *dl, struct dmsg *m)
{
	m->next = NULL;
	if (dl->queue_tail != NULL)
		dl->queue_tail->next = m;
	else
		dl->queue = m;
	dl->queue_tail = m;
	dl->queued++;
	dl->queued_ids += m->n_ids;
}
