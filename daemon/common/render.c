/* Channel kinds, mentions in each kind's syntax, the signed DingTalk webhook URL, and the
 * SPEC §8 json-kind view of a notice (id, type, the type's fields in order, extras after). */
#include "duban/render.h"
#include "duban/sign.h"
#include "render_int.h"

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

int render_is_mobile(const char *s)
{
	int digits = 0;

	if (s == NULL)
		return 0;
	if (strncmp(s, "+86", 3) == 0)
		s += 3;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s != '-')
			return 0;
	}
	return digits == 11;
}

int render_is_all(const char *s)
{
	return strcmp(s, "all") == 0 || strcmp(s, "@all") == 0;
}

/* A platform user id (WeCom userid, DingTalk userId, Feishu open_id/user_id, Slack member id):
 * at most 64 bytes, no blanks or control characters, nothing that would break the mention
 * markup (< > &). */
static int render_is_user_id(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '<' || *s == '>' || *s == '&')
			return 0;
	return 1;
}

const char *render_mention_refusal(enum render_kind kind, const char *m)
{
	if (m == NULL || *m == '\0')
		return "empty mention";
	if (render_is_all(m))
		return NULL;
	if (render_is_mobile(m)) {
		if (kind == RENDER_FEISHU)
			return "Feishu robots cannot mention by mobile; give the member's user id (ou_…) or all";
		if (kind == RENDER_SLACK)
			return "Slack webhooks cannot mention by mobile; give the member id (U…) or all";
		return NULL;
	}
	if (!render_is_user_id(m))
		return "a mention is a mobile number (11 digits), a user id or all";
	return NULL;
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
	static const char *const missed[] = {"schedule", "period", "units", "unit", "due", NULL};
	static const char *const bulletin[] = {"period", "units", "red", "black", NULL};
	static const char *const deduction[] = {"unit", "total", "level", NULL};
	static const char *const sample[] = {"period", "problems", NULL};
	static const char *const applied[] = {"problem", "unit", "applied", "due", NULL};
	static const char *const rejected[] = {"problem", "unit", "reason", NULL};
	static const char *const publicity[] = {"problem", "unit", "from", "to", NULL};
	static const char *const reopened[] = {"problem", "unit", "due", "reason", NULL};
	static const char *const calendar[] = {"year", "until", NULL};
	static const char *const table_[] = {"schedule", "period", "table", "due", NULL};
	static const char *const none[] = {NULL};
	static const struct {
		const char *type;
		const char *const *fields;
	} table[] = {
		{"escalation", escalation}, {"acceptance", acceptance}, {"closed", closed},
		{"reminder", reminder},	    {"missed", missed},		{"bulletin", bulletin},
		{"deduction", deduction},   {"sample", sample},	      {"applied", applied},
		{"rejected", rejected},	    {"objected", rejected},	{"publicity", publicity},
		{"reopened", reopened},	    {"calendar", calendar},	{"table", table_},
		{"table_file", table_},
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
