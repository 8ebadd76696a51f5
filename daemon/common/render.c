/* Channel kinds, mentions in each kind's syntax, the signed DingTalk webhook URL, and the
 * SPEC §8 json-kind view of a notice (id, type, the type's fields in order, extras after). */
#include "duban/render.h"
#include "duban/sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const render_kinds[] = {
	[RENDER_JSON] = "json",		[RENDER_WECOM] = "wecom", [RENDER_DINGTALK] = "dingtalk",
	[RENDER_FEISHU] = "feishu",	[RENDER_SLACK] = "slack",
};

int render_kind_parse(const char *name, enum render_kind *out)
{
	if (name == NULL || out == NULL)
		return -1;
	for (size_t i = 0; i < sizeof render_kinds / sizeof render_kinds[0]; i++) {
		if (strcmp(name, render_kinds[i]) == 0) {
			*out = (enum render_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *render_kind_name(enum render_kind kind)
{
	if ((size_t)kind >= sizeof render_kinds / sizeof render_kinds[0])
		return "?";
	return render_kinds[kind];
}

enum render_style render_kind_style(enum render_kind kind)
{
	if (kind == RENDER_WECOM || kind == RENDER_DINGTALK)
		return RENDER_MARKDOWN;
	return kind == RENDER_SLACK ? RENDER_MRKDWN : RENDER_PLAIN;
}

/* A mobile number: digits, optionally a leading + and dashes (+86-138...). */
static int render_is_mobile(const char *s)
{
	int digits = 0;

	if (*s == '+')
		s++;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s != '-')
			return 0;
	}
	return digits > 0;
}

static int render_is_all(const char *s)
{
	return strcmp(s, "all") == 0 || strcmp(s, "@all") == 0;
}

/* One mention in the kind's text syntax. */
static void render_mention(FILE *f, enum render_kind kind, const char *m)
{
	int all = render_is_all(m);

	if (kind == RENDER_WECOM)
		fprintf(f, "<@%s>", all ? "all" : m);
	else if (kind == RENDER_DINGTALK)
		fprintf(f, "@%s", all ? "所有人" : m);
	else if (kind == RENDER_FEISHU && all)
		fputs("<at user_id=\"all\">所有人</at>", f);
	else if (kind == RENDER_FEISHU)
		fprintf(f, "<at user_id=\"%s\"></at>", m);
	else if (kind == RENDER_SLACK && all)
		fputs("<!channel>", f);
	else if (kind == RENDER_SLACK)
		fprintf(f, "<@%s>", m);
}

char *render_mentions(const struct render_channel *ch)
{
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *f;
	int failed;

	if (ch == NULL)
		return NULL;
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	for (size_t i = 0; ch->kind != RENDER_JSON && i < ch->n_mention; i++) {
		const char *m = ch->mention[i];
		if (m == NULL || *m == '\0')
			continue;
		fputs(n++ == 0 ? "\n\n" : " ", f);
		render_mention(f, ch->kind, m);
	}
	failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		free(buf);
		return NULL;
	}
	return buf;
}

json_t *render_at(const struct render_channel *ch)
{
	json_t *mobiles = json_array(), *ids = json_array();
	int all = 0, bad = mobiles == NULL || ids == NULL || ch == NULL;

	for (size_t i = 0; !bad && i < ch->n_mention; i++) {
		const char *m = ch->mention[i];
		if (m == NULL || *m == '\0')
			continue;
		if (render_is_all(m))
			all = 1;
		else
			bad = json_array_append_new(render_is_mobile(m) ? mobiles : ids,
						    json_string(m)) != 0;
	}
	if (bad) {
		json_decref(mobiles);
		json_decref(ids);
		return NULL;
	}
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		return json_pack("{s:o,s:b}", "atMobiles", mobiles, "isAtAll", all);
	}
	return json_pack("{s:o,s:o,s:b}", "atMobiles", mobiles, "atUserIds", ids, "isAtAll", all);
}

char *render_url(const char *url, const char *secret, long long real_ms)
{
	char sign[SIGN_MAX], *out;
	const char *sep;
	int len;

	if (url == NULL)
		return NULL;
	if (secret == NULL || *secret == '\0')
		return strdup(url);
	if (sign_dingtalk(secret, real_ms, sign, sizeof sign) != 0)
		return NULL;
	sep = strchr(url, '?') == NULL ? "?" : "&";
	if (*url != '\0' && (url[strlen(url) - 1] == '?' || url[strlen(url) - 1] == '&'))
		sep = "";
	len = asprintf(&out, "%s%stimestamp=%lld&sign=%s", url, sep, real_ms, sign);
	return len < 0 ? NULL : out;
}

/* The §8 fields of each notice type, in the order they are written. */
static const char *const *render_type_fields(const char *type)
{
	static const char *const escalation[] = {"stage", "cycle", "problem", "unit", "due",
						 "days", "progress", NULL};
	static const char *const acceptance[] = {"stage", "cycle", "problem", "unit", "applied",
						 "working_days", NULL};
	static const char *const closed[] = {"problem", "unit", NULL};
	static const char *const reminder[] = {"schedule", "period", "unit", "due", "problems", NULL};
	static const char *const missed[] = {"schedule", "period", "units", NULL};
	static const char *const bulletin[] = {"period", "units", "red", "black", NULL};
	static const char *const deduction[] = {"unit", "total", "level", NULL};
	static const char *const sample[] = {"period", "problems", NULL};
	static const char *const none[] = {NULL};
	static const struct {
		const char *type;
		const char *const *fields;
	} table[] = {
		{"escalation", escalation}, {"acceptance", acceptance}, {"closed", closed},
		{"reminder", reminder},	    {"missed", missed},		{"bulletin", bulletin},
		{"deduction", deduction},   {"sample", sample},
	};

	for (size_t i = 0; type != NULL && i < sizeof table / sizeof table[0]; i++)
		if (strcmp(type, table[i].type) == 0)
			return table[i].fields;
	return none;
}

/* Copies member key of src into dst unless already there; 0 or -1. */
static int render_copy(json_t *dst, const json_t *src, const char *key)
{
	json_t *v = json_object_get(src, key);

	if (v == NULL || json_object_get(dst, key) != NULL)
		return 0;
	return json_object_set(dst, key, v);
}

json_t *render_fields(const json_t *notice)
{
	const char *const *fields;
	const char *key;
	json_t *out, *v;

	if (!json_is_object(notice))
		return NULL;
	out = json_object();
	if (out == NULL)
		return NULL;
	fields = render_type_fields(json_string_value(json_object_get(notice, "type")));
	if (render_copy(out, notice, "id") != 0 || render_copy(out, notice, "type") != 0)
		goto fail;
	for (size_t i = 0; fields[i] != NULL; i++)
		if (render_copy(out, notice, fields[i]) != 0)
			goto fail;
	/* jansson's iterator API takes a non-const object; nothing is modified. */
	json_object_foreach((json_t *)notice, key, v) {
		if (json_object_get(out, key) == NULL && json_object_set(out, key, v) != 0)
			goto fail;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}
