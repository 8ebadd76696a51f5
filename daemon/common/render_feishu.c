/* Feishu/Lark custom bots (飞书自定义机器人): {"msg_type":"interactive","card":{...}} — a header
 * with the first line as plain_text title and a colour by the most urgent notice (interview and
 * supervise red, warn orange, closed green, others blue), one lark_md div per notice, hr between
 * them, and mentions as <at id=ID></at> (all: <at id=all></at>) in a last div. Signed bodies
 * carry timestamp and sign. Body at most 20 KB. */
#include "render_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *feishu_mentions(const struct render_channel *ch)
{
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&buf, &len);
	int bad;

	if (f == NULL)
		return NULL;
	for (size_t i = 0; i < ch->n_mention; i++) {
		const char *m = ch->mention[i];
		if (m == NULL || *m == '\0' || render_is_mobile(m))
			continue; /* refused at channel add; never sent */
		fprintf(f, "%s<at id=%s></at>", n++ == 0 ? "" : " ", render_is_all(m) ? "all" : m);
	}
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The header colour of the most urgent notice. */
static const char *feishu_colour(const json_t *n)
{
	const char *type = json_string_value(json_object_get(n, "type"));
	const char *stage = json_string_value(json_object_get(n, "stage"));

	if (type != NULL && stage != NULL &&
	    (strcmp(type, "escalation") == 0 || strcmp(type, "acceptance") == 0) &&
	    (strcmp(stage, "interview") == 0 || strcmp(stage, "supervise") == 0))
		return "red";
	if (type != NULL && stage != NULL && strcmp(type, "escalation") == 0 &&
	    strcmp(stage, "warn") == 0)
		return "orange";
	if (type != NULL && strcmp(type, "closed") == 0)
		return "green";
	return "blue";
}

static int feishu_div(json_t *elements, const char *text)
{
	return json_array_append_new(elements, json_pack("{s:s,s:{s:s,s:s}}", "tag", "div", "text",
							 "tag", "lark_md", "content", text));
}

static json_t *feishu_body(const struct render_part *p)
{
	json_t *elements = json_array(), *card = NULL, *body = NULL;

	if (elements == NULL)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		if ((i > 0 && json_array_append_new(elements, json_pack("{s:s}", "tag", "hr")) != 0) ||
		    feishu_div(elements, p->texts[i]) != 0)
			goto done;
	}
	if (p->tail != NULL && *p->tail != '\0' && feishu_div(elements, p->tail) != 0)
		goto done;
	card = json_pack("{s:{s:b},s:{s:{s:s,s:s},s:s},s:O}", "config", "wide_screen_mode", 1,
			 "header", "title", "tag", "plain_text", "content", p->first_line, "template",
			 feishu_colour(p->n > 0 ? p->notices[0] : NULL), "elements", elements);
	if (card == NULL)
		goto done;
	if (p->feishu_ts != NULL && p->feishu_ts[0] != '\0')
		body = json_pack("{s:s,s:s,s:s,s:O}", "timestamp", p->feishu_ts, "sign", p->feishu_sign,
				 "msg_type", "interactive", "card", card);
	else
		body = json_pack("{s:s,s:O}", "msg_type", "interactive", "card", card);
done:
	json_decref(card);
	json_decref(elements);
	return body;
}

static int feishu_within(const struct render_part *p, const char *body)
{
	(void)p;
	return strlen(body) <= RENDER_FEISHU_MAX;
}

const struct render_platform render_platform_feishu = {
	.markup = {"**", "**", "\n", "\n", 1, false, false},
	.limit = RENDER_FEISHU_MAX,
	.overhead = 70, /* ,{"tag":"hr"},{"tag":"div","text":{"tag":"lark_md","content":""}} */
	.mentions = feishu_mentions,
	.cost = render_json_cost,
	.body = feishu_body,
	.within = feishu_within,
	.followup = NULL,
};
