/* Unit tests of classify.c: success, retry, re-sign and permanent verdicts for every kind,
 * with minimum delays and error texts taken from the platforms' replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <string.h>

#include "duban/classify.h"

/* Classifies and checks verdict, least delay and (when want_text) a part of the text. */
static void expect(enum render_kind kind, int curl_code, long status, long retry_after,
		   const char *body, enum classify_verdict want, long min_delay,
		   const char *want_text)
{
	struct classify_result r;

	classify_response(kind, curl_code, status, retry_after, body, &r);
	if (r.verdict != want)
		fail_msg("%s %ld %s: got %s (%s), want %s", render_kind_name(kind), status,
			 body != NULL ? body : "(null)", classify_verdict_name(r.verdict), r.error,
			 classify_verdict_name(want));
	assert_true(r.min_delay >= min_delay);
	if (want == CLASSIFY_OK)
		assert_string_equal(r.error, "");
	if (want_text != NULL && strstr(r.error, want_text) == NULL)
		fail_msg("error text \"%s\" lacks \"%s\"", r.error, want_text);
	assert_null(strchr(r.error, '\n'));
}

static void test_transport(void **state)
{
	(void)state;
	for (int k = RENDER_JSON; k <= RENDER_SLACK; k++) {
		expect(k, CURLE_OPERATION_TIMEDOUT, 0, -1, NULL, CLASSIFY_RETRY, 0, "curl 28");
		expect(k, CURLE_COULDNT_CONNECT, 0, -1, NULL, CLASSIFY_RETRY, 0, NULL);
		expect(k, CURLE_COULDNT_RESOLVE_HOST, 0, -1, NULL, CLASSIFY_RETRY, 0, NULL);
		expect(k, CURLE_URL_MALFORMAT, 0, -1, NULL, CLASSIFY_PERMANENT, 0, NULL);
	}
}

static void test_http_status(void **state)
{
	(void)state;
	for (int k = RENDER_JSON; k <= RENDER_SLACK; k++) {
		expect(k, 0, 429, 120, NULL, CLASSIFY_RETRY, 120, "HTTP 429");
		expect(k, 0, 429, -1, "", CLASSIFY_RETRY, 0, NULL);
		expect(k, 0, 500, -1, "oops", CLASSIFY_RETRY, 0, "HTTP 500");
		expect(k, 0, 502, -1, NULL, CLASSIFY_RETRY, 0, NULL);
		expect(k, 0, 503, 30, NULL, CLASSIFY_RETRY, 30, NULL);
		expect(k, 0, 400, -1, "", CLASSIFY_PERMANENT, 0, "HTTP 400");
		expect(k, 0, 401, -1, NULL, CLASSIFY_PERMANENT, 0, NULL);
		expect(k, 0, 403, -1, NULL, CLASSIFY_PERMANENT, 0, NULL);
		expect(k, 0, 404, -1, NULL, CLASSIFY_PERMANENT, 0, NULL);
		expect(k, 0, 413, -1, NULL, CLASSIFY_PERMANENT, 0, NULL);
	}
}

static void test_json(void **state)
{
	(void)state;
	expect(RENDER_JSON, 0, 200, -1, "", CLASSIFY_OK, 0, NULL);
	expect(RENDER_JSON, 0, 204, -1, NULL, CLASSIFY_OK, 0, NULL);
	expect(RENDER_JSON, 0, 202, -1, "{\"errcode\":5}", CLASSIFY_OK, 0, NULL);
	expect(RENDER_JSON, 0, 301, -1, NULL, CLASSIFY_PERMANENT, 0, NULL);
}

static void test_wecom(void **state)
{
	(void)state;
	expect(RENDER_WECOM, 0, 200, -1, "{\"errcode\":0,\"errmsg\":\"ok\"}", CLASSIFY_OK, 0, NULL);
	expect(RENDER_WECOM, 0, 200, -1,
	       "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}", CLASSIFY_RETRY, 60,
	       "api freq out of limit");
	expect(RENDER_WECOM, 0, 200, -1, "{\"errcode\":-1,\"errmsg\":\"system busy\"}",
	       CLASSIFY_RETRY, 0, NULL);
	expect(RENDER_WECOM, 0, 200, -1,
	       "{\"errcode\":93000,\"errmsg\":\"invalid webhook url, hint: [x]\"}",
	       CLASSIFY_PERMANENT, 0, "errcode 93000: invalid webhook url");
	expect(RENDER_WECOM, 0, 200, -1, "{\"errcode\":40008,\"errmsg\":\"invalid message type\"}",
	       CLASSIFY_PERMANENT, 0, "invalid message type");
	expect(RENDER_WECOM, 0, 200, -1, "{\"errcode\":12345,\"errmsg\":\"新的错误\"}",
	       CLASSIFY_PERMANENT, 0, "errcode 12345: 新的错误");
	expect(RENDER_WECOM, 0, 200, -1, "<html>proxy</html>", CLASSIFY_RETRY, 0,
	       "unexpected response");
	expect(RENDER_WECOM, 0, 200, -1, NULL, CLASSIFY_RETRY, 0, NULL);
}

static void test_dingtalk(void **state)
{
	(void)state;
	expect(RENDER_DINGTALK, 0, 200, -1, "{\"errcode\":0,\"errmsg\":\"ok\"}", CLASSIFY_OK, 0, NULL);
	expect(RENDER_DINGTALK, 0, 200, -1,
	       "{\"errcode\":130101,\"errmsg\":\"send too fast, exceed 20 times per minute\"}",
	       CLASSIFY_RETRY, 600, "send too fast");
	expect(RENDER_DINGTALK, 0, 200, -1, "{\"errcode\":-1,\"errmsg\":\"系统繁忙\"}",
	       CLASSIFY_RETRY, 0, "系统繁忙");
	expect(RENDER_DINGTALK, 0, 200, -1,
	       "{\"errcode\":310000,\"errmsg\":\"invalid timestamp, more: [https://x]\"}",
	       CLASSIFY_RETRY_RESIGN, 0, "invalid timestamp");
	expect(RENDER_DINGTALK, 0, 200, -1,
	       "{\"errcode\":310000,\"errmsg\":\"timestamp expired\"}", CLASSIFY_RETRY_RESIGN, 0,
	       NULL);
	expect(RENDER_DINGTALK, 0, 200, -1,
	       "{\"errcode\":310000,\"errmsg\":\"sign not match, more: [https://x]\"}",
	       CLASSIFY_PERMANENT, 0, "sign not match");
	expect(RENDER_DINGTALK, 0, 200, -1,
	       "{\"errcode\":310000,\"errmsg\":\"keywords not in content, more: [https://x]\"}",
	       CLASSIFY_PERMANENT, 0, "keywords not in content");
	expect(RENDER_DINGTALK, 0, 200, -1,
	       "{\"errcode\":310000,\"errmsg\":\"ip 1.2.3.4 not in whitelist\"}",
	       CLASSIFY_PERMANENT, 0, "whitelist");
	expect(RENDER_DINGTALK, 0, 200, -1, "{\"errcode\":300001,\"errmsg\":\"token is not exist\"}",
	       CLASSIFY_PERMANENT, 0, "errcode 300001: token is not exist");
	expect(RENDER_DINGTALK, 0, 200, -1, "{\"errcode\":460101,\"errmsg\":\"message too long\"}",
	       CLASSIFY_PERMANENT, 0, "message too long");
	expect(RENDER_DINGTALK, 0, 200, -1, "{\"errcode\":400013,\"errmsg\":\"group disabled\"}",
	       CLASSIFY_PERMANENT, 0, "group disabled");
	expect(RENDER_DINGTALK, 0, 429, 5,
	       "{\"errcode\":130101,\"errmsg\":\"send too fast\"}", CLASSIFY_RETRY, 600, NULL);
}

static void test_feishu(void **state)
{
	(void)state;
	expect(RENDER_FEISHU, 0, 200, -1, "{\"code\":0,\"data\":{},\"msg\":\"success\"}",
	       CLASSIFY_OK, 0, NULL);
	expect(RENDER_FEISHU, 0, 200, -1,
	       "{\"Extra\":null,\"StatusCode\":0,\"StatusMessage\":\"success\"}", CLASSIFY_OK, 0,
	       NULL);
	expect(RENDER_FEISHU, 0, 200, -1, "{\"code\":11232,\"msg\":\"frequency limited\"}",
	       CLASSIFY_RETRY, 1, "code 11232: frequency limited");
	expect(RENDER_FEISHU, 0, 200, -1, "{\"code\":9499,\"msg\":\"too many request\"}",
	       CLASSIFY_RETRY, 1, NULL);
	expect(RENDER_FEISHU, 0, 400, -1, "{\"code\":9499,\"msg\":\"Too Many Requests\"}",
	       CLASSIFY_RETRY, 1, NULL);
	expect(RENDER_FEISHU, 0, 200, -1, "{\"code\":9499,\"msg\":\"Bad Request\"}",
	       CLASSIFY_PERMANENT, 0, "Bad Request");
	expect(RENDER_FEISHU, 0, 400, -1, "{\"code\":9499,\"msg\":\"Bad Request\"}",
	       CLASSIFY_PERMANENT, 0, "HTTP 400");
	expect(RENDER_FEISHU, 0, 200, -1,
	       "{\"code\":19021,\"msg\":\"sign match fail or timestamp is not within one hour from "
	       "current time\"}",
	       CLASSIFY_PERMANENT, 0, "sign match fail");
	expect(RENDER_FEISHU, 0, 200, -1, "{\"code\":19022,\"msg\":\"Ip Not Allowed\"}",
	       CLASSIFY_PERMANENT, 0, NULL);
	expect(RENDER_FEISHU, 0, 200, -1, "{\"code\":19024,\"msg\":\"Key Words Not Found\"}",
	       CLASSIFY_PERMANENT, 0, "Key Words");
	expect(RENDER_FEISHU, 0, 200, -1, "{\"StatusCode\":19021,\"StatusMessage\":\"sign fail\"}",
	       CLASSIFY_PERMANENT, 0, "sign fail");
}

static void test_slack(void **state)
{
	(void)state;
	expect(RENDER_SLACK, 0, 200, -1, "ok", CLASSIFY_OK, 0, NULL);
	expect(RENDER_SLACK, 0, 200, -1, "ok\n", CLASSIFY_OK, 0, NULL);
	expect(RENDER_SLACK, 0, 200, -1, "not ok", CLASSIFY_PERMANENT, 0, "not ok");
	expect(RENDER_SLACK, 0, 400, -1, "invalid_payload", CLASSIFY_PERMANENT, 0,
	       "HTTP 400: invalid_payload");
	expect(RENDER_SLACK, 0, 403, -1, "invalid_token", CLASSIFY_PERMANENT, 0, "invalid_token");
	expect(RENDER_SLACK, 0, 404, -1, "no_service", CLASSIFY_PERMANENT, 0, "no_service");
	expect(RENDER_SLACK, 0, 410, -1, "channel_is_archived", CLASSIFY_PERMANENT, 0, NULL);
	expect(RENDER_SLACK, 0, 429, 17, "rate_limited", CLASSIFY_RETRY, 17, NULL);
	expect(RENDER_SLACK, 0, 500, -1, "rollup_error", CLASSIFY_RETRY, 0, NULL);
}

static void test_error_text(void **state)
{
	char body[2048];
	struct classify_result r;
	size_t len;

	(void)state;
	classify_response(RENDER_DINGTALK, 0, 200, -1,
			  "{\"errcode\":300001,\"errmsg\":\"line one\\nline two\"}", &r);
	assert_int_equal(r.verdict, CLASSIFY_PERMANENT);
	assert_null(strchr(r.error, '\n'));
	strcpy(body, "{\"errcode\":12,\"errmsg\":\"");
	for (int i = 0; i < 400; i++)
		strcat(body, "错");
	strcat(body, "\"}");
	classify_response(RENDER_WECOM, 0, 200, -1, body, &r);
	assert_int_equal(r.verdict, CLASSIFY_PERMANENT);
	len = strlen(r.error);
	assert_true(len < CLASSIFY_ERROR_MAX);
	/* cut on a character boundary: the text ends with a whole 错 */
	assert_int_equal(strcmp(r.error + len - 3, "错"), 0);
	classify_response(RENDER_JSON, 0, 429, 10000000, NULL, &r);
	assert_true(r.min_delay <= 86400);
	classify_response(RENDER_JSON, 0, 200, -1, NULL, NULL);
	assert_string_equal(classify_verdict_name(CLASSIFY_RETRY_RESIGN), "retry-resign");
	assert_string_equal(classify_verdict_name(CLASSIFY_OK), "ok");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transport), cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_json),	  cmocka_unit_test(test_wecom),
		cmocka_unit_test(test_dingtalk),  cmocka_unit_test(test_feishu),
		cmocka_unit_test(test_slack),	  cmocka_unit_test(test_error_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
