/* The Chinese text of one notice in the official terms (提示/警示/督办/约谈, 验收, 销号, 报送,
 * 通报, 扣分, 回头看), as plain text, chat markdown or Slack mrkdwn; and the urgency order. */
#include "duban/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Output under construction: a memory stream and the markup style. */
struct out {
	FILE *f;
	enum render_style st;
};

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long jint(const json_t *o, const char *key, long long dflt)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v) && json_real_value(v) > -1e15 && json_real_value(v) < 1e15)
		return (long long)json_real_value(v);
	if (json_is_string(v)) {
		char *end;
		long long x = strtoll(json_string_value(v), &end, 10);
		if (end != json_string_value(v))
			return x;
	}
	return dflt;
}

static int streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Writes dynamic text, escaping & < > for Slack. */
static void out_put(struct out *o, const char *s)
{
	if (s == NULL)
		return;
	if (o->st != RENDER_MRKDWN) {
		fputs(s, o->f);
		return;
	}
	for (; *s != '\0'; s++) {
		if (*s == '&')
			fputs("&amp;", o->f);
		else if (*s == '<')
			fputs("&lt;", o->f);
		else if (*s == '>')
			fputs("&gt;", o->f);
		else
			fputc(*s, o->f);
	}
}

/* The stage tag, bold in the chat styles (a space after keeps strict parsers happy). */
static void out_tag(struct out *o, const char *name)
{
	if (o->st == RENDER_MARKDOWN)
		fprintf(o->f, "**【%s】** ", name);
	else if (o->st == RENDER_MRKDWN)
		fprintf(o->f, "*【%s】* ", name);
	else
		fprintf(o->f, "【%s】", name);
}

/* Starts a list line. */
static void out_item(struct out *o)
{
	fputs(o->st == RENDER_MRKDWN ? "\n• " : "\n- ", o->f);
}

/* Starts a new non-list line (markdown needs a blank line to break one). */
static void out_line(struct out *o)
{
	fputs(o->st == RENDER_MARKDOWN ? "\n\n" : "\n", o->f);
}

/* Title of problem ref: problem_titles[ref], or title when ref is the notice's problem. */
static const char *text_title(const json_t *n, const char *ref)
{
	const json_t *map = json_object_get(n, "problem_titles");
	const char *t = NULL;

	if (ref != NULL && json_is_object(map))
		t = jstr(map, ref);
	if (t == NULL && streq(ref, jstr(n, "problem")))
		t = jstr(n, "title");
	return t;
}

/* "ZY-07「河道非法采砂」" */
static void out_problem(struct out *o, const char *ref, const char *title)
{
	out_put(o, ref != NULL ? ref : "(编号不详)");
	if (title != NULL && *title != '\0') {
		fputs("「", o->f);
		out_put(o, title);
		fputs("」", o->f);
	}
}

/* The name of unit code: units[].name, unit_names[code], or the code itself. */
static const char *text_unit_name(const json_t *n, const char *code)
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

/* A list of units (codes or {unit, name} objects) joined with 、. */
static void out_units(struct out *o, const json_t *n, const json_t *arr)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		const char *name = json_is_string(v) ? text_unit_name(n, json_string_value(v))
						      : jstr(v, "name");
		if (name == NULL)
			name = text_unit_name(n, jstr(v, "unit"));
		if (i > 0)
			fputs("、", o->f);
		out_put(o, name != NULL ? name : "?");
	}
}

/* One list line per problem (refs or {ref, title} objects). */
static void out_problems(struct out *o, const json_t *n, const json_t *arr)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		const char *ref = json_is_string(v) ? json_string_value(v) : jstr(v, "ref");
		const char *title = json_is_object(v) ? jstr(v, "title") : NULL;
		out_item(o);
		out_problem(o, ref, title != NULL ? title : text_title(n, ref));
	}
}

/* "问题 ZY-07「河道非法采砂」" opening a sentence (a space ends a bare ref). */
static void out_subject(struct out *o, const json_t *n)
{
	const char *ref = jstr(n, "problem"), *title = text_title(n, ref);

	fputs("问题 ", o->f);
	out_problem(o, ref, title);
	if (title == NULL || *title == '\0')
		fputs(" ", o->f);
}

static const char *text_main_unit(const json_t *n)
{
	return jstr(n, "unit_name") != NULL ? jstr(n, "unit_name") : jstr(n, "unit");
}

static const char *text_lead(const json_t *n)
{
	return jstr(n, "lead_name") != NULL ? jstr(n, "lead_name") : jstr(n, "lead");
}

/* "整改时限 D,剩余 N 天" / ",今日到期" / "已超过整改时限 N 天"; term names the date
 * (整改时限, or 阶段性目标时限 when D is a long-term task's milestone). */
static void out_days(struct out *o, const char *term, const char *due, long long days)
{
	if (days > 0) {
		fprintf(o->f, "已超过%s %lld 天", term, days);
		return;
	}
	fprintf(o->f, "%s ", term);
	out_put(o, due != NULL ? due : "(未定)");
	if (days < 0)
		fprintf(o->f, ",剩余 %lld 天", -days);
	else
		fputs(",今日到期", o->f);
}

static void text_escalation(struct out *o, const json_t *n)
{
	const char *stage = jstr(n, "stage"), *unit = text_main_unit(n), *lead = text_lead(n);
	const char *due = jstr(n, "due") != NULL ? jstr(n, "due") : jstr(n, "deadline");
	long long days = jint(n, "days", 0), progress = jint(n, "progress", -1);
	long long bar = jint(n, "threshold", 80);
	const char *deadline = jstr(n, "deadline");
	const char *term = due != NULL && deadline != NULL && !streq(due, deadline)
			   ? "阶段性目标时限" : "整改时限";

	out_tag(o, streq(stage, "interview") ? "约谈" : streq(stage, "supervise") ? "督办"
		   : streq(stage, "warn")    ? "警示" : "提示");
	out_subject(o, n);
	out_days(o, term, due, days);
	if (streq(stage, "supervise"))
		fprintf(o->f, "(第 %lld 次督办)", jint(n, "cycle", 1));
	if (streq(stage, "interview"))
		fputs(",经督办仍未完成整改", o->f);
	if (days > 0 && due != NULL) {
		fprintf(o->f, ",%s ", term);
		out_put(o, due);
	}
	if (progress >= 0)
		fprintf(o->f, ",整改进度 %lld%%", progress);
	if (streq(stage, "warn") && progress >= 0 && progress < bar)
		fprintf(o->f, "(低于 %lld%%)", bar);
	fputs("。", o->f);
	if (unit != NULL) {
		fputs("主体责任单位:", o->f);
		out_put(o, unit);
		fputs("。", o->f);
	}
	if (streq(stage, "warn") && lead != NULL) {
		fputs("监管(验收)牵头单位:", o->f);
		out_put(o, lead);
		fputs("。", o->f);
	}
	if (streq(stage, "supervise"))
		fputs("请立即整改并报送整改进展。", o->f);
	if (streq(stage, "interview"))
		fputs("将约谈主体责任单位负责同志。", o->f);
}

static void text_acceptance(struct out *o, const json_t *n)
{
	const char *lead = text_lead(n) != NULL ? text_lead(n) : jstr(n, "unit");
	const char *applied = jstr(n, "applied");
	long long wd = jint(n, "working_days", 0), limit = jint(n, "limit", 10);
	int supervise = streq(jstr(n, "stage"), "supervise");

	out_tag(o, supervise ? "验收督办" : "验收提示");
	out_subject(o, n);
	fputs("已于 ", o->f);
	out_put(o, applied != NULL ? applied : "(日期不详)");
	if (supervise)
		fprintf(o->f, " 申请验收,已超过 %lld 个工作日未验收(已过 %lld 个工作日,第 %lld 次督办),"
			      "请监管(验收)牵头单位立即完成验收。",
			limit, wd, jint(n, "cycle", 1));
	else
		fprintf(o->f, " 申请验收,已过 %lld 个工作日,请监管(验收)牵头单位在 %lld 个工作日内完成验收。",
			wd, limit);
	if (lead != NULL) {
		fputs("牵头单位:", o->f);
		out_put(o, lead);
		fputs("。", o->f);
	}
}

static void text_closed(struct out *o, const json_t *n)
{
	const char *unit = text_main_unit(n);

	out_tag(o, "销号");
	out_subject(o, n);
	fputs("公示期满无异议,已销号。", o->f);
	if (unit != NULL) {
		fputs("主体责任单位:", o->f);
		out_put(o, unit);
		fputs("。", o->f);
	}
}

/* Chinese name of a reporting schedule: schedule_label, a built-in name, or the name. */
static const char *text_schedule(const json_t *n)
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

/* "季度自查(2026-Q1)" */
static void out_schedule(struct out *o, const json_t *n)
{
	out_put(o, text_schedule(n));
	if (jstr(n, "period") != NULL) {
		fputs("(", o->f);
		out_put(o, jstr(n, "period"));
		fputs(")", o->f);
	}
}

static void text_reminder(struct out *o, const json_t *n)
{
	const char *sched = jstr(n, "schedule"), *due = jstr(n, "due");
	const json_t *problems = json_object_get(n, "problems");

	out_tag(o, "报送提醒");
	out_schedule(o, n);
	if (due != NULL) {
		fputs("请于 ", o->f);
		out_put(o, due);
		fputs(" 前报送", o->f);
	} else {
		fputs("请按时报送", o->f);
	}
	if (json_array_size(problems) > 0) {
		fprintf(o->f, "以下 %zu 个问题的整改进展:", json_array_size(problems));
		out_problems(o, n, problems);
		return;
	}
	if (streq(sched, "monthly-self-found"))
		fputs(",每月至少上报 1 个自查发现的问题", o->f);
	fputs("。", o->f);
}

static void text_missed(struct out *o, const json_t *n)
{
	out_tag(o, "逾期未报");
	out_schedule(o, n);
	fputs("未按时报送单位:", o->f);
	out_units(o, n, json_object_get(n, "units"));
	fputs("。", o->f);
}

/* "62.5%": rate as a fraction 0..1 (values above 1 taken as a percentage). */
static void out_rate(struct out *o, const json_t *v)
{
	double r = json_number_value(v);

	if (!json_is_number(v)) {
		fputs("-", o->f);
		return;
	}
	if (r <= 1.0)
		r *= 100.0;
	if (r - (double)(long long)r < 0.05 || r - (double)(long long)r > 0.95)
		fprintf(o->f, "%.0f%%", r);
	else
		fprintf(o->f, "%.1f%%", r);
}

static void out_bulletin_units(struct out *o, const json_t *n, const json_t *units)
{
	long long open = 0, overdue = 0, closed = 0;
	const json_t *u;
	size_t i;

	json_array_foreach(units, i, u) {
		open += jint(u, "open", 0);
		overdue += jint(u, "overdue", 0);
		closed += jint(u, "closed", 0);
	}
	out_line(o);
	fprintf(o->f, "合计:未销号 %lld 个,逾期 %lld 个,已销号 %lld 个。", open, overdue, closed);
	json_array_foreach(units, i, u) {
		const char *name = jstr(u, "name") != NULL ? jstr(u, "name")
							   : text_unit_name(n, jstr(u, "unit"));
		out_item(o);
		out_put(o, name != NULL ? name : "?");
		fprintf(o->f, ":未销号 %lld,逾期 %lld,已销号 %lld,销号率 ", jint(u, "open", 0),
			jint(u, "overdue", 0), jint(u, "closed", 0));
		out_rate(o, json_object_get(u, "rate"));
		if (json_is_number(json_object_get(u, "index")))
			fprintf(o->f, ",指数 %.1f", json_number_value(json_object_get(u, "index")));
	}
}

static void out_overdue(struct out *o, const json_t *n, const json_t *list)
{
	const json_t *p;
	size_t i;

	if (json_array_size(list) == 0)
		return;
	out_line(o);
	fprintf(o->f, "逾期问题(%zu 个):", json_array_size(list));
	json_array_foreach(list, i, p) {
		out_item(o);
		out_problem(o, jstr(p, "ref"), jstr(p, "title"));
		if (jstr(p, "unit") != NULL) {
			fputs("(", o->f);
			out_put(o, text_unit_name(n, jstr(p, "unit")));
			fputs(")", o->f);
		}
		if (jint(p, "days", 0) > 0)
			fprintf(o->f, "逾期 %lld 天", jint(p, "days", 0));
	}
}

static void text_bulletin(struct out *o, const json_t *n)
{
	out_tag(o, "通报");
	out_put(o, jstr(n, "period"));
	fputs(" 生态环境问题整改情况通报", o->f);
	out_bulletin_units(o, n, json_object_get(n, "units"));
	out_overdue(o, n, json_object_get(n, "overdue_problems"));
	if (json_array_size(json_object_get(n, "red")) > 0) {
		out_line(o);
		fputs("红榜:", o->f);
		out_units(o, n, json_object_get(n, "red"));
	}
	if (json_array_size(json_object_get(n, "black")) > 0) {
		out_line(o);
		fputs("黑榜:", o->f);
		out_units(o, n, json_object_get(n, "black"));
	}
}

static void text_deduction(struct out *o, const json_t *n)
{
	long long level = jint(n, "level", 10), total = jint(n, "total", level);
	const char *what = level >= 30 ? "约谈主要负责同志" : level >= 20 ? "约谈分管负责同志" : "警示函";
	const char *unit = text_main_unit(n);

	out_tag(o, what);
	out_put(o, unit != NULL ? unit : "");
	if (jint(n, "year", 0) > 0)
		fprintf(o->f, " %lld 年度", jint(n, "year", 0));
	else
		fputs("本年度", o->f);
	fprintf(o->f, "累计扣分 %lld 分,达到 %lld 分,", total, level);
	fputs(level >= 20 ? "将" : "发出", o->f);
	fputs(what, o->f);
	fputs(",请认真整改。", o->f);
}

static void text_sample(struct out *o, const json_t *n)
{
	const json_t *problems = json_object_get(n, "problems");

	out_tag(o, "回头看");
	out_put(o, jstr(n, "period"));
	if (json_array_size(problems) == 0) {
		fputs(" 无已销号问题需抽查。", o->f);
		return;
	}
	fprintf(o->f, " 抽查 %zu 个已销号问题:", json_array_size(problems));
	out_problems(o, n, problems);
}

static void text_test(struct out *o, const json_t *n)
{
	(void)n;
	out_tag(o, "测试");
	fputs("duban 通道测试消息", o->f);
}

static void text_unknown(struct out *o, const json_t *n)
{
	out_tag(o, "通知");
	fputs("duban 通知(类型 ", o->f);
	out_put(o, jstr(n, "type") != NULL ? jstr(n, "type") : "?");
	fprintf(o->f, ",编号 %lld)", jint(n, "id", 0));
}

static const struct {
	const char *type;
	void (*fn)(struct out *, const json_t *);
} text_types[] = {
	{"escalation", text_escalation}, {"acceptance", text_acceptance},
	{"closed", text_closed},	 {"reminder", text_reminder},
	{"missed", text_missed},	 {"bulletin", text_bulletin},
	{"deduction", text_deduction},	 {"sample", text_sample},
	{"test", text_test},
};

char *render_text(const json_t *notice, enum render_style style)
{
	void (*fn)(struct out *, const json_t *) = text_unknown;
	const char *type = jstr(notice, "type");
	char *buf = NULL;
	size_t len = 0;
	struct out o = {NULL, style};

	if (!json_is_object(notice))
		return NULL;
	for (size_t i = 0; i < sizeof text_types / sizeof text_types[0]; i++)
		if (streq(type, text_types[i].type))
			fn = text_types[i].fn;
	o.f = open_memstream(&buf, &len);
	if (o.f == NULL)
		return NULL;
	fn(&o, notice);
	if (ferror(o.f)) {
		fclose(o.f);
		free(buf);
		return NULL;
	}
	if (fclose(o.f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

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
