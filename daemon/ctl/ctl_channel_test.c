/* dubanctl channel test UNIT: sends a test notice (type "test") to each channel of a unit now,
 * rendered and signed like the daemon's messages (real clock), and reports per channel the
 * platform's answer and its classification. Never touches the outbox; never prints a secret
 * or token (URLs are redacted, and so is anything in an answer that echoes one). */
#include "ctl_util.h"
#include "duban/classify.h"
#include "duban/clock.h"
#include "duban/log.h"
#include "duban/render.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define TEST_BODY_MAX 65536 /* response bytes kept for classification */
#define TEST_LINE_MAX 240   /* bytes of the answer shown */
#define TEST_URL_MAX 2048

/* A response body being received. */
struct test_buf {
	char *data; /* TEST_BODY_MAX + 1 bytes, NUL-terminated */
	size_t len;
};

/* The outcome of testing one channel. */
struct test_result {
	long long id;
	const char *kind;
	char url[TEST_URL_MAX]; /* redacted */
	long http_status;	/* 0: no answer */
	char *answer;		/* one line, redacted; NULL when no answer */
	struct classify_result verdict;
};

static size_t test_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct test_buf *b = arg;
	size_t n = size * nmemb, keep = n;

	if (keep > TEST_BODY_MAX - b->len)
		keep = TEST_BODY_MAX - b->len;
	memcpy(b->data + b->len, ptr, keep);
	b->len += keep;
	b->data[b->len] = '\0';
	return n;
}

/* POSTs one message; returns the CURLcode, with status and Retry-After (-1: none). */
static int test_post(const struct ctl *c, const struct render_msg *m, struct test_buf *b,
		     long *status, long *retry_after)
{
	struct curl_slist *h = NULL, *h2;
	CURL *easy = curl_easy_init();
	CURLcode rc = CURLE_OK;
	curl_off_t ra = -1;
	long timeout = c->cfg.timeout > 0 ? c->cfg.timeout : 10;

	*status = 0;
	*retry_after = -1;
	b->len = 0;
	b->data[0] = '\0';
	if (easy == NULL)
		return CURLE_OUT_OF_MEMORY;
	h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	h2 = h != NULL ? curl_slist_append(h, "Expect:") : NULL;
	if (h2 == NULL) {
		curl_slist_free_all(h);
		curl_easy_cleanup(easy);
		return CURLE_OUT_OF_MEMORY;
	}
	rc |= curl_easy_setopt(easy, CURLOPT_URL, m->url);
	rc |= curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(easy, CURLOPT_POST, 1L);
	rc |= curl_easy_setopt(easy, CURLOPT_POSTFIELDS, m->body);
	rc |= curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)m->body_len);
	rc |= curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
	rc |= curl_easy_setopt(easy, CURLOPT_USERAGENT, "dubanctl/" DUBAN_VERSION);
	rc |= curl_easy_setopt(easy, CURLOPT_TIMEOUT, timeout);
	rc |= curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
	rc |= curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, test_write_cb);
	rc |= curl_easy_setopt(easy, CURLOPT_WRITEDATA, b);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(easy);
	else
		rc = CURLE_FAILED_INIT;
	if (rc == CURLE_OK) {
		if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, status) != CURLE_OK)
			*status = 0;
		if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra >= 0)
			*retry_after = (long)ra;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(easy);
	return (int)rc;
}

/* Replaces every occurrence of needle (at least 4 bytes) in s by "***", in place. */
static void test_mask(char *s, const char *needle, size_t n)
{
	char *p;

	if (n < 4)
		return;
	while ((p = memmem(s, strlen(s), needle, n)) != NULL) {
		memcpy(p, "***", 3);
		memmove(p + 3, p + n, strlen(p + n) + 1);
	}
}

/* Masks in s the secret and every part of url that the redacted URL hides (query values,
 * token-like path segments, userinfo). */
static void test_redact(char *s, const char *url, const char *redacted, const char *secret)
{
	const char *p = strstr(url, "://");

	if (secret != NULL)
		test_mask(s, secret, strlen(secret));
	if (p == NULL) {
		test_mask(s, url, strlen(url));
		return;
	}
	p += 3;
	while (*p != '\0' && *p != '#') {
		size_t n = strcspn(p, "/?&=#@:");
		char part[TEST_URL_MAX];
		if (n > 0 && n < sizeof part) {
			memcpy(part, p, n);
			part[n] = '\0';
			if (strstr(redacted, part) == NULL)
				test_mask(s, part, n);
		}
		p += n;
		if (*p != '\0' && *p != '#')
			p++;
	}
}

/* The answer as one line of at most TEST_LINE_MAX bytes (cut at a UTF-8 boundary, "…"). */
static char *test_line(const char *body)
{
	size_t len, cut;
	char *out;

	while (*body == ' ' || *body == '\t' || *body == '\r' || *body == '\n')
		body++;
	len = strlen(body);
	while (len > 0 && (unsigned char)body[len - 1] <= ' ')
		len--;
	cut = len;
	if (cut > TEST_LINE_MAX) {
		cut = TEST_LINE_MAX;
		while (cut > 0 && ((unsigned char)body[cut] & 0xC0) == 0x80)
			cut--;
	}
	out = malloc(cut + sizeof "…");
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < cut; i++)
		out[i] = (unsigned char)body[i] < 0x20 || body[i] == 0x7f ? ' ' : body[i];
	out[cut] = '\0';
	if (cut < len)
		strcat(out, "…");
	return out;
}

/* The channel as render_batch wants it; mention gets a malloc'd array (caller frees). */
static int test_channel(const json_t *row, struct render_channel *ch, const char ***mention)
{
	const json_t *ms = json_object_get(row, "mention");
	size_t n = json_array_size(ms);

	memset(ch, 0, sizeof *ch);
	if (render_kind_parse(json_string_value(json_object_get(row, "kind")), &ch->kind) != 0)
		return ctl_fail(EX_SOFTWARE, "channel %lld: unknown kind",
				(long long)json_integer_value(json_object_get(row, "id")));
	ch->unit = json_string_value(json_object_get(row, "unit"));
	ch->url = json_string_value(json_object_get(row, "url"));
	ch->secret = json_string_value(json_object_get(row, "secret"));
	*mention = calloc(n > 0 ? n : 1, sizeof **mention);
	if (*mention == NULL)
		return ctl_fail(EX_SOFTWARE, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *m = json_string_value(json_array_get(ms, i));
		(*mention)[ch->n_mention++] = m != NULL ? m : "";
	}
	ch->mention = *mention;
	return 0;
}

/* Renders and sends the test message to one channel; fills res. Returns 0 or a sysexits code
 * for a local failure (out of memory, rendering). */
static int test_one(const struct ctl *c, const json_t *row, struct test_buf *buf,
		    struct test_result *res)
{
	struct render_channel ch;
	struct render_batch batch = {NULL, 0};
	const char **mention = NULL;
	struct render_opts ro = {c->cfg.message_sender, NULL, NULL};
	char sent_at[64];
	json_t *notices;
	int rc;

	res->id = (long long)json_integer_value(json_object_get(row, "id"));
	res->kind = json_string_value(json_object_get(row, "kind"));
	if ((rc = test_channel(row, &ch, &mention)) != 0)
		return rc;
	log_redact_url(ch.url != NULL ? ch.url : "", res->url, sizeof res->url);
	clock_format(clock_now(), sent_at, sizeof sent_at);
	notices = json_pack("[{s:i, s:s, s:s}]", "id", 0, "type", "test", "unit",
			    ch.unit != NULL ? ch.unit : "");
	if (notices == NULL ||
	    render_batch(&ch, &ro, notices, sent_at, (long long)(clock_real() * 1000.0), &batch) != 0 ||
	    batch.n == 0) {
		json_decref(notices);
		free(mention);
		render_batch_free(&batch);
		return ctl_fail(EX_SOFTWARE, "channel %lld: cannot render the test message",
				res->id);
	}
	json_decref(notices);
	/* One notice makes one message; should the kind split it, every part must pass. */
	for (size_t i = 0; i < batch.n; i++) {
		long retry_after;
		int code = test_post(c, &batch.msg[i], buf, &res->http_status, &retry_after);

		classify_response(ch.kind, code, res->http_status, retry_after,
				  code == 0 ? buf->data : NULL, &res->verdict);
		free(res->answer);
		res->answer = NULL;
		if (code == 0) {
			test_redact(buf->data, ch.url, res->url, ch.secret);
			res->answer = test_line(buf->data);
			if (res->answer == NULL) {
				rc = ctl_fail(EX_SOFTWARE, "out of memory");
				break;
			}
		}
		if (res->verdict.verdict != CLASSIFY_OK)
			break;
	}
	render_batch_free(&batch);
	free(mention);
	if (ch.url != NULL)
		test_redact(res->verdict.error, ch.url, res->url, ch.secret);
	return rc;
}

static json_t *test_json(const struct test_result *r)
{
	int ok = r->verdict.verdict == CLASSIFY_OK;

	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:b, s:s, s:o}", "channel", (json_int_t)r->id,
			 "kind", r->kind != NULL ? r->kind : "?", "url", r->url, "http_status",
			 r->http_status > 0 ? json_integer(r->http_status) : json_null(), "answer",
			 r->answer != NULL ? json_string(r->answer) : json_null(), "ok", ok,
			 "verdict", classify_verdict_name(r->verdict.verdict), "error",
			 ok ? json_null() : json_string(r->verdict.error));
}

static void test_print(const struct test_result *r)
{
	printf("channel %lld %s %s: ", r->id, r->kind != NULL ? r->kind : "?", r->url);
	if (r->http_status > 0)
		printf("HTTP %ld, answer %s: ", r->http_status,
		       r->answer != NULL && r->answer[0] != '\0' ? r->answer : "(empty)");
	else
		fputs("no answer: ", stdout);
	if (r->verdict.verdict == CLASSIFY_OK)
		puts("ok");
	else
		printf("FAILED (%s: %s)\n", classify_verdict_name(r->verdict.verdict),
		       r->verdict.error);
}

/* Loads the channels of the unit named on the command line. */
static int test_load(struct ctl *c, json_t **rows)
{
	char unit_id[24];
	const char *params[1] = { unit_id };
	int rc;

	*rows = NULL;
	if ((rc = ctl_begin(c, NULL, NULL)) != 0 || (rc = ctl_unit_id(c, c->argv[0], unit_id)) != 0)
		return rc;
	rc = ctl_run_json(c, rows,
			  "SELECT coalesce(json_agg(json_build_object('id', ch.id, 'kind', ch.kind,"
			  " 'url', ch.url, 'secret', ch.secret, 'mention', ch.mention, 'unit', u.code)"
			  " ORDER BY ch.id), '[]')"
			  " FROM duban.channels ch JOIN duban.units u ON u.id = ch.unit_id"
			  " WHERE u.id = $1::int", 1, params);
	ctl_rollback(c);
	if (rc == 0 && json_array_size(*rows) == 0) {
		json_decref(*rows);
		*rows = NULL;
		return ctl_fail(EX_DATAERR, "unit %s has no channel", c->argv[0]);
	}
	return rc;
}

int cmd_channel_test(struct ctl *c)
{
	struct test_buf buf = {NULL, 0};
	json_t *rows = NULL, *out = NULL, *row;
	size_t i, failed = 0, n;
	int rc;

	if ((rc = ctl_need_args(c, 1, "channel test UNIT")) != 0 || (rc = test_load(c, &rows)) != 0)
		return rc;
	n = json_array_size(rows);
	buf.data = malloc(TEST_BODY_MAX + 1);
	out = json_array();
	if (buf.data == NULL || out == NULL) {
		rc = ctl_fail(EX_SOFTWARE, "out of memory");
		goto done;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		rc = ctl_fail(EX_SOFTWARE, "cannot initialise libcurl");
		goto done;
	}
	json_array_foreach(rows, i, row) {
		struct test_result res;

		memset(&res, 0, sizeof res);
		rc = test_one(c, row, &buf, &res);
		if (rc == 0 && res.verdict.verdict != CLASSIFY_OK)
			failed++;
		if (rc == 0 && c->json && json_array_append_new(out, test_json(&res)) != 0)
			rc = ctl_fail(EX_SOFTWARE, "out of memory");
		if (rc == 0 && !c->json)
			test_print(&res);
		free(res.answer);
		if (rc != 0)
			break;
	}
	curl_global_cleanup();
	if (rc == 0 && c->json) {
		rc = ctl_print_json(out);
		out = NULL;
	}
	if (rc == 0 && failed > 0)
		rc = ctl_fail(EX_UNAVAILABLE, "channel test %s: %zu of %zu channel%s failed",
			      c->argv[0], failed, n, n == 1 ? "" : "s");
done:
	json_decref(out);
	json_decref(rows);
	free(buf.data);
	return rc;
}
