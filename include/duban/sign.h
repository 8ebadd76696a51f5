/* Webhook signatures (SPEC §8): DingTalk's query `sign` and Feishu's body `sign`,
 * both HMAC-SHA256 + base64, computed from the REAL wall clock the caller passes in. */
#ifndef DUBAN_SIGN_H
#define DUBAN_SIGN_H
#include <stddef.h>

/* Room enough for any signature below, URL-encoded or not, with its NUL. */
#define SIGN_MAX 160

/* DingTalk: urlencode(base64(HMAC-SHA256(key = secret, msg = ts_ms + "\n" + secret))).
 * ts_ms is the real time in milliseconds. Returns 0, or -1 (NULL secret, out too small,
 * crypto failure). */
int sign_dingtalk(const char *secret, long long ts_ms, char *out, size_t n);

/* Feishu: base64(HMAC-SHA256(key = ts_s + "\n" + secret, msg = "")), ts_s the real time in
 * seconds. Returns 0 or -1 as above. */
int sign_feishu(const char *secret, long long ts_s, char *out, size_t n);

/* Percent-encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~),
 * with upper-case hex. Returns 0, or -1 when out (n bytes) is too small. */
int sign_urlencode(const char *in, char *out, size_t n);

#endif
