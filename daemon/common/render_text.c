/* The text of one notice, rendered at each attempt: its type's builder (render_facts.c) sets
 * the template variables (render_vars.c), the template of its type, variant and recipient role
 * (render_templates.c) is filled in with the kind's markup; also a notice's tag, its fresh
 * payload for the renderers, and the order of a digest (the database's urgency rank). */
#include "duban/render.h"
#include "duban/render_tpl.h"
#include "render_facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void build_none(struct rt *r)
{
	(void)r;
}

/* Notice types and their builders; a new type adds a row here and its templates in
 * render_templates.c (and its payload in sql/notice_payloads.json). */
static const struct {
	const char *type;
	void (*build)(struct rt *);
} text_types[] = {
	{"escalation", build_escalation}, {"acceptance", build_acceptance},
	{"deduction", build_deduction},	  {"rejected", build_transition},
	{"objected", build_transition},	  {"reopened", build_transition},
	{"missed", build_missed},	  {"applied", build_transition},
	{"calendar", build_calendar},	  {"reminder", build_reminder},
	{"publicity", build_transition},  {"bulletin", build_bulletin},
	{"closed", build_transition},	  {"sample", build_sample},
	{"table", build_table},
	{"test", build_none},
};

static int type_index(const char *type)
{
	for (size_t i = 0; type != NULL && i < sizeof text_types / sizeof text_types[0]; i++)
		if (strcmp(type, text_types[i].type) == 0)
			return (int)i;
	return -1;
}

/* Builds the variables of notice n; returns the template row (NULL: none for the type). */
static const struct tpl_row *text_prepare(struct rt *r)
{
	int t = type_index(rt_jstr(r->n, "type"));
	const char *sender = r->o != NULL && r->o->sender != NULL && *r->o->sender != '\0'
			     ? r->o->sender : RENDER_SENDER_DEFAULT;

	r->variant = "";
	rt_var_text(r, "sender", sender);
	if (t < 0)
		return NULL;
	text_types[t].build(r);
	return tpl_find(text_types[t].type, r->variant, render_role(r->n));
}

static const struct fmt_markup text_plain = {"", "", "\n", "\n\n", 0, false, false};

const char *render_tag(const json_t *notice)
{
	struct rt r = {notice, &text_plain, NULL, json_object(), "", 0, -1};
	const struct tpl_row *row = r.vars != NULL ? text_prepare(&r) : NULL;

	json_decref(r.vars);
	return row != NULL ? row->tag : "通知";
}

char *render_text(const json_t *notice, enum render_kind kind, const struct render_opts *opts)
{
	const struct render_platform *pf = render_platform(kind);
	struct rt r = {notice, pf != NULL ? &pf->markup : &text_plain, opts, NULL, "", 0, (int)kind};
	const struct tpl_row *row;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!json_is_object(notice) || (r.vars = json_object()) == NULL)
		return NULL;
	row = text_prepare(&r);
	f = open_memstream(&buf, &len);
	if (f == NULL || r.failed) {
		if (f != NULL)
			fclose(f);
		free(buf);
		json_decref(r.vars);
		return NULL;
	}
	if (row != NULL) {
		fmt_tag(f, r.m, row->tag, row->tone);
		if (tpl_expand(f, row->text, r.vars) != 0)
			r.failed = 1;
	} else {
		fmt_tag(f, r.m, "通知", FMT_NEUTRAL);
		fmt_put(f, r.m, json_string_value(json_object_get(r.vars, "sender")));
		fprintf(f, "通知（类型 ");
		fmt_put(f, r.m, rt_jstr(notice, "type") != NULL ? rt_jstr(notice, "type") : "？");
		fprintf(f, "，编号 %lld）。", rt_jint(notice, "id", 0));
	}
	json_decref(r.vars);
	if (ferror(f) || r.failed) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- fresh day counts */

json_t *render_fresh(const json_t *notice, const struct render_opts *opts)
{
	const char *today = opts != NULL ? opts->today : NULL;
	json_t *n = json_copy((json_t *)notice), *p, *overdue;
	long d;
	size_t i;

	/* a shallow copy: only top-level members change, and the one nested list that does is
	 * copied whole (an office's bulletin or missed list is megabytes: no second tree of it) */
	if (n == NULL || today == NULL)
		return n;
	overdue = json_object_get(n, "overdue_problems");
	if (overdue != NULL &&
	    json_object_set_new(n, "overdue_problems", json_deep_copy(overdue)) != 0) {
		json_decref(n);
		return NULL;
	}
	if (rt_streq(rt_jstr(n, "type"), "escalation") && rt_jstr(n, "due") != NULL &&
	    fmt_days_between(rt_jstr(n, "due"), today, &d) == 0 &&
	    json_object_set_new(n, "days", json_integer(d)) != 0) {
		json_decref(n);
		return NULL;
	}
	/* a reminder's days left to its due day */
	if (rt_streq(rt_jstr(n, "type"), "reminder") && json_object_get(n, "days_left") != NULL &&
	    rt_jstr(n, "due") != NULL && fmt_days_between(today, rt_jstr(n, "due"), &d) == 0 &&
	    json_object_set_new(n, "days_left", json_integer(d)) != 0) {
		json_decref(n);
		return NULL;
	}
	json_array_foreach(json_object_get(n, "overdue_problems"), i, p) {
		if (rt_jstr(p, "due") != NULL && fmt_days_between(rt_jstr(p, "due"), today, &d) == 0 &&
		    json_object_set_new(p, "days", json_integer(d)) != 0) {
			json_decref(n);
			return NULL;
		}
	}
	return n;
}

/* ---- digest order */

int render_compare(const json_t *a, const json_t *b)
{
	/* the rank is the database's (duban.notice_urgency in sql/32_notices.sql), the only one */
	long long ra = rt_jint(a, "urgency", 0), rb = rt_jint(b, "urgency", 0), ia, ib;

	if (ra != rb)
		return ra > rb ? -1 : 1;
	ia = rt_jint(a, "id", 0);
	ib = rt_jint(b, "id", 0);
	return ia < ib ? -1 : ia > ib;
}
