/* Digest messages for one channel: notices most urgent first under a header, with mentions,
 * built into each kind's request body and split on notice boundaries within the kind's limit. */
#include "duban/render.h"
#include "duban/sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_SEP "\n\n"
#define BODY_ELLIPSIS "…"
#define BODY_TITLE_MAX 96 /* escaped bytes kept for the DingTalk markdown title */
#define BODY_MIN_ROOM 64  /* what a message must leave for its notices */
#define BODY_DUMP (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* One notice and its rendered text. */
struct block {
	const json_t *notice;
	long long id;
	char *text;
	size_t cost; /* of text, in the kind's unit */
	int truncated;
};

/* What the messages of one channel batch share. */
struct plan {
	const struct render_channel *ch;
	enum render_style st;
	const char *sent_at;
	char *mentions; /* suffix of every text, "" when none */
	char *url;
	char ts[32];	      /* Feishu timestamp (seconds), "" when unsigned */
	char sign[SIGN_MAX];  /* Feishu sign */
	size_t limit;	      /* in the kind's unit; 0 = no size limit (json) */
	size_t room;	      /* for the notices of one message */
	size_t total;	      /* notices in the batch */
	size_t parts;	      /* messages in the batch */
};

/* Cost of s[0..len) in the unit the kind's limit counts: content bytes (wecom), JSON-escaped
 * body bytes as jansson writes them (dingtalk, feishu), code points (slack), none (json). */
static size_t body_cost(enum render_kind kind, const char *s, size_t len)
{
	size_t c = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];
		if (kind == RENDER_WECOM)
			c++;
		else if (kind == RENDER_SLACK)
			c += (b & 0xC0) != 0x80;
		else if (kind == RENDER_DINGTALK || kind == RENDER_FEISHU)
			c += (b == '"' || b == '\\' || b == '\b' || b == '\f' || b == '\n' ||
			      b == '\r' || b == '\t') ? 2 : b < 0x20 ? 6 : 1;
	}
	return c;
}

static size_t body_cost_str(enum render_kind kind, const char *s)
{
	return body_cost(kind, s, strlen(s));
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
static char *body_cut(enum render_kind kind, enum render_style st, const char *s, size_t room)
{
	size_t ell = body_cost_str(kind, BODY_ELLIPSIS), used = 0, keep = 0;
	char *out;

	while (s[keep] != '\0') {
		size_t n = body_utf8_len(s + keep), c = body_cost(kind, s + keep, n);
		if (used + c + ell > room)
			break;
		used += c;
		keep += n;
	}
	/* do not leave half of a Slack entity such as "&am" */
	for (size_t back = 1; st == RENDER_MRKDWN && back <= 4 && back <= keep; back++) {
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

/* Closes a memory stream and returns its buffer, or NULL (buffer freed) on any error. The
 * buffer is passed by address: the stream updates it until it is closed. */
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

/* "duban 督办通知(共 N 条)", with the part when the batch is split; malloc'd. */
static char *body_header(enum render_style st, size_t total, size_t part, size_t parts)
{
	const char *b = st == RENDER_MARKDOWN ? "**" : st == RENDER_MRKDWN ? "*" : "";
	char *out = NULL;
	int len;

	if (parts > 1)
		len = asprintf(&out, "%sduban 督办通知(共 %zu 条,第 %zu/%zu 部分)%s", b, total, part,
			       parts, b);
	else
		len = asprintf(&out, "%sduban 督办通知(共 %zu 条)%s", b, total, b);
	return len < 0 ? NULL : out;
}

/* The json kind's notices array for blocks [a, b). */
static json_t *body_notices(const struct block *blk, size_t a, size_t b)
{
	json_t *arr = json_array();

	for (size_t i = a; arr != NULL && i < b; i++) {
		if (json_array_append_new(arr, render_fields(blk[i].notice)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* The request body of one message as JSON. */
static json_t *body_json(const struct plan *p, const char *text, const char *title,
			 const struct block *blk, size_t a, size_t b)
{
	const struct render_channel *ch = p->ch;
	json_t *part;

	switch (ch->kind) {
	case RENDER_WECOM:
		return json_pack("{s:s,s:{s:s}}", "msgtype", "markdown", "markdown", "content", text);
	case RENDER_DINGTALK:
		part = render_at(ch);
		if (part == NULL)
			return NULL;
		return json_pack("{s:s,s:{s:s,s:s},s:o}", "msgtype", "markdown", "markdown", "title",
				 title, "text", text, "at", part);
	case RENDER_FEISHU:
		if (p->ts[0] != '\0')
			return json_pack("{s:s,s:s,s:s,s:{s:s}}", "timestamp", p->ts, "sign", p->sign,
					 "msg_type", "text", "content", "text", text);
		return json_pack("{s:s,s:{s:s}}", "msg_type", "text", "content", "text", text);
	case RENDER_SLACK:
		return json_pack("{s:s}", "text", text);
	default:
		part = body_notices(blk, a, b);
		if (part == NULL)
			return NULL;
		return json_pack("{s:s,s:s,s:s,s:o}", "channel", ch->unit != NULL ? ch->unit : "",
				 "sent_at", p->sent_at != NULL ? p->sent_at : "", "text", text,
				 "notices", part);
	}
}

/* Bytes of the body with an empty text and title: the fixed part of every message. */
static int body_envelope(const struct plan *p, size_t *out)
{
	json_t *j = body_json(p, "", "", NULL, 0, 0);
	char *s = j != NULL ? json_dumps(j, BODY_DUMP) : NULL;

	json_decref(j);
	if (s == NULL)
		return -1;
	*out = strlen(s);
	free(s);
	return 0;
}

/* Limit and room for notices: limit minus envelope, title, header and mentions. */
static int plan_room(struct plan *p)
{
	enum render_kind kind = p->ch->kind;
	size_t fixed = 0, big = p->total > 2 ? p->total : 2;
	char *hdr = body_header(p->st, big, big, big);

	if (hdr == NULL)
		return -1;
	p->limit = kind == RENDER_WECOM ? RENDER_WECOM_MAX : kind == RENDER_DINGTALK ? RENDER_DINGTALK_MAX
		 : kind == RENDER_FEISHU ? RENDER_FEISHU_MAX : kind == RENDER_SLACK ? RENDER_SLACK_MAX : 0;
	if ((kind == RENDER_DINGTALK || kind == RENDER_FEISHU) && body_envelope(p, &fixed) != 0) {
		free(hdr);
		return -1;
	}
	if (kind == RENDER_DINGTALK)
		fixed += BODY_TITLE_MAX;
	fixed += body_cost_str(kind, hdr) + body_cost_str(kind, BODY_SEP) +
		 body_cost_str(kind, p->mentions);
	free(hdr);
	if (p->limit != 0 && fixed + BODY_MIN_ROOM > p->limit)
		return -1;
	p->room = p->limit != 0 ? p->limit - fixed : 0;
	return 0;
}

static int plan_init(struct plan *p, const struct render_channel *ch, const char *sent_at,
		     long long real_ms, size_t total)
{
	memset(p, 0, sizeof *p);
	p->ch = ch;
	p->st = render_kind_style(ch->kind);
	p->sent_at = sent_at;
	p->total = total;
	p->mentions = render_mentions(ch);
	if (ch->kind == RENDER_DINGTALK)
		p->url = render_url(ch->url != NULL ? ch->url : "", ch->secret, real_ms);
	else
		p->url = strdup(ch->url != NULL ? ch->url : "");
	if (p->mentions == NULL || p->url == NULL)
		return -1;
	if (ch->kind == RENDER_FEISHU && ch->secret != NULL && *ch->secret != '\0') {
		snprintf(p->ts, sizeof p->ts, "%lld", real_ms / 1000);
		if (sign_feishu(ch->secret, real_ms / 1000, p->sign, sizeof p->sign) != 0)
			return -1;
	}
	return plan_room(p);
}

static void plan_free(struct plan *p)
{
	free(p->mentions);
	free(p->url);
}

static int body_block_cmp(const void *a, const void *b)
{
	return render_compare(((const struct block *)a)->notice, ((const struct block *)b)->notice);
}

/* Blocks for the notices, most urgent first, each rendered and costed. */
static int blocks_init(const struct plan *p, const json_t *notices, struct block **out)
{
	size_t n = json_array_size(notices);
	struct block *blk = calloc(n, sizeof *blk);

	*out = blk;
	if (blk == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		blk[i].notice = json_array_get(notices, i);
		if (!json_is_integer(json_object_get(blk[i].notice, "id")))
			return -1;
		blk[i].id = json_integer_value(json_object_get(blk[i].notice, "id"));
	}
	qsort(blk, n, sizeof *blk, body_block_cmp);
	for (size_t i = 0; i < n; i++) {
		blk[i].text = render_text(blk[i].notice, p->st);
		if (blk[i].text == NULL)
			return -1;
		blk[i].cost = body_cost_str(p->ch->kind, blk[i].text);
	}
	return 0;
}

static void blocks_free(struct block *blk, size_t n)
{
	for (size_t i = 0; blk != NULL && i < n; i++)
		free(blk[i].text);
	free(blk);
}

/* Cuts a block that cannot fit a message on its own. */
static int body_fit(const struct plan *p, struct block *b)
{
	char *cut;

	if (p->limit == 0 || b->cost <= p->room)
		return 0;
	cut = body_cut(p->ch->kind, p->st, b->text, p->room);
	if (cut == NULL)
		return -1;
	free(b->text);
	b->text = cut;
	b->cost = body_cost_str(p->ch->kind, cut);
	b->truncated = 1;
	return 0;
}

/* Groups blocks into messages greedily: starts[k] is the first block of message k and
 * starts[parts] == n. */
static int body_pack(struct plan *p, struct block *blk, size_t n, size_t **starts)
{
	size_t *s = malloc((n + 1) * sizeof *s), used = 0, count = 0;
	size_t sep = body_cost_str(p->ch->kind, BODY_SEP);

	*starts = s;
	if (s == NULL)
		return -1;
	p->parts = 0;
	for (size_t i = 0; i < n; i++) {
		if (body_fit(p, &blk[i]) != 0)
			return -1;
		if (count > 0 && (p->limit != 0 ? used + sep + blk[i].cost <= p->room
						: count < RENDER_JSON_MAX_NOTICES)) {
			used += sep + blk[i].cost;
			count++;
			continue;
		}
		s[p->parts++] = i;
		used = blk[i].cost;
		count = 1;
	}
	s[p->parts] = n;
	return 0;
}

/* The text of the message of blocks [a, b): header, notices, mentions; malloc'd. */
static char *body_text(const struct plan *p, const struct block *blk, size_t a, size_t b,
		       size_t part)
{
	char *buf = NULL, *hdr = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	if (b - a > 1 || p->parts > 1) {
		hdr = body_header(p->st, p->total, part, p->parts);
		if (hdr == NULL)
			return body_close(f, &buf, 1);
		fputs(hdr, f);
		fputs(BODY_SEP, f);
		free(hdr);
	}
	for (size_t i = a; i < b; i++) {
		if (i > a)
			fputs(BODY_SEP, f);
		fputs(blk[i].text, f);
	}
	fputs(p->mentions, f);
	return body_close(f, &buf, 0);
}

/* DingTalk's markdown title: the plain header, or the first line of the only notice. */
static char *body_title(const struct plan *p, const struct block *blk, size_t a, size_t b,
			size_t part)
{
	char *t, *cut;

	if (b - a > 1 || p->parts > 1)
		t = body_header(RENDER_PLAIN, p->total, part, p->parts);
	else
		t = render_text(blk[a].notice, RENDER_PLAIN);
	if (t == NULL)
		return NULL;
	t[strcspn(t, "\n")] = '\0';
	if (body_cost_str(RENDER_DINGTALK, t) <= BODY_TITLE_MAX)
		return t;
	cut = body_cut(RENDER_DINGTALK, RENDER_PLAIN, t, BODY_TITLE_MAX);
	free(t);
	return cut;
}

/* 1 when the built message is within the kind's limit. */
static int body_within(const struct plan *p, const char *body, const char *text, size_t count)
{
	switch (p->ch->kind) {
	case RENDER_WECOM:
		return strlen(text) <= RENDER_WECOM_MAX;
	case RENDER_DINGTALK:
	case RENDER_FEISHU:
		return strlen(body) <= p->limit;
	case RENDER_SLACK:
		return body_cost_str(RENDER_SLACK, text) <= RENDER_SLACK_MAX;
	default:
		return count <= RENDER_JSON_MAX_NOTICES;
	}
}

/* Builds message part (1-based) of blocks [a, b) into m. */
static int body_msg(const struct plan *p, const struct block *blk, size_t a, size_t b,
		    size_t part, struct render_msg *m)
{
	char *text = body_text(p, blk, a, b, part), *title = NULL;
	json_t *j = NULL;
	int rc = -1;

	if (text == NULL)
		return -1;
	if (p->ch->kind == RENDER_DINGTALK && (title = body_title(p, blk, a, b, part)) == NULL)
		goto done;
	j = body_json(p, text, title, blk, a, b);
	m->body = j != NULL ? json_dumps(j, BODY_DUMP) : NULL;
	m->url = strdup(p->url);
	m->ids = malloc((b - a) * sizeof *m->ids);
	if (m->body == NULL || m->url == NULL || m->ids == NULL ||
	    !body_within(p, m->body, text, b - a))
		goto done;
	m->body_len = strlen(m->body);
	for (size_t i = a; i < b; i++) {
		m->ids[m->n_ids++] = blk[i].id;
		m->truncated += (size_t)blk[i].truncated;
	}
	rc = 0;
done:
	json_decref(j);
	free(title);
	free(text);
	return rc;
}

int render_batch(const struct render_channel *ch, const json_t *notices, const char *sent_at,
		 long long real_ms, struct render_batch *out)
{
	struct plan p;
	struct block *blk = NULL;
	size_t n = json_array_size(notices), *starts = NULL;
	int rc = -1;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof *out);
	memset(&p, 0, sizeof p);
	if (ch == NULL || !json_is_array(notices))
		return -1;
	if (n == 0)
		return 0;
	if (plan_init(&p, ch, sent_at, real_ms, n) != 0 || blocks_init(&p, notices, &blk) != 0 ||
	    body_pack(&p, blk, n, &starts) != 0)
		goto done;
	out->msg = calloc(p.parts, sizeof *out->msg);
	if (out->msg == NULL)
		goto done;
	for (size_t k = 0; k < p.parts; k++) {
		out->n = k + 1;
		if (body_msg(&p, blk, starts[k], starts[k + 1], k + 1, &out->msg[k]) != 0)
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
