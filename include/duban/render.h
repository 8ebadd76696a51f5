/* Rendering of outbox notices (SPEC §8): the Chinese text of each notice type, digest bodies
 * per channel kind (json, wecom, dingtalk, feishu, slack) with mentions and signatures, split
 * on notice boundaries to each kind's size limit. */
#ifndef DUBAN_RENDER_H
#define DUBAN_RENDER_H
#include <stddef.h>

#include <jansson.h>

enum render_kind {
	RENDER_JSON,	 /* duban's own JSON body; at most RENDER_JSON_MAX_NOTICES a message */
	RENDER_WECOM,	 /* WeCom robot markdown; RENDER_WECOM_MAX bytes of content */
	RENDER_DINGTALK, /* DingTalk robot markdown; RENDER_DINGTALK_MAX bytes of body */
	RENDER_FEISHU,	 /* Feishu/Lark bot text; RENDER_FEISHU_MAX bytes of body */
	RENDER_SLACK,	 /* Slack incoming webhook mrkdwn; RENDER_SLACK_MAX code points of text */
};

enum render_style {
	RENDER_PLAIN,	 /* plain text (json kind, Feishu text) */
	RENDER_MARKDOWN, /* WeCom/DingTalk markdown: **bold** tags, "- " lists, blank-line paragraphs */
	RENDER_MRKDWN,	 /* Slack mrkdwn: *bold* tags, "• " lists, & < > escaped */
};

#define RENDER_WECOM_MAX 4096	    /* bytes of markdown.content */
#define RENDER_DINGTALK_MAX 20000   /* bytes of the whole request body */
#define RENDER_FEISHU_MAX 20000	    /* bytes of the whole request body */
#define RENDER_SLACK_MAX 4000	    /* code points of text */
#define RENDER_JSON_MAX_NOTICES 200 /* notices per json message */

/* One channel as the renderer needs it. Strings are borrowed. */
struct render_channel {
	enum render_kind kind;
	const char *unit;	    /* code of the unit owning the channel (json "channel") */
	const char *url;	    /* webhook URL as configured */
	const char *secret;	    /* signing secret, NULL or "" when none */
	const char *const *mention; /* mobiles or user ids to @; "all" = everyone */
	size_t n_mention;
};

/* One HTTP request to make. All members are owned by the batch. */
struct render_msg {
	char *body;	  /* JSON request body, NUL-terminated */
	size_t body_len;  /* strlen(body) */
	char *url;	  /* URL to POST to (DingTalk: signed with timestamp and sign) */
	long long *ids;	  /* ids of the notices in this message, in message order */
	size_t n_ids;
	size_t truncated; /* how many of its notices had to be cut short to fit */
};

struct render_batch {
	struct render_msg *msg;
	size_t n;
};

/* "json", "wecom", "dingtalk", "feishu", "slack" -> kind. Returns 0, or -1 when unknown. */
int render_kind_parse(const char *name, enum render_kind *out);
const char *render_kind_name(enum render_kind kind);
enum render_style render_kind_style(enum render_kind kind);

/* The mention line appended to every message text of the channel, malloc'd ("" when none or
 * for json): "\n\n" then, space-separated, @<mobile or id> (DingTalk; "all" -> @所有人),
 * <@id> (WeCom), <at user_id="id"></at> (Feishu; "all" -> <at user_id="all">所有人</at>),
 * <@id> (Slack; "all" -> <!channel>). NULL on allocation failure. */
char *render_mentions(const struct render_channel *ch);

/* DingTalk's "at" object: {"atMobiles": [mobiles], "atUserIds": [other ids, when any],
 * "isAtAll": "all" listed}. New reference, or NULL. */
json_t *render_at(const struct render_channel *ch);

/* The text of one notice (an outbox JSON object with id, type and the §8 fields, plus the
 * optional display extras: title, unit_name, lead, lead_name, recipient, recipient_name,
 * deadline, schedule_label, problem_titles {ref: title}, units[].name, unit_names {code: name},
 * overdue_problems [{ref, title, unit, days}], year (deduction), threshold (warn progress bar,
 * default 80), limit (acceptance working days, default 10)). Missing fields are left out of
 * the sentence. Returns a malloc'd string (caller frees), or NULL on allocation failure or
 * when notice is not an object. */
char *render_text(const json_t *notice, enum render_style style);

/* qsort-style order of two notices, most urgent first: higher `urgency` (the rank the database
 * gives each notice, duban.notice_urgency(); the claim adds it; 0 when absent), then lower id. */
int render_compare(const json_t *a, const json_t *b);

/* The §8 json-kind view of a notice: id, type, the type's §8 fields in order, then every other
 * member (extras) as given. Returns a new reference, or NULL. */
json_t *render_fields(const json_t *notice);

/* The URL to POST to: url itself, or for a DingTalk secret url + "&timestamp=<ms>&sign=<enc>"
 * ("?" when url has no query). real_ms is the real wall clock in milliseconds, never the
 * pinned ledger clock. Returns a malloc'd string, or NULL. */
char *render_url(const char *url, const char *secret, long long real_ms);

/* Renders the notices waiting for one channel (a JSON array of notice objects, in any order)
 * into messages, most urgent first, each within the kind's limit; every notice lands in exactly
 * one message, splits fall on notice boundaries, and a notice too long on its own is cut at a
 * UTF-8 boundary and ends in "…". sent_at (ISO 8601, the ledger clock) goes into json bodies;
 * real_ms (real clock, ms) into signatures. Returns 0 and fills out (free with
 * render_batch_free), or -1 (out is then empty) when notices is not an array of objects with
 * integer ids, on allocation failure, or when mentions leave no room for text.
 * Signatures live in the messages (DingTalk: url, Feishu: body), so a retry after
 * CLASSIFY_RETRY_RESIGN renders the batch again with a fresh real_ms. */
int render_batch(const struct render_channel *ch, const json_t *notices, const char *sent_at,
		 long long real_ms, struct render_batch *out);

void render_batch_free(struct render_batch *batch);

#endif
