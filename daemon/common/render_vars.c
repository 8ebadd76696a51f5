/* The template variables of a notice being rendered: payload accessors, and writers that put
 * marked-up text, official dates and periods, problems (with their link under web.base_url),
 * problem lists and unit lists into the variables the templates fill in. */
#include "duban/render.h"
#include "duban/render_tpl.h"
#include "render_facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *rt_jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int rt_jhas_int(const json_t *o, const char *key)
{
	return json_is_number(json_object_get(o, key));
}

long long rt_jint(const json_t *o, const char *key, long long dflt)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v) && json_real_value(v) > -1e15 && json_real_value(v) < 1e15)
		return (long long)json_real_value(v);
	return dflt;
}

int rt_streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

const char *rt_first(const char *a, const char *b)
{
	return a != NULL ? a : b;
}

/* ---- variables */

/* Opens a memory stream for a variable; NULL (and rt failed) on error. */
FILE *rt_var_open(struct rt *r, char **buf, size_t *len)
{
	FILE *f;

	*buf = NULL;
	*len = 0;
	f = open_memstream(buf, len);
	if (f == NULL)
		r->failed = 1;
	return f;
}

/* Closes the stream and stores its text as variable name. */
void rt_var_close(struct rt *r, const char *name, FILE *f, char **buf)
{
	int bad = ferror(f);

	if (fclose(f) != 0 || bad || json_object_set_new(r->vars, name, json_string(*buf)) != 0)
		r->failed = 1;
	free(*buf);
}

/* Dynamic text, escaped for the kind. Nothing when s is NULL. */
void rt_var_text(struct rt *r, const char *name, const char *s)
{
	char *buf;
	size_t len;
	FILE *f;

	if (s == NULL || (f = rt_var_open(r, &buf, &len)) == NULL)
		return;
	fmt_put(f, r->m, s);
	rt_var_close(r, name, f, &buf);
}

/* Trusted text made by the renderer (numbers, fixed words). */
void rt_var_fmt(struct rt *r, const char *name, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0 || json_object_set_new(r->vars, name, json_string(s)) != 0)
		r->failed = 1;
	free(s);
}

void rt_var_date(struct rt *r, const char *name, const char *iso)
{
	char *buf;
	size_t len;
	FILE *f;

	if (iso == NULL || (f = rt_var_open(r, &buf, &len)) == NULL)
		return;
	fmt_date(f, iso);
	rt_var_close(r, name, f, &buf);
}

void rt_var_period(struct rt *r, const char *name, const char *period)
{
	char *buf;
	size_t len;
	FILE *f;

	if (period == NULL || (f = rt_var_open(r, &buf, &len)) == NULL)
		return;
	fmt_period(f, period);
	rt_var_close(r, name, f, &buf);
}

void rt_var_int(struct rt *r, const char *name, const char *key)
{
	if (rt_jhas_int(r->n, key))
		rt_var_fmt(r, name, "%lld", rt_jint(r->n, key, 0));
}

/* "ZY-07「河道非法采砂」", linked to the console's page of the problem when base_url is set. */
static void rt_out_problem(FILE *f, const struct rt *r, const char *ref, const char *title)
{
	const char *base = r->o != NULL ? r->o->base_url : NULL;
	char *label = NULL, *url = NULL;

	ref = ref != NULL ? ref : "（编号不详）";
	if (asprintf(&label, "%s%s%s%s", ref, title != NULL && *title != '\0' ? "「" : "",
		     title != NULL ? title : "", title != NULL && *title != '\0' ? "」" : "") < 0)
		label = NULL;
	if (base != NULL && *base != '\0') {
		size_t bl = strlen(base);
		FILE *u;
		size_t ulen = 0;

		u = open_memstream(&url, &ulen);
		if (u != NULL) {
			fprintf(u, "%.*s/problems/", (int)(bl > 0 && base[bl - 1] == '/' ? bl - 1 : bl),
				base);
			for (const unsigned char *p = (const unsigned char *)ref; *p != '\0'; p++) {
				if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
				    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~')
					fputc(*p, u);
				else
					fprintf(u, "%%%02X", *p);
			}
			if (fclose(u) != 0) {
				free(url);
				url = NULL;
			}
		}
	}
	fmt_link(f, r->m, label != NULL ? label : ref, url);
	free(label);
	free(url);
}

void rt_var_problem(struct rt *r, const char *name, const char *ref, const char *title)
{
	char *buf;
	size_t len;
	FILE *f;

	if ((f = rt_var_open(r, &buf, &len)) == NULL)
		return;
	rt_out_problem(f, r, ref, title);
	rt_var_close(r, name, f, &buf);
}

/* Title of problem ref: problem_titles[ref], or title when ref is the notice's problem. */
const char *rt_title_of(const json_t *n, const char *ref)
{
	const json_t *map = json_object_get(n, "problem_titles");
	const char *t = NULL;

	if (ref != NULL && json_is_object(map))
		t = rt_jstr(map, ref);
	if (t == NULL && rt_streq(ref, rt_jstr(n, "problem")))
		t = rt_jstr(n, "title");
	return t;
}

/* The name of unit code: units[].name, unit_names[code], or the code itself. */
const char *rt_unit_name(const json_t *n, const char *code)
{
	const json_t *units = json_object_get(n, "units");
	const json_t *map = json_object_get(n, "unit_names");
	const json_t *u;
	size_t i;

	if (code == NULL)
		return NULL;
	json_array_foreach(units, i, u) {
		if (rt_streq(rt_jstr(u, "unit"), code) && rt_jstr(u, "name") != NULL)
			return rt_jstr(u, "name");
	}
	if (json_is_object(map) && rt_jstr(map, code) != NULL)
		return rt_jstr(map, code);
	return code;
}

/* A list of problems (refs or {ref, title[, unit, days]} objects), one line each: "（1）…". */
void rt_var_problem_list(struct rt *r, const char *name, const json_t *arr)
{
	const json_t *v;
	char *buf;
	size_t len, i;
	FILE *f;

	if (json_array_size(arr) == 0 || (f = rt_var_open(r, &buf, &len)) == NULL)
		return;
	json_array_foreach(arr, i, v) {
		const char *ref = json_is_string(v) ? json_string_value(v) : rt_jstr(v, "ref");
		const char *title = json_is_object(v) ? rt_jstr(v, "title") : NULL;
		const char *unit = json_is_object(v) ? rt_jstr(v, "unit") : NULL;

		fprintf(f, "%s（%zu）", r->m->br, i + 1);
		rt_out_problem(f, r, ref, title != NULL ? title : rt_title_of(r->n, ref));
		if (unit != NULL && !rt_streq(rt_jstr(r->n, "recipient"), unit)) {
			fputs("，", f);
			fmt_put(f, r->m, rt_jstr(v, "unit_name") != NULL ? rt_jstr(v, "unit_name")
								      : rt_unit_name(r->n, unit));
		}
		if (json_is_object(v) && rt_jint(v, "days", 0) > 0)
			fprintf(f, "，逾期 %lld 天", rt_jint(v, "days", 0));
	}
	rt_var_close(r, name, f, &buf);
}

/* Units (codes or {unit, name} objects) joined with 、; with_index adds （指数 N）. */
void rt_var_units(struct rt *r, const char *name, const json_t *arr, const json_t *stats)
{
	const json_t *v;
	char *buf;
	size_t len, i;
	FILE *f;

	if (json_array_size(arr) == 0 || (f = rt_var_open(r, &buf, &len)) == NULL)
		return;
	json_array_foreach(arr, i, v) {
		const char *code = json_is_string(v) ? json_string_value(v) : rt_jstr(v, "unit");
		const char *nm = json_is_object(v) && rt_jstr(v, "name") != NULL ? rt_jstr(v, "name")
									      : rt_unit_name(r->n, code);
		const json_t *s;
		size_t k;

		if (i > 0)
			fputs("、", f);
		fmt_put(f, r->m, nm != NULL ? nm : "？");
		json_array_foreach(stats, k, s) {
			if (rt_streq(rt_jstr(s, "unit"), code) && json_is_number(json_object_get(s, "index"))) {
				double x = json_number_value(json_object_get(s, "index"));
				fprintf(f, "（指数 %.1f）", x < 0 ? 0.0 : x);
			}
		}
	}
	rt_var_close(r, name, f, &buf);
}

/* ---- roles */

int rt_in_array(const json_t *arr, const char *code)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		if (rt_streq(json_string_value(v), code) || rt_streq(rt_jstr(v, "unit"), code))
			return 1;
	}
	return 0;
}
