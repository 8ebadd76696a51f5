/* Each notice type's facts as template variables (one builder per type: escalation,
 * acceptance, transitions, reminders, missed, bulletin, deduction, sample, calendar, table),
 * day counts to the attempt's local date, and the recipient's role. */
#include "duban/render.h"
#include "duban/render_tpl.h"
#include "render_facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *render_role(const json_t *n)
{
	static const char *const roles[] = {"main", "lead", "supervisor", "office", "leadership"};
	const char *role = rt_jstr(n, "role"), *rc = rt_jstr(n, "recipient"), *type = rt_jstr(n, "type");
	const char *kind = rt_jstr(n, "recipient_kind");

	for (size_t i = 0; role != NULL && i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(role, roles[i]) == 0)
			return roles[i];
	if (rt_streq(kind, "office") || rt_streq(kind, "leadership"))
		return rt_streq(kind, "office") ? "office" : "leadership";
	if (rc == NULL)
		return "";
	if (rt_streq(type, "acceptance") || rt_streq(type, "applied"))
		return rt_streq(rc, rt_first(rt_jstr(n, "lead"), rt_jstr(n, "unit"))) ? "lead" : "";
	if (rt_streq(rc, rt_first(rt_jstr(n, "main_unit"), rt_jstr(n, "unit"))))
		return "main";
	if (rt_streq(rc, rt_jstr(n, "lead")))
		return "lead";
	if (rt_in_array(json_object_get(n, "supervisors"), rc))
		return "supervisor";
	return "";
}

/* ---- one builder per notice type */

/* Names shared by the problem types: problem, unit / main_unit, lead, contact. */
static void facts_problem(struct rt *r)
{
	const json_t *n = r->n;
	const char *type = rt_jstr(n, "type");
	int unit_is_lead = rt_streq(type, "acceptance") || rt_streq(type, "applied");
	const char *main_name = rt_first(rt_jstr(n, "main_unit_name"), rt_jstr(n, "main_unit"));
	const char *lead_name = rt_first(rt_jstr(n, "lead_name"), rt_jstr(n, "lead"));

	if (!unit_is_lead && main_name == NULL)
		main_name = rt_first(rt_jstr(n, "unit_name"), rt_jstr(n, "unit"));
	if (unit_is_lead && lead_name == NULL)
		lead_name = rt_first(rt_jstr(n, "unit_name"), rt_jstr(n, "unit"));
	rt_var_problem(r, "problem", rt_jstr(n, "problem"), rt_title_of(n, rt_jstr(n, "problem")));
	rt_var_text(r, "main_unit", main_name);
	rt_var_text(r, "unit", main_name);
	rt_var_text(r, "lead", lead_name);
	rt_var_text(r, "contact", rt_jstr(n, "contact"));
}

/* 剩余 N 天 / 今日到期 / 已超过{term} N 天, from the (fresh) days. */
static void facts_days(struct rt *r, const char *term, long long days)
{
	if (days < 0)
		rt_var_fmt(r, "left", "剩余 %lld 天", -days);
	else if (days == 0)
		rt_var_fmt(r, "left", "今日到期");
	else
		rt_var_fmt(r, "left", "已超过%s %lld 天", term, days);
}

void build_escalation(struct rt *r)
{
	const json_t *n = r->n;
	const char *due = rt_first(rt_jstr(n, "due"), rt_jstr(n, "deadline")), *deadline = rt_jstr(n, "deadline");
	const char *term = due != NULL && deadline != NULL && !rt_streq(due, deadline) ? "阶段性目标时限"
										     : "整改时限";
	const char *stage = rt_jstr(n, "stage");

	facts_problem(r);
	rt_var_fmt(r, "term", "%s", term);
	rt_var_date(r, "due", due);
	facts_days(r, term, rt_jint(n, "days", 0));
	rt_var_int(r, "cycle", "cycle");
	rt_var_int(r, "progress", "progress");
	rt_var_fmt(r, "threshold", "%lld", rt_jint(n, "threshold", 80));
	r->variant = rt_streq(stage, "interview") || rt_streq(stage, "supervise") || rt_streq(stage, "warn")
		     ? stage : "prompt";
	if (rt_streq(r->variant, "prompt") && rt_jint(n, "progress", 0) >= 100 &&
	    rt_streq(render_role(n), "main"))
		r->variant = "prompt-done";
}

void build_acceptance(struct rt *r)
{
	facts_problem(r);
	rt_var_date(r, "applied", rt_jstr(r->n, "applied"));
	rt_var_date(r, "decide_by", rt_jstr(r->n, "decide_by"));
	rt_var_int(r, "working_days", "working_days");
	rt_var_int(r, "cycle", "cycle");
	rt_var_fmt(r, "limit", "%lld", rt_jint(r->n, "limit", 10));
	r->variant = rt_streq(rt_jstr(r->n, "stage"), "supervise") ? "supervise" : "prompt";
}

/* applied, rejected, objected, publicity, closed, reopened. */
void build_transition(struct rt *r)
{
	facts_problem(r);
	rt_var_date(r, "applied", rt_jstr(r->n, "applied"));
	rt_var_date(r, "due", rt_jstr(r->n, "due"));
	rt_var_date(r, "from", rt_jstr(r->n, "from"));
	rt_var_date(r, "to", rt_jstr(r->n, "to"));
	rt_var_date(r, "closed_on", rt_jstr(r->n, "closed_on"));
	rt_var_text(r, "reason", rt_jstr(r->n, "reason"));
	rt_var_fmt(r, "limit", "%lld", rt_jint(r->n, "limit", 10));
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
	const char *s = rt_jstr(n, "schedule");

	if (rt_jstr(n, "schedule_label") != NULL)
		return rt_jstr(n, "schedule_label");
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (rt_streq(s, known[i][0]))
			return known[i][1];
	return s != NULL ? s : "报送事项";
}

static void facts_schedule(struct rt *r)
{
	rt_var_text(r, "schedule", schedule_name(r->n));
	rt_var_period(r, "period", rt_jstr(r->n, "period"));
	rt_var_date(r, "due", rt_jstr(r->n, "due"));
}

void build_reminder(struct rt *r)
{
	const json_t *problems = json_object_get(r->n, "problems");
	const char *s = rt_jstr(r->n, "schedule");

	facts_schedule(r);
	if (json_array_size(problems) > 0) {
		rt_var_problem_list(r, "list", problems);
		rt_var_fmt(r, "count", "%zu", json_array_size(problems));
		r->variant = "dispatch";
	} else if (rt_streq(s, "monthly-self-found")) {
		r->variant = "self-found";
	}
}

void build_missed(struct rt *r)
{
	const json_t *units = json_object_get(r->n, "units");

	facts_schedule(r);
	rt_var_units(r, "units", units, NULL);
	rt_var_fmt(r, "count", "%zu", json_array_size(units));
	if (rt_jstr(r->n, "unit") != NULL)
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

	if ((f = rt_var_open(r, &buf, &len)) == NULL)
		return;
	if ((none = rt_var_open(r, &nbuf, &nlen)) == NULL) {
		rt_var_close(r, "lines", f, &buf);
		return;
	}
	json_array_foreach(units, i, u) {
		const char *nm = rt_first(rt_jstr(u, "name"), rt_unit_name(r->n, rt_jstr(u, "unit")));
		long long uo = rt_jint(u, "open", 0), ud = rt_jint(u, "overdue", 0), uc = rt_jint(u, "closed", 0);

		open += uo;
		overdue += ud;
		closed += uc;
		if (uo + ud + uc == 0 && !rt_jhas_int(u, "place")) {
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
		if (rt_jhas_int(u, "place"))
			fprintf(f, "，第 %lld 名", rt_jint(u, "place", 0));
		fputs("。", f);
	}
	rt_var_close(r, "lines", f, &buf);
	rt_var_close(r, "none", none, &nbuf);
	rt_var_fmt(r, "summary", "%s合计：未销号 %lld 个，逾期 %lld 个，已销号 %lld 个。", r->m->br, open,
		overdue, closed);
}

void build_bulletin(struct rt *r)
{
	const json_t *n = r->n, *units = json_object_get(n, "units");

	rt_var_period(r, "period", rt_jstr(n, "period"));
	rt_var_fmt(r, "br", "%s", r->m->br);
	rt_var_problem_list(r, "overdue_list", json_object_get(n, "overdue_problems"));
	if (rt_jstr(n, "unit") != NULL) { /* one unit's own line */
		double x = json_number_value(json_object_get(n, "index"));

		r->variant = "unit";
		rt_var_int(r, "open", "open");
		rt_var_int(r, "overdue", "overdue");
		rt_var_int(r, "closed", "closed");
		rt_var_int(r, "place", "place");
		rt_var_int(r, "ranked", "ranked");
		if (json_is_number(json_object_get(n, "rate"))) {
			char *buf;
			size_t len;
			FILE *f = rt_var_open(r, &buf, &len);
			if (f != NULL) {
				fmt_rate(f, json_number_value(json_object_get(n, "rate")));
				rt_var_close(r, "rate", f, &buf);
			}
		}
		if (json_is_number(json_object_get(n, "index")))
			rt_var_fmt(r, "index", "%.1f", x < 0 ? 0.0 : x);
		if (rt_streq(rt_jstr(n, "list"), "red") || rt_streq(rt_jstr(n, "list"), "black"))
			rt_var_fmt(r, "list_name", "%s", rt_streq(rt_jstr(n, "list"), "red") ? "红榜" : "黑榜");
		return;
	}
	facts_bulletin_units(r, units);
	if (json_array_size(json_object_get(n, "none")) > 0) /* units without problems, one line */
		rt_var_units(r, "none", json_object_get(n, "none"), NULL);
	rt_var_units(r, "red", json_object_get(n, "red"), units);
	rt_var_units(r, "black", json_object_get(n, "black"), units);
}

void build_deduction(struct rt *r)
{
	long long level = rt_jint(r->n, "level", 10), total = rt_jint(r->n, "total", level);

	rt_var_text(r, "unit", rt_first(rt_jstr(r->n, "unit_name"), rt_jstr(r->n, "unit")));
	rt_var_fmt(r, "total", "%lld", total);
	if (rt_jint(r->n, "year", 0) > 0)
		rt_var_fmt(r, "year", "%lld", rt_jint(r->n, "year", 0));
	else
		rt_var_fmt(r, "year", "本");
	r->variant = level >= 30 ? "30" : level >= 20 ? "20" : "10";
}

void build_sample(struct rt *r)
{
	const json_t *problems = json_object_get(r->n, "problems");

	rt_var_period(r, "period", rt_jstr(r->n, "period"));
	rt_var_problem_list(r, "list", problems);
	rt_var_fmt(r, "count", "%zu", json_array_size(problems));
	if (json_array_size(problems) == 0)
		r->variant = "none";
}

void build_calendar(struct rt *r)
{
	rt_var_date(r, "until", rt_jstr(r->n, "until"));
	rt_var_int(r, "year", "year");
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
	if ((f = rt_var_open(r, &buf, &len)) != NULL) {
		fmt_link(f, r->m, title, url);
		rt_var_close(r, "link", f, &buf);
	}
	free(url);
}

/* A table on a schedule: WeCom robots get the file (a table_file notice follows), other kinds
 * a link to the console's export under web.base_url, else the dubanctl command. */
void build_table(struct rt *r)
{
	const char *table = rt_jstr(r->n, "table"), *title = table_title(table);
	const char *base = r->o != NULL ? r->o->base_url : NULL;

	facts_schedule(r);
	rt_var_text(r, "table", title != NULL ? title : table);
	if (table != NULL && title != NULL)
		rt_var_fmt(r, "table_name", "%s", table); /* one of the five names: nothing to escape */
	if (r->kind == RENDER_WECOM)
		r->variant = "file";
	else if (base != NULL && *base != '\0' && title != NULL) {
		var_table_link(r, base, table, title);
		r->variant = "link";
	}
}
