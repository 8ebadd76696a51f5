/* What a webhook response means for the notices in it (SPEC §8): delivered, retry later
 * (perhaps with a fresh signature), or give up; with the least delay and the platform's text. */
#ifndef DUBAN_CLASSIFY_H
#define DUBAN_CLASSIFY_H
#include "duban/render.h"

enum classify_verdict {
	CLASSIFY_OK,	       /* delivered: HTTP 2xx and the platform's own success code */
	CLASSIFY_RETRY,	       /* transient (network, timeout, 429, 5xx, rate limit, busy):
				* retry with backoff, not sooner than min_delay */
	CLASSIFY_RETRY_RESIGN, /* the signature's timestamp was refused: sign again from the
				* real clock and retry */
	CLASSIFY_PERMANENT,    /* will never succeed as sent (bad token, bad signature, keyword
				* or IP rules, other 4xx): the notice is dead */
};

#define CLASSIFY_ERROR_MAX 200

struct classify_result {
	enum classify_verdict verdict;
	long min_delay;			/* seconds before the next attempt; 0 = backoff alone */
	char error[CLASSIFY_ERROR_MAX]; /* "" on success, else one line, e.g.
					 * "errcode 310000: sign not match" or "HTTP 404" */
};

/* Classifies one response. curl_code is the transfer's CURLcode (0 = a response arrived);
 * http_status the HTTP status; retry_after the Retry-After header in seconds, or -1; body the
 * response body (NUL-terminated, may be NULL). Never fails. */
void classify_response(enum render_kind kind, int curl_code, long http_status, long retry_after,
		       const char *body, struct classify_result *out);

/* "ok", "retry", "retry-resign", "permanent". */
const char *classify_verdict_name(enum classify_verdict verdict);

#endif
