/* Digest messages for one channel, rendered at each attempt: the notices as of the attempt's
 * local date, most urgent first, under a first line naming the sender and counting the
 * notices by kind (with the channel's keyword when no text has it), packed on notice
 * boundaries within the kind's limit and built into the kind's body (render_<kind>.c). */
#include "duban/render.h"
#include "duban/sign.h"
#include "render_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_ELLIPSIS "…"
#define BODY_MIN_ROOM 64 /* what a message must leave for its notices */
#define BODY_DUMP (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* One notice and its rendered text. */
struct block {
	json_t *notice; /* fresh copy, owned */
	long long id;
	char *text;
	size_t cost; /* of text plus the kind's per-notice overhead */
	int truncated;
	const char *tag;
};

/* What the messages of one channel batch share. */
struct plan {
	const struct render_channel *ch;
	const struct render_opts *opts;
	const struct render_platform *pf;
	const char *sent_at;
	char *tail;	     /* mentions in the text, "" when none */
	char *url;
	char ts[32];	     /* Feishu timestamp (seconds), "" when unsigned */
	char sign[SIGN_MAX]; /* Feishu sign */
	size_t room;	     /* for the notices of one message (limit minus the fixed part) */
};

const struct render_platform *render_platform(enum render_kind kind)
{
	switch (kind) {
	case RENDER_JSON:
		return &render_platform_json;
	case RENDER_WECOM:
		return &render_platform_wecom;
	case RENDER_DINGTALK:
		return &render_platform_dingtalk;
	case RENDER_FEISHU:
		return &render_platform_feishu;
	case RENDER_SLACK:
		return &render_platform_slack;
	}
	return NULL;
}

size_t render_json_cost(const char *s, size_t len)
{
	size_t c = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];
		c += (b == '"' || b == '\\' || b == '\b' || b == '\f' || b == '\n' || b == '\r' ||
		      b == '\t') ? 2 : b < 0x20 ? 6 : 1;
	}
	return c;
}

static size_t body_cost(const struct plan *p, const char *s)
{
	return p->pf->cost(s, strlen(s));
}

/* Length of the UTF-8 character at s (1 for a stray byte), never past the NUL. */
static size_t body_utf8_len(const char *s)
{
	unsigned char b = (unsigned char)s[0];
	size_t want = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1, n = 1;

	while (n < want && ((unsigned char)s[n] & 0xC0) == 0x80)
		n++;
	return n;
}

/* s cut at a character boundary so that it plus "…" costs at most room; malloc'd. */
static char *body_cut(const struct plan *p, const char *s, size_t room)
{
	size_t ell = body_cost(p, BODY_ELLIPSIS), used = 0, keep = 0;
	char *out;

	while (s[keep] != '\0') {
		size_t n = body_utf8_len(s + keep), c = p->pf->cost(s + keep, n);
		if (used + c + ell > room)
			break;
		used += c;
		keep += n;
	}
	/* do not leave half of a Slack entity such as "&am" */
	for (size_t back = 1; p->pf->markup.escape_amp && back <= 4 && back <= keep; back++) {
		if (s[keep - back] == ';')
			break;
		if (s[keep - back] == '&') {
			keep -= back;
			break;
		}
	}
	out = malloc(keep + sizeof BODY_ELLIPSIS);
	if (out == NULL)
		return NULL;
	memcpy(out, s, keep);
	memcpy(out + keep, BODY_ELLIPSIS, sizeof BODY_ELLIPSIS);
	return out;
}

/* Closes a memory stream and returns its buffer, or NULL (buffer freed) on any error. */
static char *body_close(FILE *f, char **buf, int failed)
{
	if (ferror(f))
		failed = 1;
	if (fclose(f) != 0)
		failed = 1;
	if (failed) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

/* 1 when the channel's keyword is missing from the texts of blocks [a, b). */
static int body_needs_keyword(const struct plan *p, const struct block *blk, size_t a, size_t b)
{
	const char *kw = p->ch->keyword;

	if (kw == NULL || *kw == '\0')
		return 0;
	for (size_t i = a; i < b; i++)
		if (strstr(blk[i].text, kw) != NULL)
			return 0;
	return strstr(p->tail, kw) == NULL;
}

/* The first line, plain: 【sender】督办 2 条、提示 1 条, the part when split ("（第 2 部分，共 3
 * 部分）"), and the keyword when no text has it; malloc'd. */
static char *body_first_line(const struct plan *p, const struct block *blk, size_t a, size_t b,
			     size_t part, size_t parts)
{
	const char *sender = p->opts != NULL && p->opts->sender != NULL && *p->opts->sender != '\0'
			     ? p->opts->sender : RENDER_SENDER_DEFAULT;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	fprintf(f, "【%s】", sender);
	for (size_t i = a; i < b; i++) {
		size_t count = 0;
		int seen = 0;

		for (size_t j = a; j < i && !seen; j++)
			seen = strcmp(blk[j].tag, blk[i].tag) == 0;
		if (seen)
			continue;
		for (size_t j = i; j < b; j++)
			count += strcmp(blk[j].tag, blk[i].tag) == 0;
		fprintf(f, "%s%s %zu 条", i > a ? "、" : "", blk[i].tag, count);
	}
	if (parts > 1)
		fprintf(f, "（第 %zu 部分，共 %zu 部分）", part, parts);
	if (body_needs_keyword(p, blk, a, b))
		fprintf(f, "（%s）", p->ch->keyword);
	return body_close(f, &buf, 0);
}

/* The first line in the kind's markup (escaped, bold); malloc'd. */
static char *body_head(const struct plan *p, const char *first_line)
{
	const struct fmt_markup *m = &p->pf->markup;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	fputs(m->bold_on, f);
	fmt_put(f, m, first_line);
	fputs(m->bold_off, f);
	return body_close(f, &buf, 0);
}

char *render_join(const struct render_part *p, const char *tail)
{
	const struct render_platform *pf = render_platform(p->ch->kind);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	fputs(p->head, f);
	for (size_t i = 0; i < p->n; i++) {
		fputs(pf->markup.sep, f);
		fputs(p->texts[i], f);
	}
	if (tail != NULL)
		fputs(tail, f);
	return body_close(f, &buf, 0);
}

/* Builds the body of blocks [a, b) as message part of parts; *body (malloc'd) and whether it
 * is within the limit. 0, or -1 on allocation failure. */
static int body_build(const struct plan *p, const struct block *blk, size_t a, size_t b,
		      size_t part, size_t parts, char **body, int *within, json_t **followup)
{
	struct render_part rp;
	char *first = body_first_line(p, blk, a, b, part, parts), *head = NULL;
	char **texts = calloc(b - a + 1, sizeof *texts);
	const json_t **notices = calloc(b - a + 1, sizeof *notices);
	json_t *j = NULL;
	int rc = -1;

	*body = NULL;
	if (followup != NULL)
		*followup = NULL;
	if (first == NULL || texts == NULL || notices == NULL || (head = body_head(p, first)) == NULL)
		goto done;
	for (size_t i = a; i < b; i++) {
		texts[i - a] = blk[i].text;
		notices[i - a] = blk[i].notice;
	}
	memset(&rp, 0, sizeof rp);
	rp.ch = p->ch;
	rp.opts = p->opts;
	rp.first_line = first;
	rp.head = head;
	rp.texts = texts;
	rp.notices = notices;
	rp.n = b - a;
	rp.sent_at = p->sent_at != NULL ? p->sent_at : "";
	rp.feishu_ts = p->ts;
	rp.feishu_sign = p->sign;
	rp.tail = p->tail;
	j = p->pf->body(&rp);
	if (j == NULL || (*body = json_dumps(j, BODY_DUMP)) == NULL)
		goto done;
	*within = p->pf->within(&rp, *body);
	if (followup != NULL && p->pf->followup != NULL)
		*followup = p->pf->followup(&rp);
	rc = 0;
done:
	json_decref(j);
	free(head);
	free(first);
	free(texts);
	free(notices);
	return rc;
}

/* The room for notices: the limit minus the envelope, the longest first line and mentions. */
static int plan_room(struct plan *p, struct block *blk, size_t n)
{
	char *first = NULL, *body = NULL;
	struct block empty = {NULL, 0, (char *)"", 0, 0, "通知"};
	size_t fixed;
	int within;

	if (p->pf->limit == 0)
		return 0;
	/* the first line of the whole batch, with a part number and the keyword, is the
	 * longest any message can have */
	first = body_first_line(p, blk, 0, n, n + 1, n + 1);
	empty.notice = blk[0].notice;
	if (first == NULL || body_build(p, &empty, 0, 1, n + 1, n + 1, &body, &within, NULL) != 0) {
		free(first);
		free(body);
		return -1;
	}
	fixed = p->pf->cost(body, strlen(body)) + body_cost(p, first) + 16 +
		(p->ch->keyword != NULL ? body_cost(p, p->ch->keyword) + 8 : 0);
	if (p->ch->kind == RENDER_WECOM)
		fixed = body_cost(p, first) + body_cost(p, p->tail) + 16 +
			(p->ch->keyword != NULL ? strlen(p->ch->keyword) + 8 : 0);
	free(first);
	free(body);
	if (fixed + BODY_MIN_ROOM > p->pf->limit)
		return -1;
	p->room = p->pf->limit - fixed;
	return 0;
}

static int plan_init(struct plan *p, const struct render_channel *ch,
		     const struct render_opts *opts, const char *sent_at, long long real_ms)
{
	memset(p, 0, sizeof *p);
	p->ch = ch;
	p->opts = opts;
	p->pf = render_platform(ch->kind);
	p->sent_at = sent_at;
	if (p->pf == NULL)
		return -1;
	p->tail = p->pf->mentions(ch);
	if (ch->kind == RENDER_DINGTALK)
		p->url = render_url(ch->url != NULL ? ch->url : "", ch->secret, real_ms);
	else
		p->url = strdup(ch->url != NULL ? ch->url : "");
	if (p->tail == NULL || p->url == NULL)
		return -1;
	if (ch->kind == RENDER_FEISHU && ch->secret != NULL && *ch->secret != '\0') {
		snprintf(p->ts, sizeof p->ts, "%lld", real_ms / 1000);
		if (sign_feishu(ch->secret, real_ms / 1000, p->sign, sizeof p->sign) != 0)
			return -1;
	}
	return 0;
}

static void plan_free(struct plan *p)
{
	free(p->tail);
	free(p->url);
}

static int body_block_cmp(const void *a, const void *b)
{
	return render_compare(((const struct block *)a)->notice, ((const struct block *)b)->notice);
}

/* Blocks for the notices as of the attempt, most urgent first, each rendered and costed. */
static int blocks_init(const struct plan *p, const json_t *notices, struct block **out)
{
	size_t n = json_array_size(notices);
	struct block *blk = calloc(n, sizeof *blk);

	*out = blk;
	if (blk == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *src = json_array_get(notices, i);

		if (!json_is_object(src) || !json_is_integer(json_object_get(src, "id")))
			return -1;
		blk[i].id = json_integer_value(json_object_get(src, "id"));
		blk[i].notice = render_fresh(src, p->opts);
		if (blk[i].notice == NULL)
			return -1;
	}
	qsort(blk, n, sizeof *blk, body_block_cmp);
	for (size_t i = 0; i < n; i++) {
		blk[i].text = render_text(blk[i].notice, p->ch->kind, p->opts);
		if (blk[i].text == NULL)
			return -1;
		blk[i].tag = render_tag(blk[i].notice);
		blk[i].cost = body_cost(p, blk[i].text) + p->pf->overhead;
	}
	return 0;
}

static void blocks_free(struct block *blk, size_t n)
{
	for (size_t i = 0; blk != NULL && i < n; i++) {
		free(blk[i].text);
		json_decref(blk[i].notice);
	}
	free(blk);
}

/* Cuts a block to room (its own message cannot hold more). */
static int body_fit(const struct plan *p, struct block *b, size_t room)
{
	char *cut;

	if (p->pf->limit == 0 || b->cost <= room)
		return 0;
	cut = body_cut(p, b->text, room > p->pf->overhead ? room - p->pf->overhead : 0);
	if (cut == NULL)
		return -1;
	free(b->text);
	b->text = cut;
	b->cost = body_cost(p, cut) + p->pf->overhead;
	b->truncated = 1;
	return 0;
}

/* The end of the message starting at block a: greedy by estimated cost, then checked by
 * building it (first line with a worst-case part number) and shrunk until it fits. */
static int body_next(const struct plan *p, struct block *blk, size_t n, size_t a, size_t *end)
{
	size_t used = 0, b = a;

	if (body_fit(p, &blk[a], p->room) != 0)
		return -1;
	while (b < n && (p->pf->limit != 0 ? b == a || used + blk[b].cost <= p->room
					   : b - a < RENDER_JSON_MAX_NOTICES)) {
		if (b > a && body_fit(p, &blk[b], p->room) != 0)
			return -1;
		used += blk[b].cost;
		b++;
	}
	for (;;) {
		char *body = NULL;
		int within = 0;

		if (body_build(p, blk, a, b, n + 1, n + 1, &body, &within, NULL) != 0)
			return -1;
		free(body);
		if (within)
			break;
		if (b - a > 1) {
			b--;
			continue;
		}
		/* one notice alone: cut it shorter */
		if (blk[a].cost <= BODY_MIN_ROOM)
			return -1;
		if (body_fit(p, &blk[a], blk[a].cost - blk[a].cost / 8 - 1) != 0)
			return -1;
	}
	*end = b;
	return 0;
}

/* Appends a message to out. */
static int batch_add(struct render_batch *out, char *body, const char *url, const struct block *blk,
		     size_t a, size_t b, int follows)
{
	struct render_msg *grown = realloc(out->msg, (out->n + 1) * sizeof *out->msg), *m;

	if (grown == NULL) {
		free(body);
		return -1;
	}
	out->msg = grown;
	m = &out->msg[out->n++];
	memset(m, 0, sizeof *m);
	m->body = body;
	m->body_len = strlen(body);
	m->url = strdup(url);
	m->follows = follows;
	m->ids = malloc((b - a + 1) * sizeof *m->ids);
	if (m->url == NULL || m->ids == NULL)
		return -1;
	for (size_t i = a; i < b; i++) {
		m->ids[m->n_ids++] = blk[i].id;
		m->truncated += (size_t)blk[i].truncated;
	}
	return 0;
}

int render_batch(const struct render_channel *ch, const struct render_opts *opts,
		 const json_t *notices, const char *sent_at, long long real_ms,
		 struct render_batch *out)
{
	struct plan p;
	struct block *blk = NULL;
	size_t n = json_array_size(notices), *starts = NULL, parts = 0;
	int rc = -1;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof *out);
	memset(&p, 0, sizeof p);
	if (ch == NULL || !json_is_array(notices))
		return -1;
	if (n == 0)
		return 0;
	starts = malloc((n + 1) * sizeof *starts);
	if (starts == NULL || plan_init(&p, ch, opts, sent_at, real_ms) != 0 ||
	    blocks_init(&p, notices, &blk) != 0 || plan_room(&p, blk, n) != 0)
		goto done;
	for (size_t a = 0; a < n; parts++) {
		starts[parts] = a;
		if (body_next(&p, blk, n, a, &a) != 0)
			goto done;
	}
	starts[parts] = n;
	for (size_t k = 0; k < parts; k++) {
		char *body = NULL, *fbody;
		json_t *follow = NULL;
		int within = 0;

		if (body_build(&p, blk, starts[k], starts[k + 1], k + 1, parts, &body, &within,
			       &follow) != 0 || !within) {
			free(body);
			json_decref(follow);
			goto done;
		}
		if (batch_add(out, body, p.url, blk, starts[k], starts[k + 1], 0) != 0) {
			json_decref(follow);
			goto done;
		}
		if (follow == NULL)
			continue;
		fbody = json_dumps(follow, BODY_DUMP);
		json_decref(follow);
		if (fbody == NULL || batch_add(out, fbody, p.url, blk, 0, 0, 1) != 0)
			goto done;
	}
	rc = 0;
done:
	if (rc != 0)
		render_batch_free(out);
	free(starts);
	blocks_free(blk, n);
	plan_free(&p);
	return rc;
}

void render_batch_free(struct render_batch *batch)
{
	if (batch == NULL)
		return;
	for (size_t i = 0; i < batch->n; i++) {
		free(batch->msg[i].body);
		free(batch->msg[i].url);
		free(batch->msg[i].ids);
	}
	free(batch->msg);
	batch->msg = NULL;
	batch->n = 0;
}
