/* Unit tests of the message texts: official dates and periods, day arithmetic, template
 * expansion, and the exact text of each notice type for each recipient role, with day counts
 * to the attempt's date (a prompt made on a Saturday and sent on Monday says 剩余 27 天). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/render.h"
#include "duban/render_fmt.h"
#include "duban/render_tpl.h"

static const struct render_opts opts_monday = {"清河区整改办", "2026-03-09", NULL};

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (j == NULL)
		fail_msg("bad JSON in test: %s: %s", err.text, text);
	return j;
}

/* The plain (json-kind) text of notice as of opts, compared with want. */
static void expect_text_at(const char *notice, const struct render_opts *o, const char *want)
{
	json_t *n = load(notice), *fresh = render_fresh(n, o);
	char *t;

	assert_non_null(fresh);
	t = render_text(fresh, RENDER_JSON, o);
	assert_non_null(t);
	assert_string_equal(t, want);
	free(t);
	json_decref(fresh);
	json_decref(n);
}

static void expect_text(const char *notice, const char *want)
{
	expect_text_at(notice, &opts_monday, want);
}

static char *fmt_with(void (*fn)(FILE *, const char *), const char *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, arg);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void expect_fmt(void (*fn)(FILE *, const char *), const char *arg, const char *want)
{
	char *s = fmt_with(fn, arg);

	assert_string_equal(s, want);
	free(s);
}

static void test_dates_periods(void **state)
{
	long d;

	(void)state;
	expect_fmt(fmt_date, "2026-03-31", "2026年3月31日");
	expect_fmt(fmt_date, "2026-10-04", "2026年10月4日");
	expect_fmt(fmt_date, "不详", "不详");
	expect_fmt(fmt_period, "2026-03", "2026年3月");
	expect_fmt(fmt_period, "2026-12", "2026年12月");
	expect_fmt(fmt_period, "2026-Q1", "2026年第一季度");
	expect_fmt(fmt_period, "2026-Q4", "2026年第四季度");
	expect_fmt(fmt_period, "2026-06-16", "2026年6月16日");
	expect_fmt(fmt_period, "2026-13", "2026-13");
	expect_fmt(fmt_period, "2026-Q5", "2026-Q5");
	assert_int_equal(fmt_days_between("2026-03-07", "2026-04-05", &d), 0);
	assert_int_equal(d, 29);
	assert_int_equal(fmt_days_between("2026-04-05", "2026-03-09", &d), 0);
	assert_int_equal(d, -27);
	assert_int_equal(fmt_days_between("2024-02-28", "2024-03-01", &d), 0);
	assert_int_equal(d, 2); /* leap year */
	assert_int_equal(fmt_days_between("2025-12-31", "2026-01-01", &d), 0);
	assert_int_equal(d, 1);
	assert_int_equal(fmt_days_between("2026/03/01", "2026-03-02", &d), -1);
	assert_int_equal(fmt_date_days("1970-01-01", &d), 0);
	assert_int_equal(d, 0);
}

static void expect_tpl(const char *text, const char *vars, const char *want)
{
	json_t *v = load(vars);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(tpl_expand(f, text, v), 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, want);
	free(buf);
	json_decref(v);
}

static void test_templates(void **state)
{
	json_t *v = load("{}");

	(void)state;
	expect_tpl("问题 {a}。[责任人：{b}。]", "{\"a\":\"X\",\"b\":\"王\"}", "问题 X。责任人：王。");
	expect_tpl("问题 {a}。[责任人：{b}。]", "{\"a\":\"X\"}", "问题 X。");
	expect_tpl("问题 {a}。[责任人：{b}。]", "{\"a\":\"X\",\"b\":\"\"}", "问题 X。");
	expect_tpl("[{a}和{b}]！", "{\"a\":\"甲\"}", "！");
	assert_int_equal(tpl_expand(stderr, "{open", v), -1);
	assert_int_equal(tpl_expand(stderr, "[open {a}", v), -1);
	/* every variant has a template for any role (prompt-done is only ever the main unit's),
	 * and every row is well formed */
	for (size_t i = 0; i < tpl_n_rows; i++) {
		FILE *f = fopen("/dev/null", "w");

		assert_non_null(f);
		if (strcmp(tpl_rows[i].variant, "prompt-done") != 0)
			assert_non_null(tpl_find(tpl_rows[i].type, tpl_rows[i].variant, "nobody"));
		assert_int_equal(tpl_expand(f, tpl_rows[i].text, v), 0);
		fclose(f);
		/* full-width punctuation only */
		assert_null(strchr(tpl_rows[i].text, ','));
		assert_null(strchr(tpl_rows[i].text, '('));
		assert_null(strchr(tpl_rows[i].text, ':'));
	}
	json_decref(v);
}

#define PROMPT_SAT                                                                                 \
	"{\"id\":1,\"type\":\"escalation\",\"stage\":\"prompt\",\"cycle\":1,\"problem\":\"ZY-07\","  \
	"\"unit\":\"XJ\",\"due\":\"2026-04-05\",\"days\":-29,\"progress\":40,"                      \
	"\"title\":\"河道非法采砂\",\"unit_name\":\"新街镇\",\"deadline\":\"2026-04-05\","          \
	"\"recipient\":\"XJ\",\"contact\":\"王强 13900000000\"}"

/* made on Saturday 2026-03-07 (29 days left), sent on Monday 2026-03-09: 27 days left */
static void test_prompt_saturday_to_monday(void **state)
{
	struct render_opts sat = {NULL, "2026-03-07", NULL}, none = {NULL, NULL, NULL};
	json_t *n = load(PROMPT_SAT), *fresh = render_fresh(n, &opts_monday);

	(void)state;
	expect_text(PROMPT_SAT, "【提示】问题 ZY-07「河道非法采砂」整改时限为2026年4月5日，剩余 27 天，"
				"当前整改进度 40%。请抓紧推进整改，确保按期完成。责任人：王强 13900000000。");
	expect_text_at(PROMPT_SAT, &sat, "【提示】问题 ZY-07「河道非法采砂」整改时限为2026年4月5日，"
					 "剩余 29 天，当前整改进度 40%。请抓紧推进整改，确保按期完成。"
					 "责任人：王强 13900000000。");
	/* no attempt date: the count the notice was made with */
	expect_text_at(PROMPT_SAT, &none, "【提示】问题 ZY-07「河道非法采砂」整改时限为2026年4月5日，"
					  "剩余 29 天，当前整改进度 40%。请抓紧推进整改，确保按期完成。"
					  "责任人：王强 13900000000。");
	/* the json field agrees with the text */
	assert_int_equal(json_integer_value(json_object_get(fresh, "days")), -27);
	assert_int_equal(json_integer_value(json_object_get(n, "days")), -29);
	json_decref(fresh);
	json_decref(n);
}

/* a reminder made on Friday 2026-03-06 (10 days left to 03-16), sent on Monday 03-09: 7 */
static void test_reminder_days_left_fresh(void **state)
{
	json_t *n = load("{\"id\":3,\"type\":\"reminder\",\"schedule\":\"campaign\","
			 "\"period\":\"2026-03-16\",\"unit\":\"XJ\",\"due\":\"2026-03-16\","
			 "\"days_left\":10}");
	json_t *fresh = render_fresh(n, &opts_monday);

	(void)state;
	assert_non_null(fresh);
	assert_int_equal(json_integer_value(json_object_get(fresh, "days_left")), 7);
	assert_int_equal(json_integer_value(json_object_get(n, "days_left")), 10);
	json_decref(fresh);
	json_decref(n);
}

#define ESC(stage, role, extra)                                                                    \
	"{\"id\":2,\"type\":\"escalation\",\"stage\":\"" stage "\",\"cycle\":2,\"problem\":\"ZY-07\"," \
	"\"unit\":\"XJ\",\"due\":\"2026-03-01\",\"deadline\":\"2026-03-01\",\"progress\":40,"          \
	"\"title\":\"河道非法采砂\",\"unit_name\":\"新街镇\",\"lead\":\"SLJ\",\"lead_name\":\"区水利局\"," \
	"\"role\":\"" role "\"" extra "}"

static void test_escalation_roles(void **state)
{
	(void)state;
	expect_text(ESC("prompt", "main", ",\"progress\":100"),
		    "【提示】问题 ZY-07「河道非法采砂」整改进度已达 100%，整改时限为2026年3月1日，"
		    "已超过整改时限 8 天。请于2026年3月1日前向监管（验收）牵头单位区水利局申请验收。");
	expect_text("{\"id\":3,\"type\":\"escalation\",\"stage\":\"warn\",\"problem\":\"ZY-07\","
		    "\"unit\":\"XJ\",\"due\":\"2026-03-20\",\"progress\":40,\"title\":\"河道非法采砂\","
		    "\"unit_name\":\"新街镇\",\"lead_name\":\"区水利局\",\"recipient\":\"XJ\"}",
		    "【警示】问题 ZY-07「河道非法采砂」整改时限为2026年3月20日，剩余 11 天，整改进度仅 40%，"
		    "低于 80%，存在逾期风险。请立即加快整改，确保按期完成。监管（验收）牵头单位：区水利局。");
	expect_text("{\"id\":3,\"type\":\"escalation\",\"stage\":\"warn\",\"problem\":\"ZY-07\","
		    "\"unit\":\"XJ\",\"due\":\"2026-03-09\",\"progress\":40,\"title\":\"河道非法采砂\","
		    "\"unit_name\":\"新街镇\",\"lead\":\"SLJ\",\"lead_name\":\"区水利局\","
		    "\"recipient\":\"SLJ\",\"threshold\":70}",
		    "【警示】新街镇负责整改的问题 ZY-07「河道非法采砂」整改时限为2026年3月9日，今日到期，"
		    "整改进度仅 40%，低于 70%。你单位是监管（验收）牵头单位，请加强督促指导，确保按期完成整改。");
	expect_text(ESC("supervise", "main", ""),
		    "【督办】问题 ZY-07「河道非法采砂」已超过整改时限 8 天（整改时限2026年3月1日），"
		    "整改进度 40%，现予第 2 次督办。请立即整改，并每周报送整改进展。");
	expect_text(ESC("supervise", "lead", ""),
		    "【督办】新街镇负责整改的问题 ZY-07「河道非法采砂」已超过整改时限 8 天（整改时限2026年3月1日），"
		    "整改进度 40%，现予第 2 次督办。你单位是监管（验收）牵头单位，请督促指导新街镇立即整改，"
		    "整改完成后及时组织验收。");
	expect_text(ESC("supervise", "supervisor", ""),
		    "【督办】新街镇负责整改的问题 ZY-07「河道非法采砂」已超过整改时限 8 天（整改时限2026年3月1日），"
		    "整改进度 40%，现予第 2 次督办。请履行监管责任，督促指导新街镇立即整改。");
	expect_text(ESC("supervise", "office", ""),
		    "【督办】问题 ZY-07「河道非法采砂」已超过整改时限 8 天（整改时限2026年3月1日），"
		    "整改进度 40%，已第 2 次督办。主体责任单位：新街镇；监管（验收）牵头单位：区水利局。"
		    "请跟踪督办，每周调度整改进展。");
	expect_text(ESC("interview", "main", ""),
		    "【约谈】问题 ZY-07「河道非法采砂」已超过整改时限 8 天（整改时限2026年3月1日），"
		    "经督办仍未完成整改，整改进度 40%。将约谈你单位负责同志，请立即整改并做好约谈准备。");
	expect_text(ESC("interview", "supervisor", ""),
		    "【约谈】新街镇负责整改的问题 ZY-07「河道非法采砂」已超过整改时限 8 天（整改时限2026年3月1日），"
		    "经督办仍未完成整改，整改进度 40%，将约谈新街镇负责同志。请履行监管责任，督促立即整改。");
	expect_text(ESC("interview", "office", ""),
		    "【约谈】问题 ZY-07「河道非法采砂」已超过整改时限 8 天（整改时限2026年3月1日），"
		    "经督办仍未完成整改，整改进度 40%。请按程序约谈主体责任单位新街镇负责同志。");
	expect_text(ESC("interview", "leadership", ""),
		    "【约谈】问题 ZY-07「河道非法采砂」已超过整改时限 8 天（整改时限2026年3月1日），"
		    "经督办仍未完成整改，整改进度 40%，拟约谈主体责任单位新街镇负责同志，特此报告。");
	/* D is a long-term task's milestone: named as such */
	expect_text(ESC("supervise", "main", ",\"deadline\":\"2026-12-31\""),
		    "【督办】问题 ZY-07「河道非法采砂」已超过阶段性目标时限 8 天（阶段性目标时限2026年3月1日），"
		    "整改进度 40%，现予第 2 次督办。请立即整改，并每周报送整改进展。");
}

static void test_roles(void **state)
{
	json_t *n;

	(void)state;
	n = load("{\"type\":\"escalation\",\"unit\":\"XJ\",\"lead\":\"SLJ\",\"supervisors\":[\"SLJ\","
		 "\"HB\"],\"recipient\":\"HB\"}");
	assert_string_equal(render_role(n), "supervisor");
	json_object_set_new(n, "recipient", json_string("SLJ"));
	assert_string_equal(render_role(n), "lead");
	json_object_set_new(n, "recipient", json_string("XJ"));
	assert_string_equal(render_role(n), "main");
	json_object_set_new(n, "recipient_kind", json_string("leadership"));
	assert_string_equal(render_role(n), "leadership");
	json_object_set_new(n, "role", json_string("office"));
	assert_string_equal(render_role(n), "office");
	json_decref(n);
	n = load("{\"type\":\"applied\",\"unit\":\"SLJ\",\"recipient\":\"SLJ\"}");
	assert_string_equal(render_role(n), "lead");
	json_decref(n);
	n = load("{\"type\":\"bulletin\"}");
	assert_string_equal(render_role(n), "");
	json_decref(n);
}

#define PROB "\"problem\":\"ZY-05\",\"title\":\"岸线修复\""

static void test_acceptance_transitions(void **state)
{
	(void)state;
	expect_text("{\"id\":20,\"type\":\"acceptance\",\"stage\":\"prompt\",\"cycle\":1," PROB ","
		    "\"unit\":\"SLJ\",\"applied\":\"2026-02-10\",\"working_days\":8,\"decide_by\":"
		    "\"2026-03-02\",\"lead_name\":\"区水利局\",\"main_unit_name\":\"新街镇\",\"role\":\"lead\"}",
		    "【验收提示】新街镇已于2026年2月10日对问题 ZY-05「岸线修复」申请验收，已过 8 个工作日。"
		    "请监管（验收）牵头单位区水利局于2026年3月2日前完成验收。");
	expect_text("{\"id\":21,\"type\":\"acceptance\",\"stage\":\"supervise\",\"cycle\":2," PROB ","
		    "\"unit\":\"SLJ\",\"applied\":\"2026-02-10\",\"working_days\":16,\"decide_by\":"
		    "\"2026-03-02\",\"lead_name\":\"区水利局\",\"main_unit_name\":\"新街镇\",\"role\":\"lead\"}",
		    "【验收督办】新街镇已于2026年2月10日对问题 ZY-05「岸线修复」申请验收，验收时限2026年3月2日"
		    "已过（已过 16 个工作日），现予第 2 次督办。你单位是监管（验收）牵头单位，请立即完成验收。");
	expect_text("{\"id\":21,\"type\":\"acceptance\",\"stage\":\"supervise\",\"cycle\":2," PROB ","
		    "\"unit\":\"SLJ\",\"applied\":\"2026-02-10\",\"working_days\":16,\"decide_by\":"
		    "\"2026-03-02\",\"lead_name\":\"区水利局\",\"main_unit_name\":\"新街镇\",\"role\":\"office\"}",
		    "【验收督办】新街镇已于2026年2月10日对问题 ZY-05「岸线修复」申请验收，监管（验收）牵头单位"
		    "区水利局超过验收时限2026年3月2日仍未验收（已过 16 个工作日，第 2 次督办）。请跟踪督办。");
	expect_text("{\"id\":22,\"type\":\"applied\"," PROB ",\"unit\":\"SLJ\",\"applied\":\"2026-03-09\","
		    "\"due\":\"2026-03-23\",\"lead_name\":\"区水利局\",\"main_unit_name\":\"新街镇\","
		    "\"role\":\"lead\"}",
		    "【申请验收】新街镇已于2026年3月9日对问题 ZY-05「岸线修复」申请验收。你单位是监管（验收）"
		    "牵头单位，请于2026年3月23日前（第 10 个工作日）完成验收：通过的予以公示，未通过的说明理由"
		    "退回整改。");
	expect_text("{\"id\":22,\"type\":\"applied\"," PROB ",\"unit\":\"SLJ\",\"applied\":\"2026-03-09\","
		    "\"due\":\"2026-03-23\",\"lead_name\":\"区水利局\",\"main_unit_name\":\"新街镇\","
		    "\"role\":\"office\"}",
		    "【申请验收】新街镇已于2026年3月9日对问题 ZY-05「岸线修复」申请验收，监管（验收）牵头单位"
		    "区水利局应于2026年3月23日前完成验收。请跟踪。");
	expect_text("{\"id\":23,\"type\":\"rejected\"," PROB ",\"unit\":\"XJ\",\"reason\":\"照片不全\","
		    "\"unit_name\":\"新街镇\",\"role\":\"main\",\"contact\":\"王强\"}",
		    "【验收未通过】问题 ZY-05「岸线修复」验收未通过，理由：照片不全。请针对问题继续整改，"
		    "整改到位后重新申请验收。责任人：王强。");
	expect_text("{\"id\":23,\"type\":\"rejected\"," PROB ",\"unit\":\"XJ\",\"reason\":\"照片不全\","
		    "\"unit_name\":\"新街镇\",\"role\":\"supervisor\"}",
		    "【验收未通过】新街镇负责整改的问题 ZY-05「岸线修复」验收未通过，理由：照片不全，已退回整改。"
		    "请督促指导新街镇继续整改。");
	expect_text("{\"id\":24,\"type\":\"objected\"," PROB ",\"unit\":\"XJ\",\"reason\":\"群众反映仍有采砂\","
		    "\"unit_name\":\"新街镇\",\"role\":\"main\"}",
		    "【公示异议】问题 ZY-05「岸线修复」公示期间收到异议：群众反映仍有采砂，已退回整改。"
		    "请核实情况，整改到位后重新申请验收。");
	expect_text("{\"id\":24,\"type\":\"objected\"," PROB ",\"unit\":\"XJ\",\"reason\":\"群众反映仍有采砂\","
		    "\"unit_name\":\"新街镇\",\"role\":\"office\"}",
		    "【公示异议】新街镇负责整改的问题 ZY-05「岸线修复」公示期间收到异议：群众反映仍有采砂，"
		    "已退回整改。请跟踪。");
	expect_text("{\"id\":25,\"type\":\"publicity\"," PROB ",\"unit\":\"XJ\",\"from\":\"2026-03-10\","
		    "\"to\":\"2026-03-16\",\"unit_name\":\"新街镇\",\"role\":\"main\"}",
		    "【公示】问题 ZY-05「岸线修复」已通过验收，于2026年3月10日至2026年3月16日公示。"
		    "公示期满无异议即予销号。");
	expect_text("{\"id\":25,\"type\":\"publicity\"," PROB ",\"unit\":\"XJ\",\"from\":\"2026-03-10\","
		    "\"to\":\"2026-03-16\",\"unit_name\":\"新街镇\",\"role\":\"supervisor\"}",
		    "【公示】新街镇负责整改的问题 ZY-05「岸线修复」已通过验收，于2026年3月10日至2026年3月16日"
		    "公示，期满无异议即予销号。");
	expect_text("{\"id\":26,\"type\":\"reopened\"," PROB ",\"unit\":\"XJ\",\"due\":\"2026-09-30\","
		    "\"reason\":\"群众反映反弹\",\"unit_name\":\"新街镇\",\"role\":\"main\"}",
		    "【重新整改】已销号的问题 ZY-05「岸线修复」重新进入整改（原因：群众反映反弹），"
		    "整改时限为2026年9月30日。请立即整改。");
	expect_text("{\"id\":26,\"type\":\"reopened\"," PROB ",\"unit\":\"XJ\",\"due\":\"2026-09-30\","
		    "\"reason\":\"反弹\",\"unit_name\":\"新街镇\",\"role\":\"supervisor\"}",
		    "【重新整改】新街镇负责整改的已销号问题 ZY-05「岸线修复」重新进入整改（原因：反弹），"
		    "整改时限为2026年9月30日。请督促指导新街镇立即整改。");
	expect_text("{\"id\":27,\"type\":\"closed\"," PROB ",\"unit\":\"XJ\",\"closed_on\":\"2026-03-17\","
		    "\"unit_name\":\"新街镇\",\"role\":\"main\"}",
		    "【销号】问题 ZY-05「岸线修复」公示期满无异议，已于2026年3月17日销号。请巩固整改成效，"
		    "防止问题反弹。");
	expect_text("{\"id\":27,\"type\":\"closed\"," PROB ",\"unit\":\"XJ\",\"closed_on\":\"2026-03-17\","
		    "\"unit_name\":\"新街镇\",\"role\":\"office\"}",
		    "【销号】新街镇负责整改的问题 ZY-05「岸线修复」公示期满无异议，已于2026年3月17日销号。");
}

static void test_reporting(void **state)
{
	(void)state;
	expect_text("{\"id\":30,\"type\":\"reminder\",\"schedule\":\"quarterly-self-inspection\","
		    "\"period\":\"2026-Q1\",\"unit\":\"XJ\",\"due\":\"2026-03-10\"}",
		    "【报送提醒】请于2026年3月10日前报送季度自查（2026年第一季度）。");
	expect_text("{\"id\":30,\"type\":\"reminder\",\"schedule\":\"monthly-self-found\","
		    "\"period\":\"2026-03\",\"unit\":\"XJ\",\"due\":\"2026-03-31\"}",
		    "【报送提醒】请于2026年3月31日前报送每月自查上报（2026年3月）：每月至少上报 1 个自查"
		    "发现的问题。");
	expect_text("{\"id\":31,\"type\":\"reminder\",\"schedule\":\"monthly-dispatch\",\"period\":"
		    "\"2026-03\",\"unit\":\"XJ\",\"due\":\"2026-03-31\",\"problems\":[\"ZY-07\",\"ZY-09\"],"
		    "\"problem_titles\":{\"ZY-07\":\"河道非法采砂\",\"ZY-09\":\"截污纳管\"}}",
		    "【报送提醒】请于2026年3月31日前报送以下 2 个问题2026年3月的整改进展（每月调度）：\n"
		    "（1）ZY-07「河道非法采砂」\n（2）ZY-09「截污纳管」");
	/* a custom schedule shows its label, never its code */
	expect_text("{\"id\":32,\"type\":\"reminder\",\"schedule\":\"hehu-siluan\",\"schedule_label\":"
		    "\"河湖“四乱”专项整治\",\"period\":\"2026-10-23\",\"unit\":\"XJ\",\"due\":\"2026-10-23\"}",
		    "【报送提醒】请于2026年10月23日前报送河湖“四乱”专项整治（2026年10月23日）。");
	expect_text("{\"id\":33,\"type\":\"missed\",\"schedule\":\"quarterly-self-inspection\",\"period\":"
		    "\"2026-Q1\",\"units\":[\"XJ\"],\"unit\":\"XJ\",\"due\":\"2026-03-10\",\"role\":\"main\"}",
		    "【逾期未报】你单位未在2026年3月10日前报送季度自查（2026年第一季度），已列入逾期未报名单。"
		    "请立即补报。");
	expect_text("{\"id\":34,\"type\":\"missed\",\"schedule\":\"quarterly-self-inspection\",\"period\":"
		    "\"2026-Q1\",\"units\":[{\"unit\":\"XJ\",\"name\":\"新街镇\"},{\"unit\":\"HS\",\"name\":"
		    "\"河市镇\"}],\"due\":\"2026-03-10\"}",
		    "【逾期未报】季度自查（2026年第一季度，截止2026年3月10日）未按时报送的单位（2 个）："
		    "新街镇、河市镇。");
}

#define BULLETIN_UNITS                                                                             \
	"\"units\":[{\"unit\":\"XJ\",\"name\":\"新街镇\",\"open\":3,\"overdue\":1,\"closed\":5,"     \
	"\"rate\":0.625,\"index\":80,\"place\":1},{\"unit\":\"HS\",\"name\":\"河市镇\",\"open\":2,"  \
	"\"overdue\":2,\"closed\":0,\"rate\":0,\"index\":-10,\"place\":2},{\"unit\":\"GY\","        \
	"\"name\":\"工业园\",\"open\":0,\"overdue\":0,\"closed\":0,\"rate\":0}]"

static void test_bulletin(void **state)
{
	(void)state;
	expect_text("{\"id\":51,\"type\":\"bulletin\",\"period\":\"2026-02\"," BULLETIN_UNITS ","
		    "\"red\":[\"XJ\"],\"black\":[\"HS\"],\"overdue_problems\":[{\"ref\":\"ZY-03\","
		    "\"title\":\"养殖场污水直排\",\"unit\":\"HS\",\"due\":\"2026-02-25\",\"days\":4}]}",
		    "【通报】2026年2月生态环境问题整改情况通报。\n合计：未销号 5 个，逾期 3 个，已销号 5 个。\n"
		    "（1）新街镇：未销号 3 个，逾期 1 个，已销号 5 个，销号率 62.5%，指数 80.0，第 1 名。\n"
		    "（2）河市镇：未销号 2 个，逾期 2 个，已销号 0 个，销号率 0%，指数 0.0，第 2 名。\n"
		    "无问题的单位：工业园。\n逾期问题：\n（1）ZY-03「养殖场污水直排」，河市镇，逾期 12 天\n"
		    "红榜：新街镇（指数 80.0）。\n黑榜：河市镇（指数 0.0）。");
	expect_text("{\"id\":52,\"type\":\"bulletin\",\"period\":\"2026-02\",\"unit\":\"HS\",\"open\":2,"
		    "\"overdue\":2,\"closed\":0,\"rate\":0,\"index\":-10,\"place\":2,\"ranked\":2,\"list\":"
		    "\"black\",\"recipient\":\"HS\",\"overdue_problems\":[{\"ref\":\"ZY-03\",\"title\":"
		    "\"养殖场污水直排\",\"unit\":\"HS\",\"due\":\"2026-02-25\"}]}",
		    "【通报】2026年2月生态环境问题整改情况：你单位未销号 2 个，逾期 2 个，已销号 0 个，"
		    "销号率 0%，指数 0.0，排名第 2 位（共 2 个单位），列入黑榜。\n逾期问题：\n"
		    "（1）ZY-03「养殖场污水直排」，逾期 12 天");
}

static void test_deduction_sample_others(void **state)
{
	(void)state;
	expect_text("{\"id\":40,\"type\":\"deduction\",\"unit\":\"XJ\",\"unit_name\":\"新街镇\",\"total\":12,"
		    "\"level\":10,\"year\":2026,\"recipient\":\"XJ\"}",
		    "【警示函】你单位2026年度累计扣分 12 分，达到 10 分，现发出警示函。请认真整改，杜绝类似问题。");
	expect_text("{\"id\":40,\"type\":\"deduction\",\"unit\":\"XJ\",\"unit_name\":\"新街镇\",\"total\":12,"
		    "\"level\":10,\"year\":2026,\"role\":\"office\"}",
		    "【警示函】新街镇2026年度累计扣分 12 分，达到 10 分。请按规定发出警示函。");
	expect_text("{\"id\":41,\"type\":\"deduction\",\"unit\":\"XJ\",\"unit_name\":\"新街镇\",\"total\":21,"
		    "\"level\":20,\"year\":2026,\"role\":\"leadership\"}",
		    "【约谈分管负责同志】新街镇2026年度累计扣分 21 分，达到 20 分，拟约谈其分管负责同志，特此报告。");
	expect_text("{\"id\":42,\"type\":\"deduction\",\"unit\":\"XJ\",\"total\":33,\"level\":30,"
		    "\"year\":2026,\"role\":\"main\"}",
		    "【约谈主要负责同志】你单位2026年度累计扣分 33 分，达到 30 分，将约谈你单位主要负责同志。"
		    "请认真整改。");
	expect_text("{\"id\":50,\"type\":\"sample\",\"period\":\"2026-Q1\",\"problems\":[\"ZY-05\"],"
		    "\"problem_titles\":{\"ZY-05\":\"岸线修复\"}}",
		    "【回头看】2026年第一季度已销号问题回头看：随机抽取 1 个问题，请组织复核整改成效，"
		    "防止反弹：\n（1）ZY-05「岸线修复」");
	expect_text("{\"id\":50,\"type\":\"sample\",\"period\":\"2026-Q1\",\"problems\":[]}",
		    "【回头看】2026年第一季度没有已销号问题，本季度无需回头看。");
	expect_text("{\"id\":60,\"type\":\"calendar\",\"year\":2027,\"until\":\"2026-12-31\"}",
		    "【日历】工作日历只覆盖到2026年12月31日，尚未导入 2027 年节假日安排，导入之前 2027 年按周一至"
		    "周五计算工作日（节假日会被算作工作日）。请导入 2027 年节假日安排：将国务院办公厅关于2027年部分"
		    "节假日安排的通知整理为 CSV 文件（或使用 holiday-cn 的 2027.json），运行 dubanctl calendar "
		    "import 2027.csv。");
	/* an empty calendar has no last date: the clause is left out */
	expect_text("{\"id\":61,\"type\":\"calendar\",\"year\":2026,\"until\":null}",
		    "【日历】尚未导入 2026 年节假日安排，导入之前 2026 年按周一至周五计算工作日（节假日会被算作"
		    "工作日）。请导入 2026 年节假日安排：将国务院办公厅关于2026年部分节假日安排的通知整理为 CSV "
		    "文件（或使用 holiday-cn 的 2026.json），运行 dubanctl calendar import 2026.csv。");
	expect_text("{\"id\":0,\"type\":\"test\"}", "【测试】通道测试消息：清河区整改办的督办消息可以送达本群。");
	expect_text("{\"id\":9,\"type\":\"mystery\"}", "【通知】清河区整改办通知（类型 mystery，编号 9）。");
}

/* A problem with a console address links to its page, in each kind's link syntax. */
static void test_links(void **state)
{
	struct render_opts o = {NULL, "2026-03-09", "https://duban.example.gov.cn"};
	json_t *n = load(ESC("supervise", "main", ",\"problem\":\"ZY 07\""));
	char *t;

	(void)state;
	t = render_text(n, RENDER_DINGTALK, &o);
	assert_non_null(strstr(t, "[ZY 07「河道非法采砂」](https://duban.example.gov.cn/problems/ZY%2007)"));
	free(t);
	t = render_text(n, RENDER_SLACK, &o);
	assert_non_null(strstr(t, "<https://duban.example.gov.cn/problems/ZY%2007|ZY 07「河道非法采砂」>"));
	free(t);
	t = render_text(n, RENDER_JSON, &o);
	assert_non_null(strstr(t, "ZY 07「河道非法采砂」（https://duban.example.gov.cn/problems/ZY%2007）"));
	free(t);
	json_decref(n);
}

/* A table on a schedule: WeCom says the file follows; other kinds link to the console's
 * export under base_url, or without one name the dubanctl command. */
static void test_table(void **state)
{
	static const char notice[] =
		"{\"id\":4,\"type\":\"table\",\"schedule\":\"zxzz\",\"schedule_label\":\"专项整治\","
		"\"period\":\"2026-12-14\",\"table\":\"attachment1\",\"due\":\"2026-12-14\","
		"\"day\":\"2026-12-14\",\"role\":\"office\"}";
	struct render_opts with = {NULL, "2026-12-14", "https://duban.example.gov.cn/"};
	struct render_opts without = {NULL, "2026-12-14", NULL};
	json_t *n = load(notice);
	char *t;

	(void)state;
	t = render_text(n, RENDER_WECOM, &with);
	assert_non_null(t);
	assert_non_null(strstr(t, "专项整治（2026年12月14日）的附件1《尚未办结问题整改进展情况自查表》已生成，"
				  "文件随后发送。请核对后于2026年12月14日前报送。"));
	assert_null(strstr(t, "http"));
	free(t);
	t = render_text(n, RENDER_DINGTALK, &with);
	assert_non_null(t);
	assert_non_null(strstr(t, "请下载核对后于2026年12月14日前报送：[附件1《尚未办结问题整改进展情况自查表》]"
				  "(https://duban.example.gov.cn/api/export/attachment1?format=xlsx)"));
	free(t);
	t = render_text(n, RENDER_FEISHU, &with);
	assert_non_null(t);
	assert_non_null(strstr(t, "(https://duban.example.gov.cn/api/export/attachment1?format=xlsx)"));
	free(t);
	t = render_text(n, RENDER_JSON, &without);
	assert_non_null(t);
	assert_string_equal(t, "【报表】专项整治（2026年12月14日）的附件1《尚未办结问题整改进展情况自查表》已到报送日，"
			       "请于2026年12月14日前报送。表格请运行 dubanctl export attachment1 --out "
			       "文件名.xlsx 导出。");
	free(t);
	json_decref(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates_periods),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_prompt_saturday_to_monday),
		cmocka_unit_test(test_reminder_days_left_fresh),
		cmocka_unit_test(test_escalation_roles),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_acceptance_transitions),
		cmocka_unit_test(test_reporting),
		cmocka_unit_test(test_bulletin),
		cmocka_unit_test(test_deduction_sample_others),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
