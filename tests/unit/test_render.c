/* Unit tests of the message bodies per chat kind: the exact body of a representative digest
 * (first line with sender and counts, keyword, mentions, WeCom's follow-up mention message,
 * DingTalk's title and at, Feishu's card and colours), day counts agreeing across a digest,
 * signatures, urgency order, splitting and cutting within each kind's limit, and errors. */
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
static const struct render_opts opts = {"清河区整改办", "2026-03-09", NULL};

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (j == NULL)
		fail_msg("bad JSON in test: %s", err.text);
	return j;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* All the text a kind's body carries (Feishu: title and elements joined). malloc'd. */
static char *body_text(enum render_kind kind, const json_t *body)
{
	const json_t *el, *card = json_object_get(body, "card");
	char *out = NULL;
	size_t len = 0, i;
	FILE *f;

	switch (kind) {
	case RENDER_WECOM:
		return strdup(json_string_value(json_object_get(json_object_get(body, "markdown"), "content")));
	case RENDER_DINGTALK:
		return strdup(json_string_value(json_object_get(json_object_get(body, "markdown"), "text")));
	case RENDER_FEISHU:
		f = open_memstream(&out, &len);
		assert_non_null(f);
		fputs(json_string_value(json_object_get(json_object_get(json_object_get(card, "header"),
								       "title"), "content")), f);
		json_array_foreach(json_object_get(card, "elements"), i, el) {
			const char *t = json_string_value(json_object_get(json_object_get(el, "text"),
									  "content"));
			if (t != NULL)
				fprintf(f, "\n\n%s", t);
		}
		fclose(f);
		return out;
	default:
		return strdup(json_string_value(json_object_get(body, "text")));
	}
}

#define N_SUPERVISE                                                                                \
	"{\"id\":7,\"type\":\"escalation\",\"stage\":\"supervise\",\"cycle\":1,\"problem\":\"ZY-03\"," \
	"\"unit\":\"XJ\",\"due\":\"2026-02-25\",\"deadline\":\"2026-02-25\",\"days\":1,"             \
	"\"progress\":30,\"title\":\"养殖场污水直排\",\"unit_name\":\"新街镇\",\"role\":\"main\","      \
	"\"urgency\":300001}"
#define N_PROMPT                                                                                   \
	"{\"id\":5,\"type\":\"escalation\",\"stage\":\"prompt\",\"cycle\":1,\"problem\":\"ZY-07\","  \
	"\"unit\":\"XJ\",\"due\":\"2026-04-05\",\"deadline\":\"2026-04-05\",\"days\":-29,"           \
	"\"progress\":40,\"title\":\"河道非法采砂\",\"unit_name\":\"新街镇\",\"role\":\"main\","      \
	"\"urgency\":99971}"

/* The bodies below were checked against each platform's robot documentation: WeCom markdown
 * (no list syntax, <font color>, <@userid>; mobiles and @all only in a text message's
 * mentioned_mobile_list), DingTalk markdown (title, @mobile in the text and at.atMobiles),
 * Feishu interactive card (header title and template, lark_md, <at id=…>), Slack mrkdwn. The
 * keyword 督办通知 is in no text, so the first line carries it. */
static const char golden_json_0[] =
	"{\"channel\":\"XJ\",\"sent_at\":\"2026-03-09T09:00:00+08:00\",\"text\":\"【清河区整改办】督办 1 条、"
	"提示 1 条（督办通知）\\n\\n【督办】问题 ZY-03「养殖场污水直排」"
	"已超过整改时限 12 天（整改时限2026年2月25日），整改进度 30%，"
	"现予第 1 次督办。请立即整改，并每周报送整改进展。\\n\\n【提示】问题 ZY-07「河道非法采砂」"
	"整改时限为2026年4月5日，剩余 27 天，当前整改进度 40%。请抓紧推进整改，"
	"确保按期完成。\",\"notices\":[{\"id\":7,\"type\":\"escalation\",\"stage\":\""
	"supervise\",\"cycle\":1,\"problem\":\"ZY-03\",\"unit\":\"XJ\",\"due\":\"2026-02-25\""
	",\"days\":12,\"progress\":30,\"deadline\":\"2026-02-25\",\"title\":\"养殖场污水直排\""
	",\"unit_name\":\"新街镇\",\"role\":\"main\",\"urgency\":300001},{\"id\":5,\"type\""
	":\"escalation\",\"stage\":\"prompt\",\"cycle\":1,\"problem\":\"ZY-07\",\"unit\":\""
	"XJ\",\"due\":\"2026-04-05\",\"days\":-27,\"progress\":40,\"deadline\":\"2026-04-05\""
	",\"title\":\"河道非法采砂\",\"unit_name\":\"新街镇\",\"role\":\"main\",\""
	"urgency\":99971}]}";

static const char golden_wecom_0[] =
	"{\"msgtype\":\"markdown\",\"markdown\":{\"content\":\"**【清河区整改办】督办 1 条、"
	"提示 1 条（督办通知）**\\n\\n<font color=\\\"warning\\\">【**督办**】</font>问题 ZY-03「养殖场污水直排」"
	"已超过整改时限 12 天（整改时限2026年2月25日），整改进度 30%，"
	"现予第 1 次督办。请立即整改，并每周报送整改进展。\\n\\n【**提示**】问题 ZY-07「河道非法采砂」"
	"整改时限为2026年4月5日，剩余 27 天，当前整改进度 40%。请抓紧推进整改，"
	"确保按期完成。\\n\\n<@zhangsan>\"}}";

static const char golden_wecom_1[] =
	"{\"msgtype\":\"text\",\"text\":{\"content\":\"【清河区整改办】请及时查看上面的 2 条通知并按要求办理。"
	"（督办通知）\",\"mentioned_mobile_list\":[\"13800000000\",\"@all\"]}}";

static const char golden_dingtalk_0[] =
	"{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"【清河区整改办】督办 1 条、"
	"提示 1 条（督办通知）\",\"text\":\"**【清河区整改办】督办 1 条、"
	"提示 1 条（督办通知）**\\n\\n【**督办**】问题 ZY-03「养殖场污水直排」"
	"已超过整改时限 12 天（整改时限2026年2月25日），整改进度 30%，"
	"现予第 1 次督办。请立即整改，并每周报送整改进展。\\n\\n【**提示**】问题 ZY-07「河道非法采砂」"
	"整改时限为2026年4月5日，剩余 27 天，当前整改进度 40%。请抓紧推进整改，"
	"确保按期完成。\\n\\n@13800000000 @zhangsan @所有人\"},\"at\":{\"atMobiles\""
	":[\"13800000000\"],\"atUserIds\":[\"zhangsan\"],\"isAtAll\":true}}";

static const char golden_feishu_0[] =
	"{\"timestamp\":\"1773018000\",\"sign\":\"q0DyDgXUhyq/hBIbomSGAYTuYDpWwytldRTHsqxcbaU=\""
	",\"msg_type\":\"interactive\",\"card\":{\"config\":{\"wide_screen_mode\":true},\""
	"header\":{\"title\":{\"tag\":\"plain_text\",\"content\":\"【清河区整改办】督办 1 条、"
	"提示 1 条（督办通知）\"},\"template\":\"red\"},\"elements\":[{\"tag\":\""
	"div\",\"text\":{\"tag\":\"lark_md\",\"content\":\"【**督办**】问题 ZY-03「养殖场污水直排」"
	"已超过整改时限 12 天（整改时限2026年2月25日），整改进度 30%，"
	"现予第 1 次督办。请立即整改，并每周报送整改进展。\"}},{\"tag\""
	":\"hr\"},{\"tag\":\"div\",\"text\":{\"tag\":\"lark_md\",\"content\":\"【**提示**】问题 ZY-07「河道非法采砂」"
	"整改时限为2026年4月5日，剩余 27 天，当前整改进度 40%。请抓紧推进整改，"
	"确保按期完成。\"}},{\"tag\":\"div\",\"text\":{\"tag\":\"lark_md\",\"content\""
	":\"<at id=ou_abc></at> <at id=all></at>\"}}]}}";

static const char golden_slack_0[] =
	"{\"text\":\"*【清河区整改办】督办 1 条、提示 1 条（督办通知）"
	"*\\n\\n【*督办*】问题 ZY-03「养殖场污水直排」已超过整改时限 12 天（整改时限2026年2月25日）"
	"，整改进度 30%，现予第 1 次督办。请立即整改，并每周报送整改进展。"
	"\\n\\n【*提示*】问题 ZY-07「河道非法采砂」整改时限为2026年4月5日，"
	"剩余 27 天，当前整改进度 40%。请抓紧推进整改，确保按期完成。"
	"\\n\\n<@13800000000> <@zhangsan> <!channel>\"}";

/* Renders the two-notice digest for kind with mentions, keyword 督办通知 and a secret. */
static void render_two(enum render_kind kind, struct render_batch *b)
{
	static const char *const mention[] = {"13800000000", "zhangsan", "all"};
	static const char *const feishu_mention[] = {"ou_abc", "all"};
	json_t *notices = json_array();
	struct render_channel ch = {kind, "XJ", "https://robot.test/send?access_token=t", "SECabc",
				    kind == RENDER_FEISHU ? feishu_mention : mention,
				    kind == RENDER_FEISHU ? 2 : kind == RENDER_JSON ? 0 : 3, "督办通知"};

	json_array_append_new(notices, load(N_PROMPT));
	json_array_append_new(notices, load(N_SUPERVISE));
	assert_int_equal(render_batch(&ch, &opts, notices, SENT_AT, REAL_MS, b), 0);
	json_decref(notices);
}

static void test_golden_bodies(void **state)
{
	struct render_batch b;

	(void)state;
	render_two(RENDER_JSON, &b);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.msg[0].body, golden_json_0);
	assert_string_equal(b.msg[0].url, "https://robot.test/send?access_token=t");
	assert_int_equal(b.msg[0].n_ids, 2);
	assert_int_equal(b.msg[0].ids[0], 7);
	assert_int_equal(b.msg[0].ids[1], 5);
	render_batch_free(&b);

	render_two(RENDER_WECOM, &b);
	assert_int_equal(b.n, 2);
	assert_string_equal(b.msg[0].body, golden_wecom_0);
	assert_int_equal(b.msg[0].follows, 0);
	assert_int_equal(b.msg[0].n_ids, 2);
	assert_string_equal(b.msg[1].body, golden_wecom_1);
	assert_int_equal(b.msg[1].follows, 1);
	assert_int_equal(b.msg[1].n_ids, 0);
	render_batch_free(&b);

	render_two(RENDER_DINGTALK, &b);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.msg[0].body, golden_dingtalk_0);
	assert_string_equal(b.msg[0].url, "https://robot.test/send?access_token=t&timestamp=1773018000123"
					  "&sign=Hz6TRw0KbMrjzRFwn6H6%2FpjdltJazv1e07CNtobQdH4%3D");
	render_batch_free(&b);

	render_two(RENDER_FEISHU, &b);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.msg[0].body, golden_feishu_0);
	render_batch_free(&b);

	render_two(RENDER_SLACK, &b);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.msg[0].body, golden_slack_0);
	render_batch_free(&b);
}

/* One message of each kind, decoded. */
static json_t *render_one(enum render_kind kind, const char *keyword, const char *const *mention,
			  size_t n_mention, const char *notice)
{
	json_t *notices = json_array(), *body;
	struct render_channel ch = {kind, "XJ", "https://x.test/h", NULL, mention, n_mention, keyword};
	struct render_batch b;

	json_array_append_new(notices, load(notice));
	assert_int_equal(render_batch(&ch, &opts, notices, SENT_AT, REAL_MS, &b), 0);
	assert_true(b.n >= 1);
	body = load(b.msg[0].body);
	render_batch_free(&b);
	json_decref(notices);
	return body;
}

/* The keyword is in every message: added to the first line only when no text has it. */
static void test_keyword(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof all_kinds / sizeof all_kinds[0]; k++) {
		json_t *body = render_one(all_kinds[k], "问题", NULL, 0, N_PROMPT);
		char *t = body_text(all_kinds[k], body);

		assert_non_null(strstr(t, "问题"));
		assert_null(strstr(t, "（问题）"));
		free(t);
		json_decref(body);
		body = render_one(all_kinds[k], "环保", NULL, 0,
				  "{\"id\":3,\"type\":\"missed\",\"schedule\":\"quarterly-exposure\","
				  "\"period\":\"2026-Q1\",\"units\":[\"ZB\"],\"due\":\"2026-03-15\"}");
		t = body_text(all_kinds[k], body);
		assert_non_null(strstr(t, "【清河区整改办】逾期未报 1 条（环保）"));
		free(t);
		json_decref(body);
	}
}

/* Feishu header colours by the most urgent notice. */
static void test_feishu_colours(void **state)
{
	static const char *const cases[][2] = {
		{N_SUPERVISE, "red"},
		{"{\"id\":1,\"type\":\"escalation\",\"stage\":\"interview\",\"problem\":\"A\",\"due\":\"2026-01-01\"}", "red"},
		{"{\"id\":1,\"type\":\"acceptance\",\"stage\":\"supervise\",\"problem\":\"A\"}", "red"},
		{"{\"id\":1,\"type\":\"escalation\",\"stage\":\"warn\",\"problem\":\"A\",\"due\":\"2026-03-20\"}", "orange"},
		{"{\"id\":1,\"type\":\"closed\",\"problem\":\"A\",\"closed_on\":\"2026-03-09\"}", "green"},
		{N_PROMPT, "blue"},
		{"{\"id\":1,\"type\":\"bulletin\",\"period\":\"2026-02\",\"units\":[]}", "blue"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *body = render_one(RENDER_FEISHU, NULL, NULL, 0, cases[i][0]);
		json_t *hdr = json_object_get(json_object_get(body, "card"), "header");

		assert_string_equal(json_string_value(json_object_get(hdr, "template")), cases[i][1]);
		assert_string_equal(json_string_value(json_object_get(body, "msg_type")), "interactive");
		json_decref(body);
	}
}

/* WeCom: no list syntax anywhere; mobiles never in the markdown. */
static void test_wecom_no_lists(void **state)
{
	static const char *const mention[] = {"13800000000"};
	json_t *body = render_one(RENDER_WECOM, NULL, mention, 1,
				  "{\"id\":31,\"type\":\"reminder\",\"schedule\":\"monthly-dispatch\","
				  "\"period\":\"2026-03\",\"unit\":\"XJ\",\"due\":\"2026-03-31\","
				  "\"problems\":[\"ZY-07\",\"ZY-09\"]}");
	char *t = body_text(RENDER_WECOM, body);

	(void)state;
	assert_null(strstr(t, "\n- "));
	assert_null(strstr(t, "\n* "));
	assert_null(strstr(t, "\n1. "));
	assert_null(strstr(t, "13800000000"));
	assert_non_null(strstr(t, "\n（1）ZY-07\n（2）ZY-09"));
	free(t);
	json_decref(body);
}

/* Two notices of one digest count days to the same date. */
static void test_digest_days_agree(void **state)
{
	json_t *body = NULL;
	json_t *notices = json_array();
	struct render_channel ch = {RENDER_JSON, "ZB", "https://x.test/h", NULL, NULL, 0, NULL};
	struct render_opts later = {NULL, "2026-04-20", NULL};
	struct render_batch b;
	const char *t;

	(void)state;
	/* the interview was made on 2026-04-15 (31 days late), the bulletin's list on 2026-04-01 */
	json_array_append_new(notices, load("{\"id\":1,\"type\":\"escalation\",\"stage\":\"interview\","
					    "\"problem\":\"ZY-01\",\"unit\":\"XJ\",\"due\":\"2026-03-15\","
					    "\"days\":31,\"progress\":10,\"role\":\"office\","
					    "\"urgency\":400031}"));
	json_array_append_new(notices, load("{\"id\":2,\"type\":\"bulletin\",\"period\":\"2026-03\","
					    "\"units\":[],\"overdue_problems\":[{\"ref\":\"ZY-01\","
					    "\"unit\":\"XJ\",\"due\":\"2026-03-15\",\"days\":17}]}"));
	assert_int_equal(render_batch(&ch, &later, notices, SENT_AT, REAL_MS, &b), 0);
	body = load(b.msg[0].body);
	t = json_string_value(json_object_get(body, "text"));
	assert_non_null(strstr(t, "已超过整改时限 36 天"));
	assert_non_null(strstr(t, "ZY-01，XJ，逾期 36 天"));
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(body, "notices"), 0), "days")), 36);
	json_decref(body);
	render_batch_free(&b);
	json_decref(notices);
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

/* The common contract: every message parses, within the limit, every id exactly once, in
 * urgency order, whole notices; WeCom follow-ups come right after their message. */
static void check_batch(const struct render_channel *ch, json_t *notices, struct render_batch *b)
{
	size_t n = json_array_size(notices), seen = 0;
	int *count = calloc(n + 1, sizeof *count);
	json_t *prev = NULL;

	assert_non_null(count);
	assert_int_equal(render_batch(ch, NULL, notices, SENT_AT, REAL_MS, b), 0);
	assert_true(b->n >= 1);
	for (size_t i = 0; i < b->n; i++) {
		const struct render_msg *m = &b->msg[i];
		json_t *body = json_loads(m->body, 0, NULL);
		char *text;

		assert_non_null(body);
		assert_int_equal(strlen(m->body), m->body_len);
		if (m->follows) {
			assert_true(i > 0 && !b->msg[i - 1].follows);
			assert_string_equal(json_string_value(json_object_get(body, "msgtype")), "text");
			json_decref(body);
			continue;
		}
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
		assert_non_null(strstr(text, "【整改办】"));
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
			whole = render_text(nt, ch->kind, NULL);
			assert_non_null(whole);
			if (m->truncated == 0 && ch->kind != RENDER_FEISHU && ch->kind != RENDER_DINGTALK)
				assert_non_null(strstr(text, whole));
			free(whole);
			if (prev != NULL)
				assert_true(render_compare(prev, nt) < 0);
			prev = nt;
			seen++;
		}
		free(text);
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
					    "SECsecret", mention, all_kinds[k] == RENDER_FEISHU ? 1 : 2,
					    "整改"};
		struct render_batch b;
		size_t parts = 0;

		check_batch(&ch, notices, &b);
		for (size_t i = 0; i < b.n; i++)
			parts += !b.msg[i].follows;
		assert_true(parts >= 2);
		if (all_kinds[k] == RENDER_JSON) {
			assert_int_equal(b.n, 3);
			assert_int_equal(b.msg[0].n_ids, 200);
			assert_int_equal(b.msg[2].n_ids, 100);
		}
		for (size_t i = 0, part = 0; i < b.n; i++) {
			char mark[64];
			if (b.msg[i].follows)
				continue;
			assert_int_equal(b.msg[i].truncated, 0);
			snprintf(mark, sizeof mark, "（第 %zu 部分，共 %zu 部分）", ++part, parts);
			assert_non_null(strstr(b.msg[i].body, mark));
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
						    mention, 1, NULL};
			struct render_batch b;
			json_t *body;
			char *text;
			assert_int_equal(render_batch(&ch, &opts, notices, SENT_AT, REAL_MS, &b), 0);
			assert_int_equal(b.n, 2);
			assert_int_equal(b.msg[0].ids[0], 1);
			assert_int_equal(b.msg[0].truncated, 1);
			assert_int_equal(b.msg[1].truncated, 0);
			/* jansson refuses invalid UTF-8, so parsing proves no character was cut */
			body = json_loads(b.msg[0].body, 0, NULL);
			assert_non_null(body);
			text = body_text(all_kinds[k], body);
			assert_non_null(strstr(text, "…"));
			if (all_kinds[k] == RENDER_SLACK) {
				for (const char *a = strchr(text, '&'); a != NULL; a = strchr(a + 1, '&'))
					assert_true(strncmp(a, "&amp;", 5) == 0 ||
						    strncmp(a, "&lt;", 4) == 0 ||
						    strncmp(a, "&gt;", 4) == 0);
				assert_non_null(strstr(text, "<@U123>"));
			}
			free(text);
			json_decref(body);
			render_batch_free(&b);
		}
		json_decref(notices);
		free(title);
	}
}

static void test_mentions(void **state)
{
	(void)state;
	assert_true(render_is_mobile("13800000000"));
	assert_true(render_is_mobile("+86-138-0000-0000"));
	assert_false(render_is_mobile("1380000000"));
	assert_false(render_is_mobile("manager1234"));
	assert_null(render_mention_refusal(RENDER_WECOM, "13800000000"));
	assert_null(render_mention_refusal(RENDER_DINGTALK, "13800000000"));
	assert_null(render_mention_refusal(RENDER_FEISHU, "ou_7d8a6e6df7621556ce0d21922b676706"));
	assert_null(render_mention_refusal(RENDER_FEISHU, "all"));
	assert_non_null(strstr(render_mention_refusal(RENDER_FEISHU, "13800000000"),
			       "Feishu robots cannot mention by mobile"));
	assert_non_null(render_mention_refusal(RENDER_SLACK, "13800000000"));
	assert_non_null(render_mention_refusal(RENDER_WECOM, "张 三"));
	assert_non_null(render_mention_refusal(RENDER_WECOM, ""));
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
	struct render_channel ch = {RENDER_JSON, "t1", "http://h", NULL, NULL, 0, NULL};
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
	assert_int_equal(render_batch(&ch, NULL, notices, SENT_AT, REAL_MS, &b), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.msg[0].n_ids, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(b.msg[0].ids[i], want[i]);
	render_batch_free(&b);
	json_decref(notices);
}

static void test_errors(void **state)
{
	struct render_channel ch = {RENDER_WECOM, "t1", "http://h", NULL, NULL, 0, NULL};
	struct render_batch b;
	json_t *empty = json_array(), *bad = json_array(), *obj = json_object();

	(void)state;
	assert_int_equal(render_batch(&ch, &opts, empty, SENT_AT, REAL_MS, &b), 0);
	assert_int_equal(b.n, 0);
	json_array_append_new(bad, load("{\"type\":\"test\"}"));
	assert_int_equal(render_batch(&ch, &opts, bad, SENT_AT, REAL_MS, &b), -1);
	assert_int_equal(b.n, 0);
	assert_null(b.msg);
	json_array_append_new(bad, json_string("x"));
	assert_int_equal(render_batch(&ch, &opts, bad, SENT_AT, REAL_MS, &b), -1);
	assert_int_equal(render_batch(&ch, &opts, obj, SENT_AT, REAL_MS, &b), -1);
	assert_int_equal(render_batch(NULL, &opts, empty, SENT_AT, REAL_MS, &b), -1);
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
		cmocka_unit_test(test_golden_bodies),
		cmocka_unit_test(test_keyword),
		cmocka_unit_test(test_feishu_colours),
		cmocka_unit_test(test_wecom_no_lists),
		cmocka_unit_test(test_digest_days_agree),
		cmocka_unit_test(test_split_500),
		cmocka_unit_test(test_truncate_utf8),
		cmocka_unit_test(test_mentions),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_urgency_order),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
