/* Unit tests of the renderer: the Chinese text of every notice type, body shapes per kind,
 * mentions, signatures, urgency order, and splitting within each kind's limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/render.h"
#include "duban/sign.h"

#define SENT_AT "2026-03-09T09:00:00+08:00"
#define REAL_MS 1773018000123LL

static const enum render_kind all_kinds[] = {RENDER_JSON, RENDER_WECOM, RENDER_DINGTALK,
					     RENDER_FEISHU, RENDER_SLACK};

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (j == NULL)
		fail_msg("bad JSON in test: %s", err.text);
	return j;
}

/* Renders text and compares with the expected string. */
static void expect_text(const char *notice, enum render_style st, const char *want)
{
	json_t *n = load(notice);
	char *t = render_text(n, st);

	assert_non_null(t);
	assert_string_equal(t, want);
	free(t);
	json_decref(n);
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The text a kind's body carries (content/text/markdown.text). */
static const char *body_text(enum render_kind kind, const json_t *body)
{
	switch (kind) {
	case RENDER_WECOM:
		return json_string_value(json_object_get(json_object_get(body, "markdown"), "content"));
	case RENDER_DINGTALK:
		return json_string_value(json_object_get(json_object_get(body, "markdown"), "text"));
	case RENDER_FEISHU:
		return json_string_value(json_object_get(json_object_get(body, "content"), "text"));
	default:
		return json_string_value(json_object_get(body, "text"));
	}
}

#define ESC_PROMPT                                                                                 \
	"{\"id\":1,\"type\":\"escalation\",\"stage\":\"prompt\",\"cycle\":1,\"problem\":\"ZY-07\","  \
	"\"unit\":\"xx\",\"due\":\"2026-03-31\",\"days\":-30,\"progress\":40,"                      \
	"\"title\":\"河道非法采砂\",\"unit_name\":\"XX镇\"}"

static void test_text_escalation(void **state)
{
	(void)state;
	expect_text(ESC_PROMPT, RENDER_PLAIN,
		    "【提示】问题 ZY-07「河道非法采砂」整改时限 2026-03-31,剩余 30 天,整改进度 40%。"
		    "主体责任单位:XX镇。");
	expect_text("{\"id\":2,\"type\":\"escalation\",\"stage\":\"warn\",\"cycle\":1,\"problem\":"
		    "\"ZY-07\",\"unit\":\"xx\",\"due\":\"2026-03-31\",\"days\":-12,\"progress\":40,"
		    "\"title\":\"河道非法采砂\",\"unit_name\":\"XX镇\",\"lead_name\":\"区生态环境分局\"}",
		    RENDER_PLAIN,
		    "【警示】问题 ZY-07「河道非法采砂」整改时限 2026-03-31,剩余 12 天,整改进度 40%"
		    "(低于 80%)。主体责任单位:XX镇。监管(验收)牵头单位:区生态环境分局。");
	expect_text("{\"id\":3,\"type\":\"escalation\",\"stage\":\"supervise\",\"cycle\":2,\"problem\":"
		    "\"ZY-07\",\"unit\":\"xx\",\"due\":\"2026-03-31\",\"days\":12,\"progress\":40,"
		    "\"title\":\"河道非法采砂\",\"unit_name\":\"XX镇\"}",
		    RENDER_PLAIN,
		    "【督办】问题 ZY-07「河道非法采砂」已超过整改时限 12 天(第 2 次督办),整改时限 "
		    "2026-03-31,整改进度 40%。主体责任单位:XX镇。请立即整改并报送整改进展。");
	expect_text("{\"id\":4,\"type\":\"escalation\",\"stage\":\"interview\",\"cycle\":1,\"problem\":"
		    "\"ZY-07\",\"unit\":\"xx\",\"due\":\"2026-03-31\",\"days\":45,\"progress\":40,"
		    "\"title\":\"河道非法采砂\",\"unit_name\":\"XX镇\"}",
		    RENDER_PLAIN,
		    "【约谈】问题 ZY-07「河道非法采砂」已超过整改时限 45 天,经督办仍未完成整改,"
		    "整改时限 2026-03-31,整改进度 40%。主体责任单位:XX镇。将约谈主体责任单位负责同志。");
	/* D is a long-term task's milestone, not its final deadline: named as such */
	expect_text("{\"id\":6,\"type\":\"escalation\",\"stage\":\"supervise\",\"cycle\":1,\"problem\":"
		    "\"ZY-09\",\"unit\":\"xx\",\"due\":\"2026-04-30\",\"deadline\":\"2026-12-31\","
		    "\"days\":3,\"progress\":20,\"title\":\"截污纳管\",\"unit_name\":\"XX镇\"}",
		    RENDER_PLAIN,
		    "【督办】问题 ZY-09「截污纳管」已超过阶段性目标时限 3 天(第 1 次督办),阶段性目标时限 "
		    "2026-04-30,整改进度 20%。主体责任单位:XX镇。请立即整改并报送整改进展。");
	/* no display extras: the unit code stands in, nothing invented */
	expect_text("{\"id\":5,\"type\":\"escalation\",\"stage\":\"prompt\",\"problem\":\"A1\","
		    "\"unit\":\"t1\",\"due\":\"2026-04-01\",\"days\":0}",
		    RENDER_PLAIN, "【提示】问题 A1 整改时限 2026-04-01,今日到期。主体责任单位:t1。");
}

static void test_text_acceptance_closed(void **state)
{
	(void)state;
	expect_text("{\"id\":5,\"type\":\"acceptance\",\"stage\":\"prompt\",\"cycle\":1,\"problem\":"
		    "\"ZY-07\",\"unit\":\"hb\",\"applied\":\"2026-02-10\",\"working_days\":8,"
		    "\"title\":\"河道非法采砂\",\"lead_name\":\"区生态环境分局\"}",
		    RENDER_PLAIN,
		    "【验收提示】问题 ZY-07「河道非法采砂」已于 2026-02-10 申请验收,已过 8 个工作日,"
		    "请监管(验收)牵头单位在 10 个工作日内完成验收。牵头单位:区生态环境分局。");
	expect_text("{\"id\":6,\"type\":\"acceptance\",\"stage\":\"supervise\",\"cycle\":2,\"problem\":"
		    "\"ZY-07\",\"unit\":\"hb\",\"applied\":\"2026-02-10\",\"working_days\":16}",
		    RENDER_PLAIN,
		    "【验收督办】问题 ZY-07 已于 2026-02-10 申请验收,已超过 10 个工作日未验收"
		    "(已过 16 个工作日,第 2 次督办),请监管(验收)牵头单位立即完成验收。牵头单位:hb。");
	expect_text("{\"id\":7,\"type\":\"closed\",\"problem\":\"ZY-07\",\"unit\":\"xx\","
		    "\"title\":\"河道非法采砂\",\"unit_name\":\"XX镇\"}",
		    RENDER_PLAIN,
		    "【销号】问题 ZY-07「河道非法采砂」公示期满无异议,已销号。主体责任单位:XX镇。");
}

static void test_text_reporting(void **state)
{
	(void)state;
	expect_text("{\"id\":8,\"type\":\"reminder\",\"schedule\":\"quarterly-self-inspection\","
		    "\"period\":\"2026-Q1\",\"unit\":\"xx\",\"due\":\"2026-03-10\"}",
		    RENDER_PLAIN, "【报送提醒】季度自查(2026-Q1)请于 2026-03-10 前报送。");
	expect_text("{\"id\":9,\"type\":\"reminder\",\"schedule\":\"monthly-dispatch\",\"period\":"
		    "\"2026-03\",\"unit\":\"xx\",\"due\":\"2026-03-31\",\"problems\":[\"ZY-07\",\"SJ-2\"],"
		    "\"problem_titles\":{\"ZY-07\":\"河道非法采砂\"}}",
		    RENDER_PLAIN,
		    "【报送提醒】每月调度(2026-03)请于 2026-03-31 前报送以下 2 个问题的整改进展:\n"
		    "- ZY-07「河道非法采砂」\n- SJ-2");
	expect_text("{\"id\":10,\"type\":\"reminder\",\"schedule\":\"campaign\",\"schedule_label\":"
		    "\"专项行动自查\",\"period\":\"2026-03\",\"due\":\"2026-03-04\"}",
		    RENDER_PLAIN, "【报送提醒】专项行动自查(2026-03)请于 2026-03-04 前报送。");
	expect_text("{\"id\":11,\"type\":\"missed\",\"schedule\":\"quarterly-self-inspection\","
		    "\"period\":\"2026-Q1\",\"units\":[\"a\",\"b\"],\"unit_names\":{\"a\":\"A镇\"}}",
		    RENDER_PLAIN, "【逾期未报】季度自查(2026-Q1)未按时报送单位:A镇、b。");
}

static void test_text_bulletin(void **state)
{
	json_t *n = load("{\"id\":12,\"type\":\"bulletin\",\"period\":\"2026-03\",\"units\":["
			 "{\"unit\":\"a\",\"name\":\"A镇\",\"open\":3,\"overdue\":1,\"closed\":5,"
			 "\"rate\":0.625,\"index\":78.5},{\"unit\":\"b\",\"name\":\"B街道\",\"open\":1,"
			 "\"overdue\":0,\"closed\":9,\"rate\":0.9,\"index\":92}],\"red\":[\"b\"],"
			 "\"black\":[\"a\"],\"overdue_problems\":[{\"ref\":\"ZY-07\",\"title\":"
			 "\"河道非法采砂\",\"unit\":\"a\",\"days\":12}]}");
	char *t = render_text(n, RENDER_PLAIN), *md = render_text(n, RENDER_MARKDOWN);

	(void)state;
	assert_non_null(t);
	assert_non_null(md);
	assert_string_equal(t, "【通报】2026-03 生态环境问题整改情况通报\n"
			       "合计:未销号 4 个,逾期 1 个,已销号 14 个。\n"
			       "- A镇:未销号 3,逾期 1,已销号 5,销号率 62.5%,指数 78.5\n"
			       "- B街道:未销号 1,逾期 0,已销号 9,销号率 90%,指数 92.0\n"
			       "逾期问题(1 个):\n"
			       "- ZY-07「河道非法采砂」(A镇)逾期 12 天\n"
			       "红榜:B街道\n"
			       "黑榜:A镇");
	assert_non_null(strstr(md, "**【通报】** 2026-03"));
	assert_non_null(strstr(md, "\n\n红榜:B街道\n\n黑榜:A镇"));
	free(t);
	free(md);
	json_decref(n);
}

static void test_text_others(void **state)
{
	(void)state;
	expect_text("{\"id\":13,\"type\":\"deduction\",\"unit\":\"a\",\"unit_name\":\"A镇\","
		    "\"total\":12,\"level\":10}",
		    RENDER_PLAIN, "【警示函】A镇本年度累计扣分 12 分,达到 10 分,发出警示函,请认真整改。");
	expect_text("{\"id\":14,\"type\":\"deduction\",\"unit\":\"a\",\"total\":20,\"level\":20,"
		    "\"year\":2026}",
		    RENDER_PLAIN,
		    "【约谈分管负责同志】a 2026 年度累计扣分 20 分,达到 20 分,将约谈分管负责同志,请认真整改。");
	expect_text("{\"id\":15,\"type\":\"deduction\",\"unit\":\"a\",\"unit_name\":\"A镇\","
		    "\"total\":35,\"level\":30}",
		    RENDER_PLAIN,
		    "【约谈主要负责同志】A镇本年度累计扣分 35 分,达到 30 分,将约谈主要负责同志,请认真整改。");
	expect_text("{\"id\":16,\"type\":\"sample\",\"period\":\"2026-Q1\",\"problems\":[\"ZY-07\","
		    "\"SJ-2\"],\"problem_titles\":{\"ZY-07\":\"河道非法采砂\",\"SJ-2\":\"餐饮油烟扰民\"}}",
		    RENDER_PLAIN,
		    "【回头看】2026-Q1 抽查 2 个已销号问题:\n- ZY-07「河道非法采砂」\n- SJ-2「餐饮油烟扰民」");
	expect_text("{\"id\":17,\"type\":\"test\"}", RENDER_PLAIN, "【测试】duban 通道测试消息");
	expect_text("{\"id\":17,\"type\":\"test\"}", RENDER_MARKDOWN, "**【测试】** duban 通道测试消息");
	expect_text("{\"id\":17,\"type\":\"test\"}", RENDER_MRKDWN, "*【测试】* duban 通道测试消息");
	expect_text("{\"id\":18,\"type\":\"mystery\"}", RENDER_PLAIN,
		    "【通知】duban 通知(类型 mystery,编号 18)");
	expect_text("{\"id\":19}", RENDER_PLAIN, "【通知】duban 通知(类型 ?,编号 19)");
	assert_null(render_text(NULL, RENDER_PLAIN));
}

static void test_text_slack_escaping(void **state)
{
	(void)state;
	expect_text("{\"id\":1,\"type\":\"closed\",\"problem\":\"R<1>\",\"unit\":\"u\","
		    "\"title\":\"A & B <c>\",\"unit_name\":\"X>Y\"}",
		    RENDER_MRKDWN,
		    "*【销号】* 问题 R&lt;1&gt;「A &amp; B &lt;c&gt;」公示期满无异议,已销号。"
		    "主体责任单位:X&gt;Y。");
	expect_text("{\"id\":1,\"type\":\"closed\",\"problem\":\"R<1>\",\"title\":\"A & B\"}",
		    RENDER_PLAIN, "【销号】问题 R<1>「A & B」公示期满无异议,已销号。");
}

static void test_kind_names(void **state)
{
	enum render_kind k;

	(void)state;
	for (size_t i = 0; i < sizeof all_kinds / sizeof all_kinds[0]; i++) {
		assert_int_equal(render_kind_parse(render_kind_name(all_kinds[i]), &k), 0);
		assert_int_equal(k, all_kinds[i]);
	}
	assert_int_equal(render_kind_parse("telegram", &k), -1);
	assert_int_equal(render_kind_parse(NULL, &k), -1);
	assert_int_equal(render_kind_style(RENDER_WECOM), RENDER_MARKDOWN);
	assert_int_equal(render_kind_style(RENDER_SLACK), RENDER_MRKDWN);
	assert_int_equal(render_kind_style(RENDER_FEISHU), RENDER_PLAIN);
}

static json_t *escalation(long long id, const char *stage, long long days, const char *title)
{
	char ref[32];

	/* urgency as the claim gives it (duban.notice_urgency: stage rank × 100000 + days) */
	long long rank = strcmp(stage, "interview") == 0 ? 4 : strcmp(stage, "supervise") == 0 ? 3
			 : strcmp(stage, "warn") == 0 ? 2 : 1;

	snprintf(ref, sizeof ref, "ZY-%04lld", id);
	return json_pack("{s:I,s:s,s:s,s:i,s:s,s:s,s:s,s:I,s:i,s:s,s:s,s:I}", "id", (json_int_t)id,
			 "type", "escalation", "stage", stage, "cycle", 1, "problem", ref, "unit",
			 "t1", "due", "2026-03-31", "days", (json_int_t)days, "progress", 40,
			 "title", title, "unit_name", "XX镇", "urgency",
			 (json_int_t)(rank * 100000 + days));
}

/* Renders and checks the common contract: every message parses, within the limit, ids each
 * exactly once, in the urgency order, and each message is whole notices. */
static void check_batch(const struct render_channel *ch, json_t *notices, struct render_batch *b)
{
	size_t n = json_array_size(notices), seen = 0;
	int *count = calloc(n + 1, sizeof *count);
	long long prev_id = -1;
	json_t *prev = NULL;

	assert_non_null(count);
	assert_int_equal(render_batch(ch, notices, SENT_AT, REAL_MS, b), 0);
	assert_true(b->n >= 1);
	for (size_t i = 0; i < b->n; i++) {
		const struct render_msg *m = &b->msg[i];
		json_t *body = json_loads(m->body, 0, NULL);
		const char *text;

		assert_non_null(body);
		assert_int_equal(strlen(m->body), m->body_len);
		text = body_text(ch->kind, body);
		assert_non_null(text);
		switch (ch->kind) {
		case RENDER_WECOM: assert_true(strlen(text) <= RENDER_WECOM_MAX); break;
		case RENDER_DINGTALK: assert_true(m->body_len <= RENDER_DINGTALK_MAX); break;
		case RENDER_FEISHU: assert_true(m->body_len <= RENDER_FEISHU_MAX); break;
		case RENDER_SLACK: assert_true(utf8_chars(text) <= RENDER_SLACK_MAX); break;
		default:
			assert_true(m->n_ids <= RENDER_JSON_MAX_NOTICES);
			assert_int_equal(json_array_size(json_object_get(body, "notices")), m->n_ids);
		}
		for (size_t k = 0; k < m->n_ids; k++) {
			json_t *nt = NULL, *v;
			size_t idx;
			char *whole;
			json_array_foreach(notices, idx, v)
				if (json_integer_value(json_object_get(v, "id")) == m->ids[k])
					nt = v;
			assert_non_null(nt);
			for (idx = 0; idx < n; idx++)
				if (json_array_get(notices, idx) == nt)
					count[idx]++;
			/* split on notice boundaries: each notice's whole text is in its message */
			whole = render_text(nt, render_kind_style(ch->kind));
			assert_non_null(whole);
			if (m->truncated == 0)
				assert_non_null(strstr(text, whole));
			free(whole);
			if (prev != NULL)
				assert_true(render_compare(prev, nt) < 0);
			prev = nt;
			assert_true(m->ids[k] != prev_id);
			prev_id = m->ids[k];
			seen++;
		}
		json_decref(body);
	}
	assert_int_equal(seen, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(count[i], 1);
	free(count);
}

static void test_split_500(void **state)
{
	const char *mention[] = {"13800000000", "ou_abc"};
	json_t *notices = json_array();
	size_t expected_min[] = {3, 2, 2, 2, 2};

	(void)state;
	for (long long i = 1; i <= 500; i++) {
		const char *stage = i % 4 == 0 ? "interview" : i % 4 == 1 ? "supervise"
				    : i % 4 == 2 ? "warn" : "prompt";
		long long days = (i % 4 < 2) ? i % 97 + 1 : -(i % 29) - 1;
		json_array_append_new(notices, escalation(i, stage, days,
							  "某某镇某某村河道两岸非法采砂及砂石堆放"
							  "侵占河道行洪断面问题(含\"引号\"与\\反斜杠\\)"));
	}
	for (size_t k = 0; k < sizeof all_kinds / sizeof all_kinds[0]; k++) {
		struct render_channel ch = {all_kinds[k], "t1", "https://example.test/hook?key=k",
					    "SECsecret", mention, 2};
		struct render_batch b;
		check_batch(&ch, notices, &b);
		assert_true(b.n >= expected_min[k]);
		if (all_kinds[k] == RENDER_JSON) {
			assert_int_equal(b.n, 3);
			assert_int_equal(b.msg[0].n_ids, 200);
			assert_int_equal(b.msg[2].n_ids, 100);
		}
		for (size_t i = 0; i < b.n; i++) {
			assert_int_equal(b.msg[i].truncated, 0);
			if (b.n > 1) {
				char part[64];
				snprintf(part, sizeof part, "第 %zu/%zu 部分", i + 1, b.n);
				assert_non_null(strstr(b.msg[i].body, part));
			}
		}
		render_batch_free(&b);
		assert_int_equal(b.n, 0);
	}
	json_decref(notices);
}

/* A title of n copies of piece. */
static char *repeat(const char *piece, size_t n)
{
	size_t len = strlen(piece);
	char *s = malloc(len * n + 1);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, piece, len);
	s[len * n] = '\0';
	return s;
}

static void test_truncate_utf8(void **state)
{
	const char *pieces[] = {"河", "a&", "😀é\"", "<\n>"};
	const char *mention[] = {"U123"};

	(void)state;
	for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
		char *title = repeat(pieces[p], 12000);
		json_t *notices = json_array();
		json_array_append_new(notices, escalation(1, "supervise", 3, title));
		json_array_append_new(notices, escalation(2, "prompt", -3, "短标题"));
		for (size_t k = 1; k < sizeof all_kinds / sizeof all_kinds[0]; k++) {
			struct render_channel ch = {all_kinds[k], "t1", "https://x.test/h", NULL,
						    mention, 1};
			struct render_batch b;
			json_t *body;
			const char *text, *ell;
			assert_int_equal(render_batch(&ch, notices, SENT_AT, REAL_MS, &b), 0);
			assert_int_equal(b.n, 2);
			assert_int_equal(b.msg[0].ids[0], 1);
			assert_int_equal(b.msg[0].truncated, 1);
			assert_int_equal(b.msg[1].truncated, 0);
			/* jansson refuses invalid UTF-8, so parsing proves no character was cut */
			body = json_loads(b.msg[0].body, 0, NULL);
			assert_non_null(body);
			text = body_text(all_kinds[k], body);
			ell = strstr(text, "…");
			assert_non_null(ell);
			if (all_kinds[k] == RENDER_SLACK) {
				for (const char *a = strchr(text, '&'); a != NULL; a = strchr(a + 1, '&'))
					assert_true(strncmp(a, "&amp;", 5) == 0 ||
						    strncmp(a, "&lt;", 4) == 0 ||
						    strncmp(a, "&gt;", 4) == 0);
				assert_non_null(strstr(text, "<@U123>"));
			}
			json_decref(body);
			render_batch_free(&b);
		}
		json_decref(notices);
		free(title);
	}
}

static void test_single_and_header(void **state)
{
	json_t *one = json_array(), *two = json_array();
	struct render_channel ch = {RENDER_JSON, "t1", "http://127.0.0.1:1/h", NULL, NULL, 0};
	struct render_batch b;
	json_t *body;

	(void)state;
	json_array_append_new(one, load(ESC_PROMPT));
	assert_int_equal(render_batch(&ch, one, SENT_AT, REAL_MS, &b), 0);
	body = json_loads(b.msg[0].body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "text")),
			    "【提示】问题 ZY-07「河道非法采砂」整改时限 2026-03-31,剩余 30 天,整改进度 40%。"
			    "主体责任单位:XX镇。");
	json_decref(body);
	render_batch_free(&b);

	json_array_append_new(two, load(ESC_PROMPT));
	json_array_append_new(two, load("{\"id\":17,\"type\":\"test\"}"));
	assert_int_equal(render_batch(&ch, two, SENT_AT, REAL_MS, &b), 0);
	body = json_loads(b.msg[0].body, 0, NULL);
	assert_true(strncmp(json_string_value(json_object_get(body, "text")),
			    "duban 督办通知(共 2 条)\n\n【提示】", strlen("duban 督办通知(共 2 条)\n\n【提示】")) == 0);
	json_decref(body);
	render_batch_free(&b);
	json_decref(one);
	json_decref(two);
}

static void test_body_json(void **state)
{
	json_t *notices = json_array(), *body, *arr, *first;
	struct render_channel ch = {RENDER_JSON, "town-1", "http://127.0.0.1:1/h", "ignored", NULL, 0};
	struct render_batch b;
	const char *key;
	json_t *v;
	size_t i = 0;
	static const char *const order[] = {"id", "type", "stage", "cycle", "problem", "unit",
					    "due", "days", "progress", "title", "unit_name"};

	(void)state;
	json_array_append_new(notices, load(ESC_PROMPT));
	json_array_append_new(notices, load("{\"type\":\"closed\",\"unit\":\"xx\",\"id\":9,"
					    "\"problem\":\"ZY-08\"}"));
	assert_int_equal(render_batch(&ch, notices, SENT_AT, REAL_MS, &b), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.msg[0].url, "http://127.0.0.1:1/h");
	body = json_loads(b.msg[0].body, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "channel")), "town-1");
	assert_string_equal(json_string_value(json_object_get(body, "sent_at")), SENT_AT);
	assert_true(json_is_string(json_object_get(body, "text")));
	arr = json_object_get(body, "notices");
	assert_int_equal(json_array_size(arr), 2);
	first = json_array_get(arr, 0);
	json_object_foreach(first, key, v) {
		assert_true(i < sizeof order / sizeof order[0]);
		assert_string_equal(key, order[i++]);
	}
	assert_int_equal(json_integer_value(json_object_get(first, "days")), -30);
	/* id first even when the stored object had it elsewhere */
	assert_string_equal(json_object_iter_key(json_object_iter(json_array_get(arr, 1))), "id");
	json_decref(body);
	render_batch_free(&b);
	json_decref(notices);
}

static void test_body_wecom(void **state)
{
	const char *mention[] = {"zhangsan", "13900000000"};
	struct render_channel ch = {RENDER_WECOM, "t1", "https://qyapi.weixin.qq.com/x?key=k", NULL,
				    mention, 2};
	json_t *notices = json_array(), *body;
	struct render_batch b;
	const char *content;

	(void)state;
	json_array_append_new(notices, load(ESC_PROMPT));
	assert_int_equal(render_batch(&ch, notices, SENT_AT, REAL_MS, &b), 0);
	body = json_loads(b.msg[0].body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "msgtype")), "markdown");
	content = body_text(RENDER_WECOM, body);
	assert_non_null(content);
	assert_true(strncmp(content, "**【提示】** 问题 ZY-07", strlen("**【提示】** 问题 ZY-07")) == 0);
	assert_non_null(strstr(content, "<@zhangsan> <@13900000000>"));
	assert_string_equal(b.msg[0].url, "https://qyapi.weixin.qq.com/x?key=k");
	assert_int_equal(json_object_size(body), 2);
	json_decref(body);
	render_batch_free(&b);
	json_decref(notices);
}

static void test_body_dingtalk(void **state)
{
	const char *mention[] = {"13800000000", "+86-13900000000", "user42"};
	struct render_channel ch = {RENDER_DINGTALK, "t1",
				    "https://oapi.dingtalk.com/robot/send?access_token=tok",
				    "SECb90923e19e58b466481e9e7b7a5b4f108a4531abde590ad3967fb29f0eae5c68",
				    mention, 3};
	json_t *notices = json_array(), *body, *at, *md;
	struct render_batch b;
	const char *text;

	(void)state;
	json_array_append_new(notices, load(ESC_PROMPT));
	assert_int_equal(render_batch(&ch, notices, SENT_AT, 1582163555000LL, &b), 0);
	assert_string_equal(b.msg[0].url,
			    "https://oapi.dingtalk.com/robot/send?access_token=tok&timestamp=1582163555000"
			    "&sign=BQKsG%2BQOCl%2BbYJOLc6pxDHxjVquzlZPWgvRzeN2J5zY%3D");
	body = json_loads(b.msg[0].body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "msgtype")), "markdown");
	md = json_object_get(body, "markdown");
	assert_true(json_is_string(json_object_get(md, "title")));
	assert_non_null(strstr(json_string_value(json_object_get(md, "title")), "【提示】"));
	text = json_string_value(json_object_get(md, "text"));
	at = json_object_get(json_object_get(body, "at"), "atMobiles");
	assert_int_equal(json_array_size(at), 2);
	assert_string_equal(json_string_value(json_array_get(at, 0)), "13800000000");
	assert_string_equal(json_string_value(json_array_get(at, 1)), "+86-13900000000");
	assert_non_null(strstr(text, "@13800000000"));
	assert_non_null(strstr(text, "@+86-13900000000"));
	assert_non_null(strstr(text, "@user42"));
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(body, "at"), "atUserIds"), 0)),
			    "user42");
	json_decref(body);
	render_batch_free(&b);
	json_decref(notices);
}

static void test_body_feishu(void **state)
{
	const char *mention[] = {"ou_xxx"};
	struct render_channel ch = {RENDER_FEISHU, "t1", "https://open.feishu.cn/hook/x", "demo",
				    mention, 1};
	json_t *notices = json_array(), *body;
	struct render_batch b;
	char sign[SIGN_MAX];

	(void)state;
	json_array_append_new(notices, load(ESC_PROMPT));
	assert_int_equal(render_batch(&ch, notices, SENT_AT, 1599360473999LL, &b), 0);
	body = json_loads(b.msg[0].body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "msg_type")), "text");
	assert_string_equal(json_string_value(json_object_get(body, "timestamp")), "1599360473");
	assert_int_equal(sign_feishu("demo", 1599360473LL, sign, sizeof sign), 0);
	assert_string_equal(json_string_value(json_object_get(body, "sign")), sign);
	assert_string_equal(json_string_value(json_object_get(body, "sign")),
			    "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=");
	assert_non_null(strstr(body_text(RENDER_FEISHU, body), "<at user_id=\"ou_xxx\"></at>"));
	assert_true(strncmp(body_text(RENDER_FEISHU, body), "【提示】问题", strlen("【提示】问题")) == 0);
	json_decref(body);
	render_batch_free(&b);

	ch.secret = "";
	assert_int_equal(render_batch(&ch, notices, SENT_AT, REAL_MS, &b), 0);
	body = json_loads(b.msg[0].body, 0, NULL);
	assert_null(json_object_get(body, "timestamp"));
	assert_null(json_object_get(body, "sign"));
	assert_string_equal(b.msg[0].url, "https://open.feishu.cn/hook/x");
	json_decref(body);
	render_batch_free(&b);
	json_decref(notices);
}

static void test_body_slack(void **state)
{
	const char *mention[] = {"U123"};
	struct render_channel ch = {RENDER_SLACK, "t1", "https://hooks.slack.com/services/x", NULL,
				    mention, 1};
	json_t *notices = json_array(), *body;
	struct render_batch b;
	const char *text;

	(void)state;
	json_array_append_new(notices, load("{\"id\":1,\"type\":\"closed\",\"problem\":\"P&1\","
					    "\"title\":\"<script> & co\"}"));
	assert_int_equal(render_batch(&ch, notices, SENT_AT, REAL_MS, &b), 0);
	body = json_loads(b.msg[0].body, 0, NULL);
	assert_int_equal(json_object_size(body), 1);
	text = body_text(RENDER_SLACK, body);
	assert_string_equal(text, "*【销号】* 问题 P&amp;1「&lt;script&gt; &amp; co」公示期满无异议,已销号。"
				  "\n\n<@U123>");
	json_decref(body);
	render_batch_free(&b);
	json_decref(notices);
}

static void test_mentions(void **state)
{
	const char *mention[] = {"13800000000", "", "all"};
	struct render_channel ch = {RENDER_DINGTALK, "t1", "http://h", NULL, mention, 3};
	const char *want[] = {"", "\n\n<@13800000000> <@all>", "\n\n@13800000000 @所有人",
			      "\n\n<at user_id=\"13800000000\"></at> <at user_id=\"all\">所有人</at>",
			      "\n\n<@13800000000> <!channel>"};
	json_t *at;
	char *m;

	(void)state;
	for (size_t k = 0; k < sizeof all_kinds / sizeof all_kinds[0]; k++) {
		ch.kind = all_kinds[k];
		m = render_mentions(&ch);
		assert_non_null(m);
		assert_string_equal(m, want[k]);
		free(m);
	}
	at = render_at(&ch);
	assert_non_null(at);
	assert_int_equal(json_array_size(json_object_get(at, "atMobiles")), 1);
	assert_null(json_object_get(at, "atUserIds"));
	assert_true(json_is_true(json_object_get(at, "isAtAll")));
	json_decref(at);
	ch.n_mention = 0;
	m = render_mentions(&ch);
	assert_string_equal(m, "");
	free(m);
	at = render_at(&ch);
	assert_int_equal(json_array_size(json_object_get(at, "atMobiles")), 0);
	assert_true(json_is_false(json_object_get(at, "isAtAll")));
	json_decref(at);
}

static void test_url(void **state)
{
	char *u;

	(void)state;
	u = render_url("https://h/robot/send?access_token=t", NULL, 1);
	assert_string_equal(u, "https://h/robot/send?access_token=t");
	free(u);
	u = render_url("https://h/robot/send", "SECb90923e19e58b466481e9e7b7a5b4f108a4531abde590ad3967fb29f0eae5c68",
		       1582163555000LL);
	assert_string_equal(u, "https://h/robot/send?timestamp=1582163555000"
			       "&sign=BQKsG%2BQOCl%2BbYJOLc6pxDHxjVquzlZPWgvRzeN2J5zY%3D");
	free(u);
	u = render_url("https://h/robot/send?access_token=t", "s", 5);
	assert_non_null(strstr(u, "?access_token=t&timestamp=5&sign="));
	free(u);
	assert_null(render_url(NULL, "s", 5));
}

static void test_urgency_order(void **state)
{
	json_t *notices = json_array();
	struct render_channel ch = {RENDER_JSON, "t1", "http://h", NULL, NULL, 0};
	struct render_batch b;
	const long long want[] = {6, 2, 4, 3, 5, 1, 7};

	(void)state;
	json_array_append_new(notices, escalation(1, "prompt", -20, "t"));
	json_array_append_new(notices, escalation(2, "supervise", 30, "t"));
	json_array_append_new(notices, escalation(3, "warn", -5, "t"));
	json_array_append_new(notices, escalation(4, "supervise", 3, "t"));
	json_array_append_new(notices, escalation(5, "warn", -10, "t"));
	json_array_append_new(notices, escalation(6, "interview", 31, "t"));
	json_array_append_new(notices, load("{\"id\":7,\"type\":\"test\"}"));
	assert_int_equal(render_batch(&ch, notices, SENT_AT, REAL_MS, &b), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.msg[0].n_ids, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(b.msg[0].ids[i], want[i]);
	render_batch_free(&b);
	json_decref(notices);
}

static void test_errors(void **state)
{
	struct render_channel ch = {RENDER_WECOM, "t1", "http://h", NULL, NULL, 0};
	struct render_batch b;
	json_t *empty = json_array(), *bad = json_array(), *obj = json_object();

	(void)state;
	assert_int_equal(render_batch(&ch, empty, SENT_AT, REAL_MS, &b), 0);
	assert_int_equal(b.n, 0);
	json_array_append_new(bad, load("{\"type\":\"test\"}"));
	assert_int_equal(render_batch(&ch, bad, SENT_AT, REAL_MS, &b), -1);
	assert_int_equal(b.n, 0);
	assert_null(b.msg);
	json_array_append_new(bad, json_string("x"));
	assert_int_equal(render_batch(&ch, bad, SENT_AT, REAL_MS, &b), -1);
	assert_int_equal(render_batch(&ch, obj, SENT_AT, REAL_MS, &b), -1);
	assert_int_equal(render_batch(NULL, empty, SENT_AT, REAL_MS, &b), -1);
	render_batch_free(&b);
	render_batch_free(NULL);
	assert_null(render_fields(NULL));
	json_decref(empty);
	json_decref(bad);
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_escalation),
		cmocka_unit_test(test_text_acceptance_closed),
		cmocka_unit_test(test_text_reporting),
		cmocka_unit_test(test_text_bulletin),
		cmocka_unit_test(test_text_others),
		cmocka_unit_test(test_text_slack_escaping),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_split_500),
		cmocka_unit_test(test_truncate_utf8),
		cmocka_unit_test(test_single_and_header),
		cmocka_unit_test(test_body_json),
		cmocka_unit_test(test_body_wecom),
		cmocka_unit_test(test_body_dingtalk),
		cmocka_unit_test(test_body_feishu),
		cmocka_unit_test(test_body_slack),
		cmocka_unit_test(test_mentions),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_urgency_order),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
