/* Webhook HTTP client: libcurl's multi socket API driven by the libevent loop (one event per
 * socket, one timer), POSTing JSON bodies or a file (multipart) with per-request callbacks. */
#ifndef DUBAN_DAEMON_HTTPC_H
#define DUBAN_DAEMON_HTTPC_H
#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct httpc;

struct httpc_result {
	int curl_code;        /* CURLcode; 0 when a response arrived */
	long status;          /* HTTP status, 0 when none */
	long retry_after;     /* Retry-After in seconds, -1 when absent */
	const char *body;     /* response body (NUL-terminated, at most HTTPC_BODY_MAX bytes) */
	const char *error;    /* curl's message when curl_code != 0, else "" */
	double seconds;       /* duration of the request */
	bool aborted;         /* ended by httpc_abort_all(): the outcome is unknown */
};

#define HTTPC_BODY_MAX 65536

typedef void (*httpc_done_fn)(void *arg, const struct httpc_result *res);

/* Creates the client on base. Returns NULL (err filled) on failure. */
struct httpc *httpc_new(struct event_base *base, char *err, size_t errlen);

/* Starts POSTing body (len bytes, copied) to url as application/json with the given total
 * timeout. fn is called once from the loop when the request ends (never from inside this
 * call). Returns 0, or -1 when the request could not be started. */
int httpc_post_json(struct httpc *h, const char *url, const char *body, size_t len,
		    long timeout_s, httpc_done_fn fn, void *arg);

/* Starts POSTing the file at path to url as multipart/form-data: one part named field, with
 * the given filename, as application/octet-stream (curl reads the file while sending). As
 * httpc_post_json otherwise. */
int httpc_post_file(struct httpc *h, const char *url, const char *field, const char *path,
		    const char *filename, long timeout_s, httpc_done_fn fn, void *arg);

/* Requests in flight. */
int httpc_active(const struct httpc *h);

/* Ends every request now; each callback gets aborted = true. */
void httpc_abort_all(struct httpc *h);

/* Aborts what is left (callbacks are not called) and frees. */
void httpc_free(struct httpc *h);

#endif
