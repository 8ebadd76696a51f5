/* Writes each message's result to the outbox with the set-based result functions of
 * sql/60_delivery.sql (sent results of messages that complete together in one call), logs dead notices at err, counts results for the metrics, and
 * keeps results that met a lost connection until the database is back. */
#include "duban/daemon_outcome.h"
#include "duban/classify.h"
#include "duban/clock.h"
#include "duban/daemon_core.h"
#include "duban/daemon_pgconn.h"
#include "duban/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One result to record. */
struct outcome {
	struct outcome *next;
	struct outcomes *os;
	enum outcome_kind kind;
	char *ids;                 /* SQL array literal, e.g. {12,13} */
	size_t n_ids;
	int channel;
	char channel_kind[16];
	char url[512];             /* redacted */
	char now[64];              /* ledger time of the result */
	char error[CLASSIFY_ERROR_MAX + 64];
	bool permanent;
	long min_delay;
	long pause;
};

struct outcomes {
	struct duband *d;
	struct outcome *head, *tail; /* backlog: waiting for the database */
	size_t waiting;
	int recording;
	/* sent results: recorded together, one call while the previous one runs (group commit) */
	struct outcome *sent_head, *sent_tail; /* waiting for the call in flight */
	struct outcome *sent_inflight;         /* those of the call in flight */
	bool sent_busy;
	void (*settled)(void *arg);
	void *arg;
};

static const char outcome_sql_sent[] =
	"SELECT duban.deliver_sent_many($1::bigint[], $2::timestamptz[], $3::int[])";
static const char outcome_sql_failed[] =
	"SELECT notice_id, status, attempts, next_attempt_at FROM duban.deliver_failed("
	"$1::bigint[], $2::int, $3::timestamptz, $4, $5::boolean, $6::float8, $7::int, "
	"$8::float8, $9)";
static const char outcome_sql_release[] = "SELECT duban.deliver_release($1::bigint[], $2)";

static void outcome_submit(struct outcomes *os, struct outcome *o);
static void outcome_sent_flush(struct outcomes *os);

static void outcome_free(struct outcome *o)
{
	free(o->ids);
	free(o);
}

static void outcome_keep(struct outcomes *os, struct outcome *o)
{
	o->next = NULL;
	if (os->tail != NULL)
		os->tail->next = o;
	else
		os->head = o;
	os->tail = o;
	os->waiting++;
}

static const char *outcome_name(enum outcome_kind k)
{
	return k == OUTCOME_SENT ? "sent" : k == OUTCOME_FAILED ? "failed" : "release";
}

/* Logs and counts the notices a failed message left dead or pending. */
static void outcome_failed_rows(struct outcome *o, PGresult *res)
{
	struct duband *d = o->os->d;
	char err[CLASSIFY_ERROR_MAX * 2 + 80];

	log_quote(o->error, err, sizeof(err));
	for (int i = 0; res != NULL && i < PQntuples(res); i++) {
		const char *id = PQgetvalue(res, i, 0), *status = PQgetvalue(res, i, 1);
		const char *attempts = PQgetvalue(res, i, 2);

		if (strcmp(status, "dead") == 0) {
			d->metrics.notices_dead++;
			log_event(LOG_ERR, "event=dead notice=%s channel=%d kind=%s url=%s attempts=%s "
				  "error=%s", id, o->channel, o->channel_kind, o->url, attempts, err);
		} else {
			d->metrics.notices_retry++;
			log_event(LOG_DEBUG, "event=retry notice=%s channel=%d attempts=%s next=\"%s\"",
				  id, o->channel, attempts, PQgetvalue(res, i, 3));
		}
	}
}

static void outcome_done(void *arg, const struct pgconn_reply *r)
{
	struct outcome *o = arg;
	struct outcomes *os = o->os;
	struct duband *d = os->d;
	PGresult *res = r->n > 0 ? r->res[0] : NULL;

	os->recording--;
	if (r->lost) {
		outcome_keep(os, o); /* recorded after the reconnect */
	} else if (r->error != NULL) {
		char q[600];

		log_quote(r->error, q, sizeof(q));
		log_event(LOG_ERR, "event=record ok=0 result=%s channel=%d notices=%s error=%s",
			  outcome_name(o->kind), o->channel, o->ids, q);
		outcome_free(o);
	} else {
		if (o->kind == OUTCOME_RELEASE && res != NULL && PQntuples(res) == 1)
			d->metrics.notices_released += strtoull(PQgetvalue(res, 0, 0), NULL, 10);
		else if (o->kind == OUTCOME_FAILED)
			outcome_failed_rows(o, res);
		outcome_free(o);
	}
	if (os->settled != NULL)
		os->settled(os->arg);
}

/* The sent results of one group-commit call. */
static void outcome_sent_done(void *arg, const struct pgconn_reply *r)
{
	struct outcomes *os = arg;
	struct outcome *o, *next;
	PGresult *res = r->n > 0 ? r->res[0] : NULL;
	char q[600];

	if (r->error != NULL)
		log_quote(r->error, q, sizeof(q));
	for (o = os->sent_inflight; o != NULL; o = next) {
		next = o->next;
		os->recording--;
		if (r->lost) {
			outcome_keep(os, o); /* recorded after the reconnect */
			continue;
		}
		if (r->error != NULL)
			log_event(LOG_ERR, "event=record ok=0 result=sent channel=%d notices=%s error=%s",
				  o->channel, o->ids, q);
		outcome_free(o);
	}
	os->sent_inflight = NULL;
	if (!r->lost && r->error == NULL && res != NULL && PQntuples(res) == 1)
		os->d->metrics.notices_sent += strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	os->sent_busy = false;
	if (os->sent_head != NULL)
		outcome_sent_flush(os);
	if (os->settled != NULL)
		os->settled(os->arg);
}

/* Appends s to the growing buffer *buf (length *len, capacity *cap). 0 or -1. */
static int outcome_append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		size_t c = (*cap + n + 1) * 2;
		char *b = realloc(*buf, c);

		if (b == NULL)
			return -1;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	return 0;
}

/* The three array literals of a group of sent results: notice ids, their sent_at, and one
 * channel per message. 0 or -1 (out of memory). */
static int outcome_sent_params(const struct outcome *list, char **ids, char **ats, char **chans)
{
	size_t li = 0, ci = 0, la = 0, ca = 0, lc = 0, cc = 0;
	int rc = 0;

	*ids = *ats = *chans = NULL;
	rc |= outcome_append(ids, &li, &ci, "{");
	rc |= outcome_append(ats, &la, &ca, "{");
	rc |= outcome_append(chans, &lc, &cc, "{");
	for (const struct outcome *o = list; o != NULL && rc == 0; o = o->next) {
		char at[80], ch[24];
		const char *sep = o == list ? "" : ",";
		size_t k = strlen(o->ids);

		snprintf(ch, sizeof(ch), "%s%d", sep, o->channel);
		rc |= outcome_append(chans, &lc, &cc, ch);
		/* o->ids is "{1,2}": its inside */
		rc |= outcome_append(ids, &li, &ci, sep);
		if (rc == 0 && k >= 2) {
			char *inner = strndup(o->ids + 1, k - 2);

			rc |= inner == NULL ? -1 : outcome_append(ids, &li, &ci, inner);
			free(inner);
		}
		for (size_t i = 0; i < o->n_ids && rc == 0; i++) {
			snprintf(at, sizeof(at), "%s\"%s\"", i == 0 ? sep : ",", o->now);
			rc |= outcome_append(ats, &la, &ca, at);
		}
	}
	rc |= outcome_append(ids, &li, &ci, "}");
	rc |= outcome_append(ats, &la, &ca, "}");
	rc |= outcome_append(chans, &lc, &cc, "}");
	if (rc != 0) {
		free(*ids);
		free(*ats);
		free(*chans);
		*ids = *ats = *chans = NULL;
		return -1;
	}
	return 0;
}

/* Sends every waiting sent result in one call. */
static void outcome_sent_flush(struct outcomes *os)
{
	struct outcome *list = os->sent_head, *o, *next;
	char *ids, *ats, *chans;
	const char *p[3];

	if (list == NULL || os->sent_busy)
		return;
	os->sent_head = os->sent_tail = NULL;
	if (outcome_sent_params(list, &ids, &ats, &chans) == 0) {
		p[0] = ids;
		p[1] = ats;
		p[2] = chans;
		os->sent_inflight = list;
		if (pgconn_query(os->d->pg, outcome_sql_sent, 3, p, outcome_sent_done, os) == 0)
			os->sent_busy = true;
		else
			os->sent_inflight = NULL;
		free(ids);
		free(ats);
		free(chans);
		if (os->sent_busy)
			return;
	} else {
		log_event(LOG_ERR, "event=record ok=0 result=sent error=\"out of memory\"");
	}
	for (o = list; o != NULL; o = next) { /* not connected: recorded after the reconnect */
		next = o->next;
		os->recording--;
		outcome_keep(os, o);
	}
}

static void outcome_submit(struct outcomes *os, struct outcome *o)
{
	struct duband *d = os->d;
	char chan[16], delay[32], pause[32], maxa[16];
	const char *p[9];
	const char *sql;
	int n;

	if (o->kind == OUTCOME_SENT) {
		o->next = NULL;
		if (os->sent_tail != NULL)
			os->sent_tail->next = o;
		else
			os->sent_head = o;
		os->sent_tail = o;
		os->recording++;
		outcome_sent_flush(os);
		return;
	}
	snprintf(chan, sizeof(chan), "%d", o->channel);
	p[0] = o->ids;
	switch (o->kind) {
	case OUTCOME_FAILED:
		snprintf(delay, sizeof(delay), "%ld", o->min_delay);
		snprintf(pause, sizeof(pause), "%ld", o->pause);
		snprintf(maxa, sizeof(maxa), "%d", d->cfg.max_attempts);
		sql = outcome_sql_failed;
		p[1] = chan;
		p[2] = o->now;
		p[3] = o->error;
		p[4] = o->permanent ? "true" : "false";
		p[5] = delay;
		p[6] = maxa;
		p[7] = pause;
		p[8] = d->instance;
		n = 9;
		break;
	default:
		sql = outcome_sql_release;
		p[1] = d->instance;
		n = 2;
		break;
	}
	if (pgconn_query(d->pg, sql, n, p, outcome_done, o) == 0)
		os->recording++;
	else
		outcome_keep(os, o);
}

/* "{1,2,3}" */
static char *outcome_ids_sql(const long long *ids, size_t n)
{
	size_t cap = n * 21 + 3, pos = 0;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	s[pos++] = '{';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(s + pos, cap - pos, "%s%lld", i > 0 ? "," : "", ids[i]);

		if (w < 0 || (size_t)w >= cap - pos) {
			free(s);
			return NULL;
		}
		pos += (size_t)w;
	}
	s[pos++] = '}';
	s[pos] = '\0';
	return s;
}

int outcomes_add(struct outcomes *os, const struct outcome_desc *desc)
{
	struct outcome *o;

	if (desc->n_ids == 0)
		return 0;
	o = calloc(1, sizeof(*o));
	if (o == NULL || (o->ids = outcome_ids_sql(desc->ids, desc->n_ids)) == NULL) {
		free(o);
		log_event(LOG_ERR, "event=record ok=0 error=\"out of memory\" channel=%d",
			  desc->channel);
		return -1;
	}
	o->os = os;
	o->kind = desc->kind;
	o->n_ids = desc->n_ids;
	o->channel = desc->channel;
	snprintf(o->channel_kind, sizeof(o->channel_kind), "%s",
		 desc->channel_kind != NULL ? desc->channel_kind : "?");
	snprintf(o->url, sizeof(o->url), "%s", desc->url != NULL ? desc->url : "");
	snprintf(o->error, sizeof(o->error), "%s", desc->error != NULL ? desc->error : "");
	o->permanent = desc->permanent;
	o->min_delay = desc->min_delay;
	o->pause = desc->pause;
	clock_format(clock_now(), o->now, sizeof(o->now));
	outcome_submit(os, o);
	return 0;
}

void outcomes_flush(struct outcomes *os)
{
	struct outcome *o = os->head, *next;

	os->head = os->tail = NULL;
	os->waiting = 0;
	for (; o != NULL; o = next) {
		next = o->next;
		outcome_submit(os, o);
	}
}

int outcomes_recording(const struct outcomes *os)
{
	return os->recording;
}

size_t outcomes_waiting(const struct outcomes *os)
{
	return os->waiting;
}

struct outcomes *outcomes_new(struct duband *d, void (*settled)(void *arg), void *arg)
{
	struct outcomes *os = calloc(1, sizeof(*os));

	if (os == NULL)
		return NULL;
	os->d = d;
	os->settled = settled;
	os->arg = arg;
	return os;
}

void outcomes_free(struct outcomes *os)
{
	struct outcome *o, *next;

	if (os == NULL)
		return;
	for (o = os->head; o != NULL; o = next) {
		next = o->next;
		log_event(LOG_WARNING, "event=record ok=0 result=%s channel=%d notices=%s "
			  "error=\"database unavailable at exit\"", outcome_name(o->kind), o->channel,
			  o->ids);
		outcome_free(o);
	}
	free(os);
}
