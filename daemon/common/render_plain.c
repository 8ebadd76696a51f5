/* The json kind (SPEC §8: channel, sent_at, text, notices with their fields as of the attempt)
 * and Slack incoming webhooks ({"text"} in mrkdwn, & < > escaped, <@U…> and <!channel>). */
#include "render_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *plain_no_mentions(const struct render_channel *ch)
{
	(void)ch;
	return strdup("");
}

static size_t plain_cost(const char *s, size_t len)
{
	(void)s;
	(void)len;
	return 0;
}

static json_t *json_body(const struct render_part *p)
{
	json_t *arr = json_array();
	char *text = render_join(p, NULL);
	json_t *body = NULL;

	for (size_t i = 0; arr != NULL && text != NULL && i < p->n; i++) {
		if (json_array_append_new(arr, render_fields(p->notices[i])) != 0)
			goto done;
	}
	if (arr != NULL && text != NULL)
		body = json_pack("{s:s,s:s,s:s,s:O}", "channel", p->ch->unit != NULL ? p->ch->unit : "",
				 "sent_at", p->sent_at, "text", text, "notices", arr);
done:
	json_decref(arr);
	free(text);
	return body;
}

static int json_within(const struct render_part *p, const char *body)
{
	(void)body;
	return p->n <= RENDER_JSON_MAX_NOTICES;
}

const struct render_platform render_platform_json = {
	.markup = {"", "", "\n", "\n\n", 0, false, false},
	.limit = 0,
	.overhead = 0,
	.mentions = plain_no_mentions,
	.cost = plain_cost,
	.body = json_body,
	.within = json_within,
	.followup = NULL,
};

/* Slack: code points. */
static size_t slack_cost(const char *s, size_t len)
{
	size_t c = 0;

	for (size_t i = 0; i < len; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static char *slack_mentions(const struct render_channel *ch)
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
		if (render_is_all(m))
			fputs("<!channel>", f);
		else
			fprintf(f, "<@%s>", m);
	}
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

static json_t *slack_body(const struct render_part *p)
{
	char *text = render_join(p, p->tail);
	json_t *body = text != NULL ? json_pack("{s:s}", "text", text) : NULL;

	free(text);
	return body;
}

static int slack_within(const struct render_part *p, const char *body)
{
	json_t *j = json_loads(body, 0, NULL);
	const char *t = json_string_value(json_object_get(j, "text"));
	int ok = t != NULL && slack_cost(t, strlen(t)) <= RENDER_SLACK_MAX;

	(void)p;
	json_decref(j);
	return ok;
}

const struct render_platform render_platform_slack = {
	.markup = {"*", "*", "\n", "\n\n", 2, true, false},
	.limit = RENDER_SLACK_MAX,
	.overhead = 2,
	.mentions = slack_mentions,
	.cost = slack_cost,
	.body = slack_body,
	.within = slack_within,
	.followup = NULL,
};
