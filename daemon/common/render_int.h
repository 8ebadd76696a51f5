/* Internals shared by the renderer's files: the markup and body builder of each chat kind. */
#ifndef DUBAN_RENDER_INT_H
#define DUBAN_RENDER_INT_H
#include <stddef.h>

#include <jansson.h>

#include "duban/render.h"
#include "duban/render_fmt.h"

/* One message being built: its first line and its notices' texts, in the kind's markup. */
struct render_part {
	const struct render_channel *ch;
	const struct render_opts *opts;
	const char *first_line;	     /* plain: 【sender】督办 2 条、提示 1 条 (keyword added if needed) */
	const char *head;	     /* the first line in the kind's markup */
	char *const *texts;	     /* notice texts, most urgent first */
	const json_t *const *notices; /* the fresh notices, same order */
	size_t n;
	const char *sent_at;	     /* json kind */
	const char *feishu_ts;	     /* Feishu signature, "" when unsigned */
	const char *feishu_sign;
	const char *tail;	     /* the mentions written in the text ("" when none) */
};

/* A chat kind: markup, size limit and body builders. */
struct render_platform {
	struct fmt_markup markup;
	size_t limit;	 /* in the kind's unit; 0: RENDER_JSON_MAX_NOTICES notices a message */
	size_t overhead; /* cost a notice adds besides its text (separators, card elements) */
	/* the mentions written in the text, after the notices; malloc'd ("" when none) */
	char *(*mentions)(const struct render_channel *ch);
	/* cost of s[0..len) in the kind's unit */
	size_t (*cost)(const char *s, size_t len);
	/* the request body; NULL on allocation failure */
	json_t *(*body)(const struct render_part *p);
	/* 1 when the built body (and the part) is within the limit */
	int (*within)(const struct render_part *p, const char *body);
	/* the follow-up message's body, or NULL when there is none (only WeCom has one) */
	json_t *(*followup)(const struct render_part *p);
};

const struct render_platform *render_platform(enum render_kind kind);

extern const struct render_platform render_platform_json, render_platform_wecom,
	render_platform_dingtalk, render_platform_feishu, render_platform_slack;

/* 1 for "all" / "@all". */
int render_is_all(const char *m);

/* The message text: head, the notices' texts and tail (may be NULL), joined with the kind's
 * separator; malloc'd or NULL. */
char *render_join(const struct render_part *p, const char *tail);

/* Bytes as jansson writes s[0..len) inside a JSON string (compact, UTF-8 kept). */
size_t render_json_cost(const char *s, size_t len);

#endif
