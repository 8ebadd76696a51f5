/* DingTalk custom robots (钉钉自定义机器人): {"msgtype":"markdown","markdown":{"title","text"},
 * "at":{"atMobiles","atUserIds","isAtAll"}}. The title (shown in the chat list and
 * notifications) is the first line; each @mobile / @userId is also written in the text, as
 * DingTalk requires. Paragraphs need a blank line. Body at most 20000 bytes. */
#include "render_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dingtalk_mentions(const struct render_channel *ch)
{
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&buf, &len);
	int bad;

	if (f == NULL)
		return NULL;
	for (size_t i = 0; i < ch->n_mention; i++) {
		const char *m = ch->mention[i];
		if (m == NULL || *m == '\0')
			continue;
		fputs(n++ == 0 ? "\n\n" : " ", f);
		fprintf(f, "@%s", render_is_all(m) ? "所有人" : m);
	}
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

static json_t *dingtalk_body(const struct render_part *p)
{
	char *text = render_join(p, p->tail);
	json_t *at = render_at(p->ch), *body = NULL;

	if (text != NULL && at != NULL)
		body = json_pack("{s:s,s:{s:s,s:s},s:O}", "msgtype", "markdown", "markdown", "title",
				 p->first_line, "text", text, "at", at);
	json_decref(at);
	free(text);
	return body;
}

static int dingtalk_within(const struct render_part *p, const char *body)
{
	(void)p;
	return strlen(body) <= RENDER_DINGTALK_MAX;
}

const struct render_platform render_platform_dingtalk = {
	.markup = {"**", "**", "\n\n", "\n\n", 1, false, false},
	.limit = RENDER_DINGTALK_MAX,
	.overhead = 4,
	.mentions = dingtalk_mentions,
	.cost = render_json_cost,
	.body = dingtalk_body,
	.within = dingtalk_within,
	.followup = NULL,
};
