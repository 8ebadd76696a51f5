/* Rendering of outbox notices (SPEC §8), at each attempt: the Chinese text of each notice type
 * for its recipient's role (templates in render_templates.c), day counts to the local date of
 * the attempt, digest bodies per channel kind (json, wecom, dingtalk, feishu, slack) with a
 * first line naming the sender, mentions, keyword and signatures, split on notice boundaries
 * to each kind's size limit. */
#ifndef DUBAN_RENDER_H
#define DUBAN_RENDER_H
#include <stddef.h>

#include <jansson.h>

enum render_kind {
	RENDER_JSON,	 /* duban's own JSON body; at most RENDER_JSON_MAX_NOTICES a message */
	RENDER_WECOM,	 /* WeCom robot markdown; RENDER_WECOM_MAX bytes of content */
	RENDER_DINGTALK, /* DingTalk robot markdown; RENDER_DINGTALK_MAX bytes of body */
	RENDER_FEISHU,	 /* Feishu/Lark interactive card; RENDER_FEISHU_MAX bytes of body */
	RENDER_SLACK,	 /* Slack incoming webhook mrkdwn; RENDER_SLACK_MAX code points of text */
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
	const char *keyword;	    /* every message contains it; NULL or "" when none */
};

/* What every message of one attempt shares. Strings are borrowed; NULL means the default. */
struct render_opts {
	const char *sender;   /* message.sender, the first line names it (default 整改办) */
	const char *today;    /* local date of the attempt, YYYY-MM-DD: day counts are to it
			       * (NULL: the counts the notice was made with) */
	const char *base_url; /* web.base_url: problems link to BASE/problems/REF; NULL or "" none */
};

#define RENDER_SENDER_DEFAULT "整改办"

/* One HTTP request to make. All members are owned by the batch. */
struct render_msg {
	char *body;	  /* JSON request body, NUL-terminated */
	size_t body_len;  /* strlen(body) */
	char *url;	  /* URL to POST to (DingTalk: signed with timestamp and sign) */
	long long *ids;	  /* ids of the notices in this message, in message order */
	size_t n_ids;
	size_t truncated; /* how many of its notices had to be cut short to fit */
	int follows;	  /* 1: WeCom's mention message (mobiles, @all): send only after the
			   * message before it succeeded; it carries no notice (n_ids 0) */
};

struct render_batch {
	struct render_msg *msg;
	size_t n;
};

/* "json", "wecom", "dingtalk", "feishu", "slack" -> kind. Returns 0, or -1 when unknown. */
int render_kind_parse(const char *name, enum render_kind *out);
const char *render_kind_name(enum render_kind kind);

/* 1 when a mention item is a mobile number (11 digits, optionally +86 and dashes). */
int render_is_mobile(const char *m);

/* Why mention item m cannot be used on channels of kind (a sentence), or NULL when it can:
 * Feishu robots cannot mention by mobile; an item must be a mobile, a user id or "all". */
const char *render_mention_refusal(enum render_kind kind, const char *m);

/* DingTalk's "at" object: {"atMobiles": [mobiles], "atUserIds": [other ids, when any],
 * "isAtAll": "all" listed}. New reference, or NULL. */
json_t *render_at(const struct render_channel *ch);

/* The notice as of the attempt: a copy with every day count (escalation days, overdue
 * problems' days, a reminder's days_left) recomputed for opts->today. An acceptance notice's
 * working_days needs the calendar: duban.deliver_claim() recounts it. New reference, or NULL. */
json_t *render_fresh(const json_t *notice, const struct render_opts *opts);

/* The recipient's role for the notice: its "role" member, else worked out from recipient,
 * unit, lead, supervisors and recipient_kind: "main", "lead", "supervisor", "office",
 * "leadership", or "" when unknown. */
const char *render_role(const json_t *notice);

/* The stage tag of the notice (提示, 督办, 验收督办, 通报, …), a static string. */
const char *render_tag(const json_t *notice);

/* The text of one (fresh) notice in kind's markup: 【tag】 and the template of its type,
 * variant and role, filled with its facts (see render_templates.c). Returns a malloc'd
 * string, or NULL on allocation failure or when notice is not an object. */
char *render_text(const json_t *notice, enum render_kind kind, const struct render_opts *opts);

/* qsort-style order of two notices, most urgent first: higher `urgency` (the rank the database
 * gives each notice, duban.notice_urgency(); the claim adds it; 0 when absent), then lower id. */
int render_compare(const json_t *a, const json_t *b);

/* The §8 json-kind view of a (fresh) notice: id, type, the type's §8 fields in order, then
 * every other member (extras) as given. Returns a new reference, or NULL. */
json_t *render_fields(const json_t *notice);

/* The URL to POST to: url itself, or for a DingTalk secret url + "&timestamp=<ms>&sign=<enc>"
 * ("?" when url has no query). real_ms is the real wall clock in milliseconds, never the
 * pinned ledger clock. Returns a malloc'd string, or NULL. */
char *render_url(const char *url, const char *secret, long long real_ms);

/* Renders the notices waiting for one channel (a JSON array of notice objects, in any order)
 * into messages, most urgent first, each within the kind's limit; every notice lands in exactly
 * one message, splits fall on notice boundaries, and a notice too long on its own is cut at a
 * UTF-8 boundary and ends in "…". sent_at (ISO 8601, the ledger clock) goes into json bodies;
 * real_ms (real clock, ms) into signatures; opts give the sender, the attempt's local date and
 * the console's address. WeCom mobiles and @all add a follow-up text message after each
 * markdown message (render_msg.follows). Returns 0 and fills out (free with
 * render_batch_free), or -1 (out is then empty) when notices is not an array of objects with
 * integer ids, on allocation failure, or when mentions leave no room for text.
 * Signatures live in the messages (DingTalk: url, Feishu: body), so a retry after
 * CLASSIFY_RETRY_RESIGN renders the batch again with a fresh real_ms. */
int render_batch(const struct render_channel *ch, const struct render_opts *opts,
		 const json_t *notices, const char *sent_at, long long real_ms,
		 struct render_batch *out);

void render_batch_free(struct render_batch *batch);

#endif
