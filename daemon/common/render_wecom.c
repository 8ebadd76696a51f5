/* WeCom group robots (企业微信群机器人): {"msgtype":"markdown","markdown":{"content"}} in WeCom's
 * markdown — bold, links, <font color="info|comment|warning">, <@userid>; no list syntax, so
 * notices are paragraphs and list items lines "（1）…". Content at most 4096 bytes. Mobiles and
 * @all cannot be mentioned in markdown: a {"msgtype":"text"} message with
 * mentioned_mobile_list follows each markdown message. */
#include "render_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t wecom_cost(const char *s, size_t len)
{
	(void)s;
	return len;
}

/* User ids as <@id> after the notices; mobiles and all go to the follow-up message. */
static char *wecom_mentions(const struct render_channel *ch)
{
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&buf, &len);
	int bad;

	if (f == NULL)
		return NULL;
	for (size_t i = 0; i < ch->n_mention; i++) {
		const char *m = ch->mention[i];
		if (m == NULL || *m == '\0' || render_is_all(m) || render_is_mobile(m))
			continue;
		fputs(n++ == 0 ? "\n\n" : " ", f);
		fprintf(f, "<@%s>", m);
	}
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

static json_t *wecom_body(const struct render_part *p)
{
	char *text = render_join(p, p->tail);
	json_t *body = text != NULL ? json_pack("{s:s,s:{s:s}}", "msgtype", "markdown", "markdown",
						 "content", text)
				    : NULL;

	free(text);
	return body;
}

static int wecom_within(const struct render_part *p, const char *body)
{
	json_t *j = json_loads(body, 0, NULL);
	const char *t = json_string_value(json_object_get(json_object_get(j, "markdown"), "content"));
	int ok = t != NULL && strlen(t) <= RENDER_WECOM_MAX;

	(void)p;
	json_decref(j);
	return ok;
}

/* {"msgtype":"text","text":{"content":…,"mentioned_mobile_list":[mobiles, "@all"]}}. */
static json_t *wecom_followup(const struct render_part *p)
{
	const struct render_channel *ch = p->ch;
	json_t *list = json_array(), *body = NULL;
	const char *kw = ch->keyword != NULL && *ch->keyword != '\0' ? ch->keyword : NULL;
	const char *sender = p->opts != NULL && p->opts->sender != NULL && *p->opts->sender != '\0'
			     ? p->opts->sender : RENDER_SENDER_DEFAULT;
	char *content = NULL;

	if (list == NULL)
		return NULL;
	for (size_t i = 0; i < ch->n_mention; i++) {
		const char *m = ch->mention[i];
		if (m == NULL || (!render_is_all(m) && !render_is_mobile(m)))
			continue;
		if (json_array_append_new(list, json_string(render_is_all(m) ? "@all" : m)) != 0)
			goto done;
	}
	if (json_array_size(list) == 0)
		goto done;
	if (asprintf(&content, "【%s】请及时查看上面的 %zu 条通知并按要求办理。", sender, p->n) < 0) {
		content = NULL;
		goto done;
	}
	if (kw != NULL && strstr(content, kw) == NULL) {
		char *more = NULL;

		if (asprintf(&more, "%s（%s）", content, kw) < 0)
			goto done;
		free(content);
		content = more;
	}
	body = json_pack("{s:s,s:{s:s,s:O}}", "msgtype", "text", "text", "content", content,
			 "mentioned_mobile_list", list);
done:
	free(content);
	json_decref(list);
	return body;
}

const struct render_platform render_platform_wecom = {
	.markup = {"**", "**", "\n", "\n\n", 1, false, true},
	.limit = RENDER_WECOM_MAX,
	.overhead = 2,
	.mentions = wecom_mentions,
	.cost = wecom_cost,
	.body = wecom_body,
	.within = wecom_within,
	.followup = wecom_followup,
};
