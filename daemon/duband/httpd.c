/* GET /healthz (200 when the database is connected and a sweep ran within 3 poll intervals,
 * else 503) and GET /metrics (Prometheus text) served by evhttp on the daemon's loop. */
#include "duban/daemon_httpd.h"
#include "duban/config.h"
#include "duban/daemon_core.h"
#include "duban/daemon_metrics.h"
#include "duban/log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct httpd {
	struct duband *d;
	struct evhttp *http;
};

bool httpd_healthy(const struct duband *d, char *why, size_t whylen)
{
	double age;

	if (!d->db_ready) {
		snprintf(why, whylen, "database not connected");
		return false;
	}
	if (d->last_sweep_mono <= 0) {
		snprintf(why, whylen, "no sweep yet");
		return false;
	}
	age = duband_mono() - d->last_sweep_mono;
	if (age > 3.0 * d->cfg.poll_interval) {
		snprintf(why, whylen, "last sweep %.0f s ago (poll interval %d s)", age,
			 d->cfg.poll_interval);
		return false;
	}
	snprintf(why, whylen, "ok");
	return true;
}

static void httpd_reply(struct evhttp_request *req, int code, const char *reason,
			const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (evhttp_add_header(h, "Content-Type", ctype) != 0 ||
	    evhttp_add_header(h, "Cache-Control", "no-store") != 0)
		log_event(LOG_WARNING, "event=http error=\"cannot set headers\"");
	evhttp_send_reply(req, code, reason, body);
}

static void httpd_on_healthz(struct evhttp_request *req, void *arg)
{
	struct httpd *h = arg;
	struct evbuffer *body = evbuffer_new();
	char why[128];
	bool ok = httpd_healthy(h->d, why, sizeof(why));

	if (body == NULL) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	evbuffer_add_printf(body, "%s%s\n", ok ? "" : "unavailable: ", why);
	httpd_reply(req, ok ? 200 : 503, ok ? "OK" : "Service Unavailable",
		    "text/plain; charset=utf-8", body);
	evbuffer_free(body);
}

static void httpd_on_metrics(struct evhttp_request *req, void *arg)
{
	struct httpd *h = arg;
	struct evbuffer *body = evbuffer_new();

	if (body == NULL || metrics_render(&h->d->metrics, body) != 0) {
		if (body != NULL)
			evbuffer_free(body);
		evhttp_send_error(req, 500, "cannot render metrics");
		return;
	}
	httpd_reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body);
	evbuffer_free(body);
}

static void httpd_on_other(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, 404, "try /healthz or /metrics");
}

struct httpd *httpd_start(struct duband *d, const char *listen, bool *bad_value, char *err,
			  size_t errlen)
{
	struct httpd *h;
	char host[256];
	unsigned short port;

	*bad_value = false;
	if (config_parse_listen(listen, host, sizeof(host), &port) != 0) {
		*bad_value = true;
		snprintf(err, errlen, "http.listen must be HOST:PORT (e.g. 127.0.0.1:9187), got '%s'",
			 listen);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->d = d;
	h->http = evhttp_new(d->base);
	if (h->http == NULL) {
		snprintf(err, errlen, "cannot create the HTTP server");
		httpd_free(h);
		return NULL;
	}
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(h->http, 10);
	if (evhttp_set_cb(h->http, "/healthz", httpd_on_healthz, h) != 0 ||
	    evhttp_set_cb(h->http, "/metrics", httpd_on_metrics, h) != 0) {
		snprintf(err, errlen, "cannot register the HTTP handlers");
		httpd_free(h);
		return NULL;
	}
	evhttp_set_gencb(h->http, httpd_on_other, h);
	if (evhttp_bind_socket_with_handle(h->http, host, port) == NULL) {
		snprintf(err, errlen, "cannot listen on %s: %s", listen, strerror(errno));
		httpd_free(h);
		return NULL;
	}
	return h;
}

void httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	if (h->http != NULL)
		evhttp_free(h->http);
	free(h);
}
