/* A claim's rows into messages: columns found by name, each channel's notices rendered into
 * digest messages within its rate budget (render_batch), mentions and keywords, WeCom table
 * files as messages of their own; notices that cannot be rendered are failed permanently. */
#include "duban/clock.h"
#include "duban/daemon_core.h"
#include "duban/log.h"
#include "deliver_int.h"

#include <event2/event.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The claim's columns by name, each with its slot in struct claim_cols. */
static const struct {
	const char *name;
	size_t slot;
} claim_col_names[] = {
	{"notice_id", offsetof(struct claim_cols, notice_id)},
	{"channel_id", offsetof(struct claim_cols, channel_id)},
	{"kind", offsetof(struct claim_cols, kind)},
	{"url", offsetof(struct claim_cols, url)},
	{"secret", offsetof(struct claim_cols, secret)},
	{"mention", offsetof(struct claim_cols, mention)},
	{"unit", offsetof(struct claim_cols, unit)},
	{"budget", offsetof(struct claim_cols, budget)},
	{"lease_left", offsetof(struct claim_cols, lease_left)},
	{"payload", offsetof(struct claim_cols, payload)},
	{"urgency", offsetof(struct claim_cols, urgency)},
	{"keyword", offsetof(struct claim_cols, keyword)},
};

/* Fills *k from the result's column names; -1 when one is missing. */
int claim_cols_find(const PGresult *res, struct claim_cols *k)
{
	for (size_t i = 0; i < sizeof(claim_col_names) / sizeof(claim_col_names[0]); i++) {
		int col = PQfnumber(res, claim_col_names[i].name);

		if (col < 0)
			return -1;
		*(int *)(void *)((char *)k + claim_col_names[i].slot) = col;
	}
	return 0;
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
		deliver_chan_hold(ch);
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
		deliver_chan_hold(ch);
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
	deliver_chan_hold(ch);
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

/* What the messages of this attempt share: the sender, the local date of the attempt (found
 * once per claim: deliver_today), and the console's address (links to problems and tables). */
static void deliver_opts(const struct deliver *dl, struct render_opts *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->sender = dl->d->cfg.message_sender;
	ro->base_url = dl->d->cfg.web_base_url;
	if (dl->today[0] != '\0')
		ro->today = dl->today;
}

/* The local date of the attempts of a claim's messages, once for the claim (in
 * delivery.timezone; the zone's rules are read at each change of TZ). */
void deliver_today(struct deliver *dl)
{
	if (clock_local_date(clock_now(), dl->d->cfg.timezone, dl->today, sizeof(dl->today)) != 0)
		dl->today[0] = '\0';
}

/* Renders the claimed rows [a, b) of one channel into messages. */
void deliver_channel(struct deliver *dl, PGresult *res, const struct claim_cols *k,
			    int a, int b)
{
	struct render_channel rc;
	struct render_batch batch;
	struct dchan *ch = calloc(1, sizeof(*ch));
	json_t *mention = NULL, *notices = NULL;
	const char **mentions = NULL;
	double lease_left = 0;
	struct render_opts ro;
	char sent_at[64];
	int budget, files = 0, texts = 0;

	if (ch == NULL) {
		log_event(LOG_ERR, "event=deliver error=\"out of memory\"");
		return; /* the claims run out with their lease */
	}
	ch->id = atoi(PQgetvalue(res, a, k->channel_id));
	log_redact_url(PQgetvalue(res, a, k->url), ch->url, sizeof(ch->url));
	ch->refs = 1; /* until its rows are built */
	ch->next = dl->chans;
	if (dl->chans != NULL)
		dl->chans->prev = ch;
	dl->chans = ch;
	if (render_kind_parse(PQgetvalue(res, a, k->kind), &ch->kind) != 0) {
		deliver_fail_rows(dl, ch, res, k, a, b, "unknown channel kind");
		deliver_chan_drop(dl, ch);
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
	deliver_opts(dl, &ro);
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
	deliver_chan_drop(dl, ch);
}
