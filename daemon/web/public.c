/* The public disclosure pages (SPEC §10) on web.public_listen: GET / lists the problems in
 * publicity (ref, title, main unit, publicity dates, whom to tell an objection) and those
 * closed in the last 12 months. Nothing internal, nothing to log in to or write. The page is
 * rendered by a worker at most every WEB_PUBLIC_REFRESH seconds and served from memory, so a
 * burst of public traffic costs the database nothing and never slows the console. */
#include "web.h"
#include "duban/log.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLOSED_MAX 500

/* A growing text buffer for the render (worker thread). */
struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap > 0 ? t->cap : 8192;
		char *p;
		while (cap < t->len + n + 1)
			cap *= 2;
		p = realloc(t->s, cap);
		if (p == NULL) {
			t->oom = true;
			return;
		}
		t->s = p;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void text_put(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

/* Appends s with & < > " ' escaped: the one place public text becomes HTML. */
static void text_escaped(struct text *t, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': text_put(t, "&amp;"); break;
		case '<': text_put(t, "&lt;"); break;
		case '>': text_put(t, "&gt;"); break;
		case '"': text_put(t, "&quot;"); break;
		case '\'': text_put(t, "&#39;"); break;
		default: text_add(t, s, 1);
		}
	}
}

/* Appends a table row of cells (escaped). */
static void text_row(struct text *t, int n, ...)
{
	va_list ap;

	va_start(ap, n);
	text_put(t, "<tr>");
	for (int i = 0; i < n; i++) {
		text_put(t, "<td>");
		text_escaped(t, va_arg(ap, const char *));
		text_put(t, "</td>");
	}
	text_put(t, "</tr>\n");
	va_end(ap);
}

static const char publicity_sql[] =
	"SELECT p.ref, p.title, u.name, (p.accepted_on + 1)::text, (p.accepted_on + 7)::text"
	" FROM duban.problems p JOIN duban.units u ON u.id = p.unit_id"
	" WHERE p.status = 'publicizing' ORDER BY p.accepted_on, p.ref";

static const char closed_sql[] =
	"SELECT p.ref, p.title, u.name, p.closed_on::text, count(*) OVER ()"
	" FROM duban.problems p JOIN duban.units u ON u.id = p.unit_id"
	" WHERE p.closed_on > (duban.today() - interval '12 months')::date"
	" AND p.status = 'closed' ORDER BY p.closed_on DESC, p.ref LIMIT " "500";

static void render_head(struct text *t, const char *today)
{
	text_put(t, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<title>生态环境问题整改信息公开</title>"
		    "<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/public.css\"></head><body>\n"
		    "<header><h1>生态环境问题整改信息公开</h1><p>更新于 ");
	text_escaped(t, today);
	text_put(t, "</p></header><main>\n");
}

static void render_publicity(struct text *t, PGresult *r, const char *contact)
{
	text_put(t, "<section id=\"publicity\"><h2>正在公示的问题(公示期 7 天)</h2>\n<p class=\"contact\">"
		    "公示期内如有异议,请联系:");
	text_escaped(t, contact[0] != '\0' ? contact : "(未设置)");
	text_put(t, "</p>\n");
	if (PQntuples(r) == 0) {
		text_put(t, "<p class=\"empty\">目前没有正在公示的问题。</p></section>\n");
		return;
	}
	text_put(t, "<table><thead><tr><th>编号</th><th>问题</th><th>主体责任单位</th>"
		    "<th>公示开始</th><th>公示结束</th></tr></thead><tbody>\n");
	for (int i = 0; i < PQntuples(r); i++)
		text_row(t, 5, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
			 PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
	text_put(t, "</tbody></table></section>\n");
}

static void render_closed(struct text *t, PGresult *r)
{
	char line[160];

	text_put(t, "<section id=\"closed\"><h2>近 12 个月已销号的问题</h2>\n");
	if (PQntuples(r) == 0) {
		text_put(t, "<p class=\"empty\">近 12 个月没有销号的问题。</p></section>\n");
		return;
	}
	if (atol(PQgetvalue(r, 0, 4)) > PQntuples(r)) {
		snprintf(line, sizeof(line), "<p>共 %s 个,以下为最近销号的 %d 个。</p>\n",
			 PQgetvalue(r, 0, 4), PQntuples(r));
		text_put(t, line);
	}
	text_put(t, "<table><thead><tr><th>编号</th><th>问题</th><th>主体责任单位</th>"
		    "<th>销号日期</th></tr></thead><tbody>\n");
	for (int i = 0; i < PQntuples(r); i++)
		text_row(t, 4, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
			 PQgetvalue(r, i, 3));
	text_put(t, "</tbody></table></section>\n");
}

void web_public_refresh(struct web_job *j, PGconn *conn)
{
	PGresult *pub = NULL, *closed = NULL, *today = NULL;
	struct text t = { NULL, 0, 0, false };

	if (!web_begin(j, conn, NULL, NULL) ||
	    (today = web_sql(j, conn, "SELECT duban.today()::text", 0, NULL)) == NULL ||
	    (pub = web_sql(j, conn, publicity_sql, 0, NULL)) == NULL ||
	    (closed = web_sql(j, conn, closed_sql, 0, NULL)) == NULL)
		goto done;
	web_rollback(conn);
	render_head(&t, PQgetvalue(today, 0, 0));
	render_publicity(&t, pub, j->arg);
	render_closed(&t, closed);
	text_put(&t, "</main></body></html>\n");
	if (t.oom) {
		free(t.s);
		web_reply_error(j, 500, "internal", "out of memory");
		goto done;
	}
	web_reply(j, 200, "text/html; charset=utf-8", t.s, t.len);
done:
	PQclear(today);
	PQclear(pub);
	PQclear(closed);
}

static void public_submit_refresh(struct web *w)
{
	struct web_job *j = calloc(1, sizeof(*j));

	if (j == NULL || (j->path = strdup("(public refresh)")) == NULL ||
	    (j->arg = strdup(w->cfg.web_objection_contact)) == NULL) {
		web_job_free(j);
		return;
	}
	j->w = w;
	j->work = web_public_refresh;
	w->pub.refreshing = true;
	if (!web_pool_submit(w->pool, j)) {
		w->pub.refreshing = false;
		web_job_free(j);
	}
}

static void blob_release(struct web_blob *b)
{
	if (b != NULL && --b->refs == 0)
		free(b);
}

static void blob_cleanup(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	blob_release(arg);
}

void web_public_store(struct web *w, struct web_job *j)
{
	static unsigned long generation;
	struct web_blob *b;

	w->pub.refreshing = false;
	if (w->pub.dirty) {   /* rendered from what was there before a change: again */
		w->pub.dirty = false;
		public_submit_refresh(w);
	}
	if (j->status != 200 || j->reply == NULL) {
		log_event(LOG_WARNING, "event=public_refresh status=%d", j->status);
		return;
	}
	b = malloc(sizeof(*b) + j->reply_len);
	if (b == NULL)
		return;
	b->refs = 1;
	b->len = j->reply_len;
	memcpy(b->data, j->reply, j->reply_len);
	blob_release(w->pub.page);
	w->pub.page = b;
	w->pub.built_mono = web_mono();
	snprintf(w->pub.etag, sizeof(w->pub.etag), "\"p%lx-%zx\"", ++generation, b->len);
}

void web_public_changed(struct web *w)
{
	if (w->public_http == NULL)
		return;
	if (w->pub.refreshing)
		w->pub.dirty = true;
	else
		public_submit_refresh(w);
}

void web_public_stop(struct web *w)
{
	blob_release(w->pub.page);
	w->pub.page = NULL;
}

void web_public_start(struct web *w)
{
	public_submit_refresh(w);
}

/* Sends body; a page blob is referenced, not copied, until the client has it. */
static void public_send(struct evhttp_request *req, int status, const char *type,
			const char *body, size_t len, const char *cache, struct web_blob *blob)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	int rc = 0;

	web_security_headers(req);
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", cache);
	if (buf != NULL && blob != NULL) {
		blob->refs++;
		rc = evbuffer_add_reference(buf, blob->data, blob->len, blob_cleanup, blob);
		if (rc != 0)
			blob_release(blob);
	} else if (buf != NULL && len > 0) {
		rc = evbuffer_add(buf, body, len);
	}
	if (buf == NULL || rc != 0) {
		if (buf != NULL)
			evbuffer_free(buf);
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	evhttp_send_reply(req, status, status == 200 ? "OK" : status == 304 ? "Not Modified"
			  : status == 404 ? "Not Found" : status == 405 ? "Method Not Allowed"
			  : "Service Unavailable", buf);
	evbuffer_free(buf);
}

void web_public_request(struct evhttp_request *req, void *arg)
{
	struct web *w = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	const char *inm, *type, *data;
	size_t len;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		public_send(req, 405, "text/plain; charset=utf-8", "只读页面\n", 13, "no-store", NULL);
		return;
	}
	if (path != NULL && strcmp(path, "/public.css") == 0 &&
	    (data = web_asset("public.css", &len, &type)) != NULL) {
		public_send(req, 200, type, data, len, "public, max-age=300", NULL);
		return;
	}
	if (path == NULL || strcmp(path, "/") != 0) {
		public_send(req, 404, "text/plain; charset=utf-8", "没有这个页面\n", 19, "no-store", NULL);
		return;
	}
	if (!w->pub.refreshing &&
	    (w->pub.page == NULL || web_mono() - w->pub.built_mono > WEB_PUBLIC_REFRESH))
		public_submit_refresh(w);
	if (w->pub.page == NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "2");
		public_send(req, 503, "text/plain; charset=utf-8", "请稍后再试\n", 16, "no-store", NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "ETag", w->pub.etag);
	inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
	if (inm != NULL && strcmp(inm, w->pub.etag) == 0) {
		public_send(req, 304, "text/html; charset=utf-8", NULL, 0, "public, max-age=30", NULL);
		return;
	}
	public_send(req, 200, "text/html; charset=utf-8", NULL, 0, "public, max-age=30",
		    w->pub.page);
}
