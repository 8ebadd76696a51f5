/* The text of one notice, rendered at each attempt: the facts of its type (one builder per
 * type) as template variables, the template of its type, variant and recipient role
 * (render_templates.c), official dates and periods, day counts to the attempt's local date;
 * the recipient's role; the order of a digest (the database's urgency rank). */
#include "duban/render.h"
#include "duban/render_tpl.h"
#include "render_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One notice being rendered. */
struct rt {
	const json_t *n;
	const struct fmt_markup *m;
	const struct render_opts *o;
	json_t *vars;	     /* name -> marked-up text */
	const char *variant; /* template variant */
	int failed;
	int kind;	     /* enum render_kind of the message; -1: none (render_tag) */
};

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int jhas_int(const json_t *o, const char *key)
{
	return json_is_number(json_object_get(o, key));
}

static long long jint(const json_t *o, const char *key, long long dflt)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v) && json_real_value(v) > -1e15 && json_real_value(v) < 1e15)
		return (long long)json_real_value(v);
	return dflt;
}

static int streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static const char *first(const char *a, const char *b)
{
	return a != NULL ? a : b;
}

/* ---- variables */

/* Opens a memory stream for a variable; NULL (and rt failed) on error. */
static FILE *var_open(struct rt *r, char **buf, size_t *len)
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
static void var_close(struct rt *r, const char *name, FILE *f, char **buf)
{
	int bad = ferror(f);

	if (fclose(f) != 0 || bad || json_object_set_new(r->vars, name, json_string(*buf)) != 0)
		r->failed = 1;
	free(*buf);
}

/* Dynamic text, escaped for the kind. Nothing when s is NULL. */
static void var_text(struct rt *r, const char *name, const char *s)
{
	char *buf;
	size_t len;
	FILE *f;

	if (s == NULL || (f = var_open(r, &buf, &len)) == NULL)
		return;
	fmt_put(f, r->m, s);
	var_close(r, name, f, &buf);
}

/* Trusted text made by the renderer (numbers, fixed words). */
static void var_fmt(struct rt *r, const char *name, const char *fmt, ...)
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

static void var_date(struct rt *r, const char *name, const char *iso)
{
	char *buf;
	size_t len;
	FILE *f;

	if (iso == NULL || (f = var_open(r, &buf, &len)) == NULL)
		return;
	fmt_date(f, iso);
	var_close(r, name, f, &buf);
}

static void var_period(struct rt *r, const char *name, const char *period)
{
	char *buf;
	size_t len;
	FILE *f;

	if (period == NULL || (f = var_open(r, &buf, &len)) == NULL)
		return;
	fmt_period(f, period);
	var_close(r, name, f, &buf);
}

static void var_int(struct rt *r, const char *name, const char *key)
{
	if (jhas_int(r->n, key))
		var_fmt(r, name, "%lld", jint(r->n, key, 0));
}

/* "ZY-07「河道非法采砂」", linked to the console's page of the problem when base_url is set. */
static void out_problem(FILE *f, const struct rt *r, const char *ref, const char *title)
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

static void var_problem(struct rt *r, const char *name, const char *ref, const char *title)
{
	char *buf;
	size_t len;
	FILE *f;

	if ((f = var_open(r, &buf, &len)) == NULL)
		return;
	out_problem(f, r, ref, title);
	var_close(r, name, f, &buf);
}

/* Title of problem ref: problem_titles[ref], or title when ref is the notice's problem. */
static const char *title_of(const json_t *n, const char *ref)
{
	const json_t *map = json_object_get(n, "problem_titles");
	const char *t = NULL;

	if (ref != NULL && json_is_object(map))
		t = jstr(map, ref);
	if (t == NULL && streq(ref, jstr(n, "problem")))
		t = jstr(n, "title");
	return t;
}

/* The name of unit code: units[].name, unit_names[code], or the code itself. */
static const char *unit_name(const json_t *n, const char *code)
{
	const json_t *units = json_object_get(n, "units");
	const json_t *map = json_object_get(n, "unit_names");
	const json_t *u;
	size_t i;

	if (code == NULL)
		return NULL;
	json_array_foreach(units, i, u) {
		if (streq(jstr(u, "unit"), code) && jstr(u, "name") != NULL)
			return jstr(u, "name");
	}
	if (json_is_object(map) && jstr(map, code) != NULL)
		return jstr(map, code);
	return code;
}

/* A list of problems (refs or {ref, title[, unit, days]} objects), one line each: "（1）…". */
static void var_problem_list(struct rt *r, const char *name, const json_t *arr)
{
	const json_t *v;
	char *buf;
	size_t len, i;
	FILE *f;

	if (json_array_size(arr) == 0 || (f = var_open(r, &buf, &len)) == NULL)
		return;
	json_array_foreach(arr, i, v) {
		const char *ref = json_is_string(v) ? json_string_value(v) : jstr(v, "ref");
		const char *title = json_is_object(v) ? jstr(v, "title") : NULL;
		const char *unit = json_is_object(v) ? jstr(v, "unit") : NULL;

		fprintf(f, "%s（%zu）", r->m->br, i + 1);
		out_problem(f, r, ref, title != NULL ? title : title_of(r->n, ref));
		if (unit != NULL && !streq(jstr(r->n, "recipient"), unit)) {
			fputs("，", f);
			fmt_put(f, r->m, jstr(v, "unit_name") != NULL ? jstr(v, "unit_name")
								      : unit_name(r->n, unit));
		}
		if (json_is_object(v) && jint(v, "days", 0) > 0)
			fprintf(f, "，逾期 %lld 天", jint(v, "days", 0));
	}
	var_close(r, name, f, &buf);
}

/* Units (codes or {unit, name} objects) joined with 、; with_index adds （指数 N）. */
static void var_units(struct rt *r, const char *name, const json_t *arr, const json_t *stats)
{
	const json_t *v;
	char *buf;
	size_t len, i;
	FILE *f;

	if (json_array_size(arr) == 0 || (f = var_open(r, &buf, &len)) == NULL)
		return;
	json_array_foreach(arr, i, v) {
		const char *code = json_is_string(v) ? json_string_value(v) : jstr(v, "unit");
		const char *nm = json_is_object(v) && jstr(v, "name") != NULL ? jstr(v, "name")
									      : unit_name(r->n, code);
		const json_t *s;
		size_t k;

		if (i > 0)
			fputs("、", f);
		fmt_put(f, r->m, nm != NULL ? nm : "？");
		json_array_foreach(stats, k, s) {
			if (streq(jstr(s, "unit"), code) && json_is_number(json_object_get(s, "index"))) {
				double x = json_number_value(json_object_get(s, "index"));
				fprintf(f, "（指数 %.1f）", x < 0 ? 0.0 : x);
			}
		}
	}
	var_close(r, name, f, &buf);
}

/* ---- roles */

static int in_array(const json_t *arr, const char *code)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		if (streq(json_string_value(v), code) || streq(jstr(v, "unit"), code))
			return 1;
	}
	return 0;
}

const char *render_role(const json_t *n)
{
	static const char *const roles[] = {"main", "lead", "supervisor", "office", "leadership"};
	const char *role = jstr(n, "role"), *rc = jstr(n, "recipient"), *type = jstr(n, "type");
	const char *kind = jstr(n, "recipient_kind");

	for (size_t i = 0; role != NULL && i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(role, roles[i]) == 0)
			return roles[i];
	if (streq(kind, "office") || streq(kind, "leadership"))
		return streq(kind, "office") ? "office" : "leadership";
	if (rc == NULL)
		return "";
	if (streq(type, "acceptance") || streq(type, "applied"))
		return streq(rc, first(jstr(n, "lead"), jstr(n, "unit"))) ? "lead" : "";
	if (streq(rc, first(jstr(n, "main_unit"), jstr(n, "unit"))))
		return "main";
	if (streq(rc, jstr(n, "lead")))
		return "lead";
	if (in_array(json_object_get(n, "supervisors"), rc))
		return "supervisor";
	return "";
}

/* ---- one builder per notice type */

/* Names shared by the problem types: problem, unit / main_unit, lead, contact. */
static void facts_problem(struct rt *r)
{
	const json_t *n = r->n;
	const char *type = jstr(n, "type");
	int unit_is_lead = streq(type, "acceptance") || streq(type, "applied");
	const char *main_name = first(jstr(n, "main_unit_name"), jstr(n, "main_unit"));
	const char *lead_name = first(jstr(n, "lead_name"), jstr(n, "lead"));

	if (!unit_is_lead && main_name == NULL)
		main_name = first(jstr(n, "unit_name"), jstr(n, "unit"));
	if (unit_is_lead && lead_name == NULL)
		lead_name = first(jstr(n, "unit_name"), jstr(n, "unit"));
	var_problem(r, "problem", jstr(n, "problem"), title_of(n, jstr(n, "problem")));
	var_text(r, "main_unit", main_name);
	var_text(r, "unit", main_name);
	var_text(r, "lead", lead_name);
	var_text(r, "contact", jstr(n, "contact"));
}

/* 剩余 N 天 / 今日到期 / 已超过{term} N 天, from the (fresh) days. */
static void facts_days(struct rt *r, const char *term, long long days)
{
	if (days < 0)
		var_fmt(r, "left", "剩余 %lld 天", -days);
	else if (days == 0)
		var_fmt(r, "left", "今日到期");
	else
		var_fmt(r, "left", "已超过%s %lld 天", term, days);
}

static void build_escalation(struct rt *r)
{
	const json_t *n = r->n;
	const char *due = first(jstr(n, "due"), jstr(n, "deadline")), *deadline = jstr(n, "deadline");
	const char *term = due != NULL && deadline != NULL && !streq(due, deadline) ? "阶段性目标时限"
										     : "整改时限";
	const char *stage = jstr(n, "stage");

	facts_problem(r);
	var_fmt(r, "term", "%s", term);
	var_date(r, "due", due);
	facts_days(r, term, jint(n, "days", 0));
	var_int(r, "cycle", "cycle");
	var_int(r, "progress", "progress");
	var_fmt(r, "threshold", "%lld", jint(n, "threshold", 80));
	r->variant = streq(stage, "interview") || streq(stage, "supervise") || streq(stage, "warn")
		     ? stage : "prompt";
	if (streq(r->variant, "prompt") && jint(n, "progress", 0) >= 100 &&
	    streq(render_role(n), "main"))
		r->variant = "prompt-done";
}

static void build_acceptance(struct rt *r)
{
	facts_problem(r);
	var_date(r, "applied", jstr(r->n, "applied"));
	var_date(r, "decide_by", jstr(r->n, "decide_by"));
	var_int(r, "working_days", "working_days");
	var_int(r, "cycle", "cycle");
	var_fmt(r, "limit", "%lld", jint(r->n, "limit", 10));
	r->variant = streq(jstr(r->n, "stage"), "supervise") ? "supervise" : "prompt";
}

/* applied, rejected, objected, publicity, closed, reopened. */
static void build_transition(struct rt *r)
{
	facts_problem(r);
	var_date(r, "applied", jstr(r->n, "applied"));
	var_date(r, "due", jstr(r->n, "due"));
	var_date(r, "from", jstr(r->n, "from"));
	var_date(r, "to", jstr(r->n, "to"));
	var_date(r, "closed_on", jstr(r->n, "closed_on"));
	var_text(r, "reason", jstr(r->n, "reason"));
	var_fmt(r, "limit", "%lld", jint(r->n, "limit", 10));
}

/* Chinese name of a reporting schedule: schedule_label, a built-in name, or the name. */
static const char *schedule_name(const json_t *n)
{
	static const char *const known[][2] = {
		{"monthly-self-found", "每月自查上报"},
		{"quarterly-self-inspection", "季度自查"},
		{"quarterly-exposure", "季度曝光"},
		{"monthly-dispatch", "每月调度"},
	};
	const char *s = jstr(n, "schedule");

	if (jstr(n, "schedule_label") != NULL)
		return jstr(n, "schedule_label");
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (streq(s, known[i][0]))
			return known[i][1];
	return s != NULL ? s : "报送事项";
}

static void facts_schedule(struct rt *r)
{
	var_text(r, "schedule", schedule_name(r->n));
	var_period(r, "period", jstr(r->n, "period"));
	var_date(r, "due", jstr(r->n, "due"));
}

static void build_reminder(struct rt *r)
{
	const json_t *problems = json_object_get(r->n, "problems");
	const char *s = jstr(r->n, "schedule");

	facts_schedule(r);
	if (json_array_size(problems) > 0) {
		var_problem_list(r, "list", problems);
		var_fmt(r, "count", "%zu", json_array_size(problems));
		r->variant = "dispatch";
	} else if (streq(s, "monthly-self-found")) {
		r->variant = "self-found";
	}
}

static void build_missed(struct rt *r)
{
	const json_t *units = json_object_get(r->n, "units");

	facts_schedule(r);
	var_units(r, "units", units, NULL);
	var_fmt(r, "count", "%zu", json_array_size(units));
	if (jstr(r->n, "unit") != NULL)
		r->variant = "unit";
}

/* The bulletin's own lines: totals, one line per ranked unit, units without problems. */
static void facts_bulletin_units(struct rt *r, const json_t *units)
{
	long long open = 0, overdue = 0, closed = 0;
	char *buf, *nbuf;
	size_t len, nlen, k = 0, nn = 0;
	const json_t *u;
	FILE *f, *none;
	size_t i;

	if ((f = var_open(r, &buf, &len)) == NULL)
		return;
	if ((none = var_open(r, &nbuf, &nlen)) == NULL) {
		var_close(r, "lines", f, &buf);
		return;
	}
	json_array_foreach(units, i, u) {
		const char *nm = first(jstr(u, "name"), unit_name(r->n, jstr(u, "unit")));
		long long uo = jint(u, "open", 0), ud = jint(u, "overdue", 0), uc = jint(u, "closed", 0);

		open += uo;
		overdue += ud;
		closed += uc;
		if (uo + ud + uc == 0 && !jhas_int(u, "place")) {
			fputs(nn++ > 0 ? "、" : "", none);
			fmt_put(none, r->m, nm);
			continue;
		}
		fprintf(f, "%s（%zu）", r->m->br, ++k);
		fmt_put(f, r->m, nm != NULL ? nm : "？");
		fprintf(f, "：未销号 %lld 个，逾期 %lld 个，已销号 %lld 个，销号率 ", uo, ud, uc);
		fmt_rate(f, json_number_value(json_object_get(u, "rate")));
		if (json_is_number(json_object_get(u, "index"))) {
			double x = json_number_value(json_object_get(u, "index"));
			fprintf(f, "，指数 %.1f", x < 0 ? 0.0 : x);
		}
		if (jhas_int(u, "place"))
			fprintf(f, "，第 %lld 名", jint(u, "place", 0));
		fputs("。", f);
	}
	var_close(r, "lines", f, &buf);
	var_close(r, "none", none, &nbuf);
	var_fmt(r, "summary", "%s合计：未销号 %lld 个，逾期 %lld 个，已销号 %lld 个。", r->m->br, open,
		overdue, closed);
}

static void build_bulletin(struct rt *r)
{
	const json_t *n = r->n, *units = json_object_get(n, "units");

	var_period(r, "period", jstr(n, "period"));
	var_fmt(r, "br", "%s", r->m->br);
	var_problem_list(r, "overdue_list", json_object_get(n, "overdue_problems"));
	if (jstr(n, "unit") != NULL) { /* one unit's own line */
		double x = json_number_value(json_object_get(n, "index"));

		r->variant = "unit";
		var_int(r, "open", "open");
		var_int(r, "overdue", "overdue");
		var_int(r, "closed", "closed");
		var_int(r, "place", "place");
		var_int(r, "ranked", "ranked");
		if (json_is_number(json_object_get(n, "rate"))) {
			char *buf;
			size_t len;
			FILE *f = var_open(r, &buf, &len);
			if (f != NULL) {
				fmt_rate(f, json_number_value(json_object_get(n, "rate")));
				var_close(r, "rate", f, &buf);
			}
		}
		if (json_is_number(json_object_get(n, "index")))
			var_fmt(r, "index", "%.1f", x < 0 ? 0.0 : x);
		if (streq(jstr(n, "list"), "red") || streq(jstr(n, "list"), "black"))
			var_fmt(r, "list_name", "%s", streq(jstr(n, "list"), "red") ? "红榜" : "黑榜");
		return;
	}
	facts_bulletin_units(r, units);
	if (json_array_size(json_object_get(n, "none")) > 0) /* units without problems, one line */
		var_units(r, "none", json_object_get(n, "none"), NULL);
	var_units(r, "red", json_object_get(n, "red"), units);
	var_units(r, "black", json_object_get(n, "black"), units);
}

static void build_deduction(struct rt *r)
{
	long long level = jint(r->n, "level", 10), total = jint(r->n, "total", level);

	var_text(r, "unit", first(jstr(r->n, "unit_name"), jstr(r->n, "unit")));
	var_fmt(r, "total", "%lld", total);
	if (jint(r->n, "year", 0) > 0)
		var_fmt(r, "year", "%lld", jint(r->n, "year", 0));
	else
		var_fmt(r, "year", "本");
	r->variant = level >= 30 ? "30" : level >= 20 ? "20" : "10";
}

static void build_sample(struct rt *r)
{
	const json_t *problems = json_object_get(r->n, "problems");

	var_period(r, "period", jstr(r->n, "period"));
	var_problem_list(r, "list", problems);
	var_fmt(r, "count", "%zu", json_array_size(problems));
	if (json_array_size(problems) == 0)
		r->variant = "none";
}

static void build_calendar(struct rt *r)
{
	var_date(r, "until", jstr(r->n, "until"));
	var_int(r, "year", "year");
}

/* The office's name of a §11 table (dubanctl export TABLE); NULL for an unknown one. */
static const char *table_title(const char *table)
{
	static const char *const names[][2] = {
		{"ledger", "问题台账"},
		{"attachment1", "附件1《尚未办结问题整改进展情况自查表》"},
		{"attachment2", "附件2《群众举报问题办理情况汇总表》"},
		{"bulletin", "通报排名表"},
		{"closure", "问题销号情况统计表"},
	};

	for (size_t i = 0; table != NULL && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(table, names[i][0]) == 0)
			return names[i][1];
	return NULL;
}

/* BASE/api/export/TABLE?format=xlsx: the console's download of the table as of now. */
static void var_table_link(struct rt *r, const char *base, const char *table, const char *title)
{
	size_t bl = strlen(base);
	char *buf, *url = NULL;
	size_t len;
	FILE *f;

	if (asprintf(&url, "%.*s/api/export/%s?format=xlsx",
		     (int)(bl > 0 && base[bl - 1] == '/' ? bl - 1 : bl), base, table) < 0) {
		r->failed = 1;
		return;
	}
	if ((f = var_open(r, &buf, &len)) != NULL) {
		fmt_link(f, r->m, title, url);
		var_close(r, "link", f, &buf);
	}
	free(url);
}

/* A table on a schedule: WeCom robots get the file (a table_file notice follows), other kinds
 * a link to the console's export under web.base_url, else the dubanctl command. */
static void build_table(struct rt *r)
{
	const char *table = jstr(r->n, "table"), *title = table_title(table);
	const char *base = r->o != NULL ? r->o->base_url : NULL;

	facts_schedule(r);
	var_text(r, "table", title != NULL ? title : table);
	if (table != NULL && title != NULL)
		var_fmt(r, "table_name", "%s", table); /* one of the five names: nothing to escape */
	if (r->kind == RENDER_WECOM)
		r->variant = "file";
	else if (base != NULL && *base != '\0' && title != NULL) {
		var_table_link(r, base, table, title);
		r->variant = "link";
	}
}

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
	int t = type_index(jstr(r->n, "type"));
	const char *sender = r->o != NULL && r->o->sender != NULL && *r->o->sender != '\0'
			     ? r->o->sender : RENDER_SENDER_DEFAULT;

	r->variant = "";
	var_text(r, "sender", sender);
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
		fmt_put(f, r.m, jstr(notice, "type") != NULL ? jstr(notice, "type") : "？");
		fprintf(f, "，编号 %lld）。", jint(notice, "id", 0));
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
	json_t *n = json_deep_copy(notice), *p;
	long d;
	size_t i;

	if (n == NULL || today == NULL)
		return n;
	if (streq(jstr(n, "type"), "escalation") && jstr(n, "due") != NULL &&
	    fmt_days_between(jstr(n, "due"), today, &d) == 0 &&
	    json_object_set_new(n, "days", json_integer(d)) != 0) {
		json_decref(n);
		return NULL;
	}
	/* a reminder's days left to its due day */
	if (streq(jstr(n, "type"), "reminder") && json_object_get(n, "days_left") != NULL &&
	    jstr(n, "due") != NULL && fmt_days_between(today, jstr(n, "due"), &d) == 0 &&
	    json_object_set_new(n, "days_left", json_integer(d)) != 0) {
		json_decref(n);
		return NULL;
	}
	json_array_foreach(json_object_get(n, "overdue_problems"), i, p) {
		if (jstr(p, "due") != NULL && fmt_days_between(jstr(p, "due"), today, &d) == 0 &&
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
	long long ra = jint(a, "urgency", 0), rb = jint(b, "urgency", 0), ia, ib;

	if (ra != rb)
		return ra > rb ? -1 : 1;
	ia = jint(a, "id", 0);
	ib = jint(b, "id", 0);
	return ia < ib ? -1 : ia > ib;
}
