/* duband's small HTTP endpoint (evhttp on http.listen): GET /healthz and GET /metrics. */
#ifndef DUBAN_DAEMON_HTTPD_H
#define DUBAN_DAEMON_HTTPD_H
#include <stdbool.h>
#include <stddef.h>

struct duband;
struct httpd;

/* Listens on listen ("host:port", "[v6]:port"). Returns NULL with err filled on failure;
 * *bad_value tells a malformed value (a configuration error) from a failure to listen. */
struct httpd *httpd_start(struct duband *d, const char *listen, bool *bad_value, char *err,
			  size_t errlen);

/* 1 when healthy: the database connected and a sweep finished within 3 poll intervals. */
bool httpd_healthy(const struct duband *d, char *why, size_t whylen);

void httpd_free(struct httpd *h);

#endif
