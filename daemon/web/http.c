/* dubanweb's HTTP side on the loop thread (evhttp, libevent 2.1): the two listeners, limits
 * and timeouts, the security headers, the console's routes, and the hand-over of requests to
 * the worker pool and of their replies back to the clients. */
#include "web.h"
#include "duban/log.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COOKIE_NAME "duban_session"

/* Console routes. A path ending in '/' matches as a prefix (the rest is the handler's). */
struct route {
	int method;
	const char *path;
	web_work_fn work;   /* NULL: a static page without login (the login form) */
	bool page;          /* a page: no session → 303 /login */
	const char *asset;  /* the page's HTML */
	size_t body_max;
};

static const struct route routes[] = {
	{ EVHTTP_REQ_POST, "/login", web_auth_login, false, NULL, WEB_BODY_MAX },
	{ EVHTTP_REQ_POST, "/logout", web_auth_logout, false, NULL, WEB_BODY_MAX },
	{ EVHTTP_REQ_GET, "/api/session", web_api_session, false, NULL, 0 },
	{ EVHTTP_REQ_GET, "/api/problems", web_api_problems, false, NULL, 0 },
	{ EVHTTP_REQ_GET, "/api/problems/", web_api_problem, false, NULL, 0 },
	{ EVHTTP_REQ_POST, "/api/problems/", web_api_problem_action, false, NULL, WEB_BODY_MAX },
	{ EVHTTP_REQ_GET, "/api/units", web_api_units, false, NULL, 0 },
	{ EVHTTP_REQ_GET, "/api/bulletin", web_api_bulletin, false, NULL, 0 },
	{ EVHTTP_REQ_GET, "/api/dashboard", web_api_dashboard, false, NULL, 0 },
	{ EVHTTP_REQ_GET, "/api/reports", web_api_reports, false, NULL, 0 },
	{ EVHTTP_REQ_POST, "/api/import", web_api_import, false, NULL, WEB_UPLOAD_MAX },
	{ EVHTTP_REQ_GET, "/api/export/", web_api_export, false, NULL, 0 },
	{ EVHTTP_REQ_GET, "/import", web_page, true, "import.html", 0 },
	{ EVHTTP_REQ_GET, "/exports", web_page, true, "exports.html", 0 },
	{ EVHTTP_REQ_GET, "/", web_page, true, "index.html", 0 },
	{ EVHTTP_REQ_GET, "/ledger", web_page, true, "ledger.html", 0 },
	{ EVHTTP_REQ_GET, "/problems/", web_page, true, "problem.html", 0 },
	{ EVHTTP_REQ_GET, "/units", web_page, true, "units.html", 0 },
	{ EVHTTP_REQ_GET, "/bulletin", web_page, true, "bulletin.html", 0 },
};

double web_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void web_security_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy",
			  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
			  " connect-src 'self'; object-src 'none'; base-uri 'none';"
			  " form-action 'self'; frame-ancestors 'none'");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "same-origin");
	evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
	evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
}

void web_reply(struct web_job *j, int status, const char *type, char *body, size_t len)
{
	free(j->reply);
	j->status = status;
	j->reply_type = (char *)type;
	j->reply = body;
	j->reply_len = len;
}

void web_reply_json(struct web_job *j, int status, json_t *value)
{
	char *text = value != NULL ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	json_decref(value);
	if (text == NULL) {
		web_reply(j, 500, "application/json", strdup("{\"error\":\"internal\"}"), 0);
		return;
	}
	web_reply(j, status, "application/json; charset=utf-8", text, strlen(text));
}

void web_reply_error(struct web_job *j, int status, const char *error, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	web_reply_json(j, status, json_pack("{s:s, s:s}", "error", error, "message", msg));
}

void web_reply_redirect(struct web_job *j, const char *location)
{
	free(j->location);
	j->location = strdup(location);
	web_reply(j, 303, "text/plain; charset=utf-8", NULL, 0);
}

char *web_query_param(const char *query, const char *key)
{
	struct evkeyvalq q;
	const char *v;
	char *out = NULL;

	if (query == NULL)
		return NULL;
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(query, &q) != 0) {
		evhttp_clear_headers(&q);
		return NULL;
	}
	v = evhttp_find_header(&q, key);
	if (v != NULL)
		out = strdup(v);
	evhttp_clear_headers(&q);
	return out;
}

void web_job_free(struct web_job *j)
{
	if (j == NULL)
		return;
	free(j->path);
	free(j->query);
	free(j->token);
	free(j->csrf);
	free(j->body);
	free(j->content_type);
	free(j->reply);
	free(j->location);
	free(j->set_cookie);
	free(j->disposition);
	free(j->next_after);
	if (j->has_fd)
		close(j->reply_fd);
	free(j);
}

static void job_on_close(struct evhttp_connection *evcon, void *arg)
{
	struct web_job *j = arg;

	(void)evcon;
	j->req = NULL;
}

static const char *status_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status < 500 ? "Error" : "Internal Server Error";
	}
}

/* Sends a reply body (and then the job's file, if any: *fd is taken) with the headers every
 * console answer carries. */
static void send_reply_fd(struct evhttp_request *req, int status, const char *type,
			  const char *body, size_t len, const char *cache, struct web_job *j)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	bool failed = buf == NULL || (len > 0 && evbuffer_add(buf, body, len) != 0);

	web_security_headers(req);
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", cache);
	if (!failed && j != NULL && j->has_fd) {
		j->has_fd = false;   /* libevent closes it */
		failed = evbuffer_add_file(buf, j->reply_fd, 0, j->reply_fd_len) != 0;
	}
	if (failed) {
		if (buf != NULL)
			evbuffer_free(buf);
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	evhttp_send_reply(req, status, status_reason(status), buf);
	evbuffer_free(buf);
}

static void send_reply(struct evhttp_request *req, int status, const char *type, const char *body,
		       size_t len, const char *cache)
{
	send_reply_fd(req, status, type, body, len, cache, NULL);
}

void web_job_finish(struct web_job *j)
{
	struct evkeyvalq *h;

	if (j->req == NULL) {   /* the client went away */
		web_job_free(j);
		return;
	}
	evhttp_connection_set_closecb(j->evcon, NULL, NULL);
	if (j->status == 0)
		web_reply_error(j, 500, "internal", "内部错误");
	h = evhttp_request_get_output_headers(j->req);
	if (j->location != NULL)
		evhttp_add_header(h, "Location", j->location);
	if (j->set_cookie != NULL)
		evhttp_add_header(h, "Set-Cookie", j->set_cookie);
	if (j->disposition != NULL)
		evhttp_add_header(h, "Content-Disposition", j->disposition);
	if (j->next_after != NULL)
		evhttp_add_header(h, "X-Next-After", j->next_after);
	if (j->reply_len == 0 && j->reply != NULL)
		j->reply_len = strlen(j->reply);
	send_reply_fd(j->req, j->status, j->reply_type != NULL ? j->reply_type : "text/plain",
		      j->reply != NULL ? j->reply : "", j->reply_len, "no-store", j);
	web_job_free(j);
}

static void reply_now(struct evhttp_request *req, int status, const char *error, const char *msg)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"error\":\"%s\",\"message\":\"%s\"}", error, msg);
	send_reply(req, status, "application/json; charset=utf-8", body, strlen(body), "no-store");
}

/* The session cookie's value (malloc'd) or NULL. */
static char *cookie_token(struct evhttp_request *req)
{
	const char *c = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	const char *p = c;

	while (p != NULL && (p = strstr(p, COOKIE_NAME "=")) != NULL) {
		if (p == c || p[-1] == ' ' || p[-1] == ';') {
			size_t n;
			p += strlen(COOKIE_NAME "=");
			n = strcspn(p, "; ");
			return n == 64 ? strndup(p, n) : NULL;
		}
		p++;
	}
	return NULL;
}

static const struct route *find_route(const char *path, int method, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		size_t n = strlen(r->path);
		bool prefix = n > 1 && r->path[n - 1] == '/';
		bool match = prefix ? strncmp(path, r->path, n) == 0 && path[n] != '\0'
				    : strcmp(path, r->path) == 0;
		if (!match)
			continue;
		*path_known = true;
		if (r->method == method)
			return r;
	}
	return NULL;
}

/* Copies the request into a job; false (and replied) when it is malformed or too big. */
static bool job_fill(struct web_job *j, struct evhttp_request *req, const struct route *r)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(body);
	const char *csrf = evhttp_find_header(in, "X-CSRF-Token");
	const char *ctype = evhttp_find_header(in, "Content-Type");

	if (len > r->body_max) {
		reply_now(req, 413, "too_large", "请求内容过大");
		return false;
	}
	j->token = cookie_token(req);
	j->csrf = csrf != NULL ? strdup(csrf) : NULL;
	j->content_type = ctype != NULL ? strdup(ctype) : NULL;
	j->body = malloc(len + 1);
	if (j->body == NULL || evbuffer_copyout(body, j->body, len) != (ev_ssize_t)len) {
		reply_now(req, 500, "internal", "内存不足");
		return false;
	}
	j->body[len] = '\0';
	j->body_len = len;
	return true;
}

static void serve_asset(struct evhttp_request *req, const char *name)
{
	const char *type, *data;
	size_t len;

	data = web_asset(name, &len, &type);
	if (data == NULL) {
		reply_now(req, 404, "not_found", "没有这个文件");
		return;
	}
	send_reply(req, 200, type, data, len, "public, max-age=300");
}

static void console_dispatch(struct web *w, struct evhttp_request *req, const char *path,
			     const char *query)
{
	int method = evhttp_request_get_command(req);
	bool known;
	const struct route *r = find_route(path, method, &known);
	struct web_job *j;

	if (r == NULL) {
		if (known)
			reply_now(req, 405, "method_not_allowed", "不支持的请求方法");
		else
			reply_now(req, 404, "not_found", "没有这个页面");
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL || (j->path = strdup(path)) == NULL ||
	    (query != NULL && (j->query = strdup(query)) == NULL)) {
		web_job_free(j);
		reply_now(req, 500, "internal", "内存不足");
		return;
	}
	j->w = w;
	j->req = req;
	j->evcon = evhttp_request_get_connection(req);
	j->work = r->work;
	j->method = method;
	j->page = r->page;
	j->asset = r->asset;
	if (!job_fill(j, req, r)) {
		web_job_free(j);
		return;
	}
	evhttp_connection_set_closecb(j->evcon, job_on_close, j);
	if (!web_pool_submit(w->pool, j)) {
		evhttp_connection_set_closecb(j->evcon, NULL, NULL);
		web_job_free(j);
		reply_now(req, 503, "busy", "服务繁忙,请稍后重试");
	}
}

static void console_request(struct evhttp_request *req, void *arg)
{
	struct web *w = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	size_t len = 0;
	char *path = raw != NULL ? evhttp_uridecode(raw, 0, &len) : NULL;

	if (path == NULL || len != strlen(path) || path[0] != '/' || strstr(path, "..") != NULL) {
		reply_now(req, 400, "bad_request", "无效的地址");
		free(path);
		return;
	}
	if (strcmp(path, "/login") == 0 && evhttp_request_get_command(req) == EVHTTP_REQ_GET)
		serve_asset(req, "login.html");
	else if (strncmp(path, "/assets/", 8) == 0 &&
		 evhttp_request_get_command(req) == EVHTTP_REQ_GET)
		serve_asset(req, path + 8);
	else
		console_dispatch(w, req, path, evhttp_uri_get_query(uri));
	free(path);
}

static struct evhttp *listen_on(struct web *w, struct event_base *base, const char *listen,
				size_t body_max, void (*cb)(struct evhttp_request *, void *))
{
	char host[256];
	unsigned short port;
	struct evhttp *http;

	if (config_parse_listen(listen, host, sizeof(host), &port) != 0)
		return NULL;
	http = evhttp_new(base);
	if (http == NULL)
		return NULL;
	evhttp_set_timeout(http, WEB_TIMEOUT);
	evhttp_set_max_headers_size(http, WEB_HEADERS_MAX);
	evhttp_set_max_body_size(http, body_max);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(http, cb, w);
	if (evhttp_bind_socket(http, host, port) != 0) {
		log_event(LOG_ERR, "event=listen address=%s error=\"cannot listen\"", listen);
		evhttp_free(http);
		return NULL;
	}
	log_event(LOG_INFO, "event=listen address=%s", listen);
	return http;
}

int web_http_start(struct web *w)
{
	if (w->cfg.web_listen[0] != '\0') {
		w->console = listen_on(w, w->base, w->cfg.web_listen, WEB_UPLOAD_MAX,
				       console_request);
		if (w->console == NULL)
			return -1;
	}
	if (w->cfg.web_public_listen[0] != '\0') {
		w->public_http = listen_on(w, w->pub.base, w->cfg.web_public_listen, 1024,
					   web_public_request);
		if (w->public_http == NULL)
			return -1;
	}
	return 0;
}

void web_http_stop(struct web *w)
{
	if (w->console != NULL)
		evhttp_free(w->console);
	if (w->public_http != NULL)
		evhttp_free(w->public_http);
	w->console = w->public_http = NULL;
}
