/* Classification of webhook responses per channel kind: transport errors, HTTP status,
 * Retry-After, and each platform's own codes and messages (WeCom, DingTalk, Feishu, Slack). */
#include "duban/classify.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CLASSIFY_RATE_DELAY 60	   /* a robot's per-minute limit was hit */
#define CLASSIFY_DINGTALK_BAN 600  /* DingTalk throttles a robot for 10 minutes */
#define CLASSIFY_DELAY_MAX 86400   /* cap for a Retry-After */

/* The platform's answer in a response body. */
struct reply {
	int parsed; /* the body was a JSON object carrying the kind's code */
	long long code;
	char msg[CLASSIFY_ERROR_MAX];
};

const char *classify_verdict_name(enum classify_verdict verdict)
{
	switch (verdict) {
	case CLASSIFY_OK: return "ok";
	case CLASSIFY_RETRY: return "retry";
	case CLASSIFY_RETRY_RESIGN: return "retry-resign";
	default: return "permanent";
	}
}

/* Copies src into dst (n bytes) as one line: control characters become spaces and a cut
 * falls on a UTF-8 character boundary. */
static void classify_line(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	for (size_t i = 0; i < len; i++)
		dst[i] = (unsigned char)src[i] < 0x20 ? ' ' : src[i];
	dst[len] = '\0';
}

static void classify_set(struct classify_result *out, enum classify_verdict v, long delay,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void classify_set(struct classify_result *out, enum classify_verdict v, long delay,
			 const char *fmt, ...)
{
	char buf[4 * CLASSIFY_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	out->verdict = v;
	out->min_delay = delay;
	classify_line(out->error, sizeof out->error, buf);
}

/* Reads the kind's code and message from a JSON body: errcode/errmsg (WeCom, DingTalk),
 * code/msg or StatusCode/StatusMessage (Feishu). */
static void classify_parse(enum render_kind kind, const char *body, struct reply *r)
{
	const char *ck = "errcode", *mk = "errmsg";
	json_t *j, *code;

	memset(r, 0, sizeof *r);
	if (body == NULL || (kind != RENDER_WECOM && kind != RENDER_DINGTALK && kind != RENDER_FEISHU))
		return;
	j = json_loads(body, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return;
	}
	if (kind == RENDER_FEISHU) {
		ck = json_object_get(j, "code") != NULL ? "code" : "StatusCode";
		mk = json_object_get(j, "code") != NULL ? "msg" : "StatusMessage";
	}
	code = json_object_get(j, ck);
	if (json_is_integer(code)) {
		r->parsed = 1;
		r->code = json_integer_value(code);
		if (json_is_string(json_object_get(j, mk)))
			classify_line(r->msg, sizeof r->msg,
				      json_string_value(json_object_get(j, mk)));
	}
	json_decref(j);
}

static int classify_has(const char *msg, const char *word)
{
	return strcasestr(msg, word) != NULL;
}

/* The verdict on a platform error code (nonzero), with its least delay. */
static enum classify_verdict classify_platform(enum render_kind kind, const struct reply *r,
					       long *delay)
{
	*delay = 0;
	if (kind == RENDER_WECOM) {
		if (r->code == 45009) /* api freq out of limit */
			*delay = CLASSIFY_RATE_DELAY;
		return r->code == 45009 || r->code == -1 ? CLASSIFY_RETRY : CLASSIFY_PERMANENT;
	}
	if (kind == RENDER_DINGTALK) {
		if (r->code == 130101) { /* send too fast: throttled for 10 minutes */
			*delay = CLASSIFY_DINGTALK_BAN;
			return CLASSIFY_RETRY;
		}
		if (r->code == -1) /* system busy */
			return CLASSIFY_RETRY;
		if (r->code == 310000 && !classify_has(r->msg, "sign not match") &&
		    (classify_has(r->msg, "timestamp") || classify_has(r->msg, "时间戳")))
			return CLASSIFY_RETRY_RESIGN;
		return CLASSIFY_PERMANENT; /* 300001 token, 310000 sign/keywords/ip, 460101 ... */
	}
	if (kind == RENDER_FEISHU && (r->code == 11232 ||
				      (r->code == 9499 && classify_has(r->msg, "too many request")))) {
		*delay = CLASSIFY_RATE_DELAY;
		return CLASSIFY_RETRY;
	}
	return CLASSIFY_PERMANENT; /* Feishu 19021/19022/19024 signature, 9499 Bad Request ... */
}

static void classify_transport(int curl_code, struct classify_result *out)
{
	const char *what = curl_easy_strerror((CURLcode)curl_code);

	if (curl_code == CURLE_UNSUPPORTED_PROTOCOL || curl_code == CURLE_URL_MALFORMAT)
		classify_set(out, CLASSIFY_PERMANENT, 0, "curl %d: %s", curl_code, what);
	else
		classify_set(out, CLASSIFY_RETRY, 0, "curl %d: %s", curl_code, what);
}

/* Copies the body trimmed of surrounding white space into dst. */
static void classify_trim(char *dst, size_t n, const char *body)
{
	size_t len;

	while (body != NULL && (*body == ' ' || *body == '\t' || *body == '\r' || *body == '\n'))
		body++;
	classify_line(dst, n, body != NULL ? body : "");
	len = strlen(dst);
	while (len > 0 && dst[len - 1] == ' ')
		dst[--len] = '\0';
}

/* A 2xx response: success only with the platform's own success. */
static void classify_2xx(enum render_kind kind, const struct reply *r, const char *body,
			 struct classify_result *out)
{
	const char *label = kind == RENDER_FEISHU ? "code" : "errcode";
	char text[CLASSIFY_ERROR_MAX];
	long delay;
	enum classify_verdict v;

	if (kind == RENDER_JSON) {
		classify_set(out, CLASSIFY_OK, 0, "%s", "");
		return;
	}
	if (kind == RENDER_SLACK) {
		classify_trim(text, sizeof text, body);
		if (strcmp(text, "ok") == 0)
			classify_set(out, CLASSIFY_OK, 0, "%s", "");
		else
			classify_set(out, CLASSIFY_PERMANENT, 0, "slack: %s", text);
		return;
	}
	if (!r->parsed) {
		classify_trim(text, 80, body);
		classify_set(out, CLASSIFY_RETRY, 0, "unexpected response: %s", text);
		return;
	}
	if (r->code == 0) {
		classify_set(out, CLASSIFY_OK, 0, "%s", "");
		return;
	}
	v = classify_platform(kind, r, &delay);
	classify_set(out, v, delay, "%s %lld: %s", label, r->code, r->msg);
}

/* Any status outside 2xx that is not retried by status alone. */
static void classify_other(enum render_kind kind, long status, const struct reply *r,
			   const char *body, struct classify_result *out)
{
	char text[CLASSIFY_ERROR_MAX];
	long delay;
	enum classify_verdict v;

	if (r->parsed && r->code != 0) {
		v = classify_platform(kind, r, &delay);
		classify_set(out, v, delay, "HTTP %ld, %s %lld: %s",
			     status, kind == RENDER_FEISHU ? "code" : "errcode", r->code, r->msg);
		return;
	}
	if (kind == RENDER_SLACK) {
		classify_trim(text, 80, body);
		classify_set(out, CLASSIFY_PERMANENT, 0, "HTTP %ld: %s", status, text);
		return;
	}
	classify_set(out, CLASSIFY_PERMANENT, 0, "HTTP %ld", status);
}

void classify_response(enum render_kind kind, int curl_code, long http_status, long retry_after,
		       const char *body, struct classify_result *out)
{
	struct reply r;
	long delay = retry_after < 0 ? 0 : retry_after > CLASSIFY_DELAY_MAX ? CLASSIFY_DELAY_MAX
									      : retry_after;

	if (out == NULL)
		return;
	memset(out, 0, sizeof *out);
	if (curl_code != 0) {
		classify_transport(curl_code, out);
		return;
	}
	classify_parse(kind, body, &r);
	if (http_status == 429 || http_status >= 500 || http_status == 408 || http_status < 200) {
		long least = 0;
		if (r.parsed && r.code != 0) {
			classify_platform(kind, &r, &least);
			classify_set(out, CLASSIFY_RETRY, least > delay ? least : delay,
				     "HTTP %ld: %s", http_status, r.msg);
		} else
			classify_set(out, CLASSIFY_RETRY, delay, "HTTP %ld", http_status);
		return;
	}
	if (http_status < 300)
		classify_2xx(kind, &r, body, out);
	else
		classify_other(kind, http_status, &r, body, out);
}
