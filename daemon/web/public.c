/* The public disclosure pages (SPEC §10) on web.public_listen: GET / lists the problems in
 * publicity (ref, title, main unit, publicity dates, whom to tell an objection) and those
 * closed in the last 12 months. Nothing internal, nothing to log in to or write.
 *
 * The public listener has a thread and an event loop of its own, so a burst of public traffic
 * never waits behind the console nor delays it. A request never touches the database or a
 * worker thread: that loop answers from the page in memory (plain and gzip, each with its ETag;
 * 304 on a match). The page is rendered on the same loop from duband's asynchronous connection
 * (daemon_pgconn.h), which LISTENs on
 * duban_wake (every write of dubanctl and the console NOTIFYs it): at start, at each wake (at
 * most one refresh every WEB_PUBLIC_GAP seconds, coalesced), and every WEB_PUBLIC_REFRESH
 * seconds for what changes with the date. While the database is away the last page is served. */
#include "web.h"
#include "duban/clock.h"
#include "duban/daemon_pgconn.h"
#include "duban/log.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define WEB_PUBLIC_GAP 1.0   /* seconds between two refreshes at least */
#define WEB_PUBLIC_WRITE (256 * 1024) /* bytes one write may send (libevent's default: 16 KiB) */

/* A growing text buffer for the render. */
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
	" AND p.status = 'closed' ORDER BY p.closed_on DESC, p.ref LIMIT 500";

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


/* ---- the cached page ---- */

static struct web_blob *blob_new(const char *data, size_t len)
{
	struct web_blob *b = malloc(sizeof(*b) + len);

	if (b == NULL)
		return NULL;
	b->refs = 1;
	b->len = len;
	memcpy(b->data, data, len);
	return b;
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

/* The gzip encoding of data (once per render), or NULL. */
static struct web_blob *blob_gzip(const char *data, size_t len)
{
	z_stream z;
	uLong cap = compressBound((uLong)len) + 64;
	struct web_blob *b = malloc(sizeof(*b) + cap);
	int rc;

	if (b == NULL)
		return NULL;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(b);
		return NULL;
	}
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)b->data;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	b->len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(b);
		return NULL;
	}
	b->refs = 1;
	return b;
}

/* Replaces the page (loop thread). */
static void public_store(struct web *w, const char *html, size_t len)
{
	static unsigned long generation;
	struct web_blob *page = blob_new(html, len), *gz;

	if (page == NULL) {
		log_event(LOG_ERR, "event=public_refresh error=\"out of memory\"");
		return;
	}
	gz = blob_gzip(html, len);
	blob_release(w->pub.page);
	blob_release(w->pub.gz);
	w->pub.page = page;
	w->pub.gz = gz;
	generation++;
	snprintf(w->pub.etag, sizeof(w->pub.etag), "\"p%lx-%zx\"", generation, len);
	snprintf(w->pub.etag_gz, sizeof(w->pub.etag_gz), "\"p%lx-%zx-gz\"", generation, len);
}

/* ---- the refresh on the asynchronous connection ---- */

static void public_request_refresh(struct web *w, const char *why);

static void public_render(struct web *w, const struct pgconn_reply *r)
{
	/* steps: BEGIN, clock, today, publicity, closed, COMMIT */
	struct text t = { NULL, 0, 0, false };

	render_head(&t, PQgetvalue(r->res[2], 0, 0));
	pthread_mutex_lock(&w->pub.lock);
	render_publicity(&t, r->res[3], w->pub.contact);
	pthread_mutex_unlock(&w->pub.lock);
	render_closed(&t, r->res[4]);
	text_put(&t, "</main></body></html>\n");
	if (t.oom) {
		log_event(LOG_ERR, "event=public_refresh error=\"out of memory\"");
	} else {
		public_store(w, t.s, t.len);
		log_event(LOG_DEBUG, "event=public_refresh why=%s ms=%.1f bytes=%zu gzip=%zu",
			  w->pub.why, (web_mono() - w->pub.last_start) * 1000, t.len,
			  w->pub.gz != NULL ? w->pub.gz->len : 0);
	}
	free(t.s);
}

static void public_on_refreshed(void *arg, const struct pgconn_reply *r)
{
	struct web *w = arg;

	w->pub.refreshing = false;
	if (w->pub.stopping)
		return;
	if (r->error != NULL || r->n != 6 || r->res[2] == NULL || r->res[3] == NULL ||
	    r->res[4] == NULL || PQntuples(r->res[2]) != 1) {
		char q[600];
		log_quote(r->error != NULL ? r->error : "unexpected result", q, sizeof(q));
		log_event(LOG_WARNING, "event=public_refresh error=%s lost=%d note=\"%s\"", q,
			  (int)r->lost, w->pub.page != NULL ? "serving the last page"
			  : "503 until the first page");
	} else {
		public_render(w, r);
	}
	if (w->pub.dirty) {
		w->pub.dirty = false;
		public_request_refresh(w, w->pub.dirty_why);
	}
}

static void public_refresh_now(struct web *w, const char *why)
{
	char now[64];
	const char *clock[2] = { now, w->pub.tz };
	const struct pgconn_step steps[6] = {
		{ "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL },
		{ "SELECT set_config('duban.now', $1, true), set_config('duban.tz', $2, true),"
		  " set_config('TimeZone', $2, true)", 2, clock },
		{ "SELECT duban.today()::text", 0, NULL },
		{ publicity_sql, 0, NULL },
		{ closed_sql, 0, NULL },
		{ "COMMIT", 0, NULL },
	};

	clock_format(clock_now(), now, sizeof(now));
	if (pgconn_transaction(w->pub.db, steps, 6, public_on_refreshed, w) != 0)
		return;   /* not connected: the up hook refreshes */
	w->pub.refreshing = true;
	w->pub.why = why;
	w->pub.last_start = web_mono();
}

static void public_on_soon(evutil_socket_t fd, short what, void *arg)
{
	struct web *w = arg;

	(void)fd;
	(void)what;
	public_request_refresh(w, w->pub.soon_why);
}

/* The reason to log for two requests made one: a timer's tick gives way to any other. */
static const char *why_merge(const char *pending, const char *why)
{
	return pending == NULL || strcmp(pending, "tick") == 0 ? why : pending;
}

/* A refresh now, or after the one running, or once WEB_PUBLIC_GAP has passed since the last;
 * why (a static string) is logged with it: connect, wake, tick, reload. */
static void public_request_refresh(struct web *w, const char *why)
{
	double wait;

	if (w->pub.db == NULL || w->pub.stopping || !pgconn_is_up(w->pub.db))
		return;
	if (w->pub.refreshing) {
		w->pub.dirty_why = why_merge(w->pub.dirty ? w->pub.dirty_why : NULL, why);
		w->pub.dirty = true;
		return;
	}
	wait = w->pub.last_start + WEB_PUBLIC_GAP - web_mono();
	if (wait > 0) {
		struct timeval tv = { (time_t)wait, (suseconds_t)((wait - (double)(time_t)wait) * 1e6) };
		if (evtimer_pending(w->pub.soon, NULL)) {
			w->pub.soon_why = why_merge(w->pub.soon_why, why);
			return;
		}
		w->pub.soon_why = why;
		if (evtimer_add(w->pub.soon, &tv) != 0)
			log_event(LOG_ERR, "event=internal error=\"cannot arm the public page timer\"");
		return;
	}
	public_refresh_now(w, why);
}

static void public_on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	public_request_refresh(arg, "tick");
}

static void public_on_listen(void *arg, const struct pgconn_reply *r)
{
	(void)arg;
	if (r->error != NULL && !r->lost)
		log_event(LOG_WARNING, "event=public_listen error=\"LISTEN duban_wake failed\"");
}

static void public_db_up(void *arg, int backend_pid)
{
	struct web *w = arg;

	(void)backend_pid;
	if (pgconn_query(w->pub.db, "LISTEN duban_wake", 0, NULL, public_on_listen, w) != 0)
		return;
	w->pub.refreshing = false;
	public_request_refresh(w, "connect");
}

static void public_db_down(void *arg, const char *why, bool was_up, double retry_in)
{
	struct web *w = arg;
	char q[600];

	log_quote(why, q, sizeof(q));
	log_event(LOG_WARNING, "event=public_db up=0 was_up=%d error=%s retry_in=%.0f note=\"%s\"",
		  (int)was_up, q, retry_in, w->pub.page != NULL ? "serving the last page"
		  : "503 until the first page");
}

static void public_db_notify(void *arg, const char *channel, int be_pid, const char *extra)
{
	(void)channel;
	(void)be_pid;
	(void)extra;
	public_request_refresh(arg, "wake");
}

static void public_on_changed(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	public_request_refresh(arg, "reload");
}

/* Main thread (a reload): the new contact, then a refresh on the public thread. */
void web_public_changed(struct web *w)
{
	char *contact;

	if (w->pub.base == NULL)
		return;
	contact = strdup(w->cfg.web_objection_contact);
	if (contact == NULL) {
		log_event(LOG_ERR, "event=reload error=\"out of memory copying the contact\"");
		return;
	}
	pthread_mutex_lock(&w->pub.lock);
	free(w->pub.contact);
	w->pub.contact = contact;
	pthread_mutex_unlock(&w->pub.lock);
	event_active(w->pub.changed, EV_READ, 0);
}

static void public_on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct web *w = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(w->pub.base);
}

int web_public_start(struct web *w)
{
	const struct pgconn_hooks hooks = { public_db_up, public_db_down, public_db_notify, w };
	struct timeval every = { WEB_PUBLIC_REFRESH, 0 };

	pthread_mutex_init(&w->pub.lock, NULL);
	w->pub.inited = true;
	w->pub.tz = w->cfg.timezone;   /* a reload keeps this string (reload.c) */
	w->pub.contact = strdup(w->cfg.web_objection_contact);
	w->pub.base = event_base_new();
	if (w->pub.contact == NULL || w->pub.base == NULL)
		return -1;
	w->pub.db = pgconn_new(w->pub.base, w->dsn, &hooks);
	w->pub.soon = evtimer_new(w->pub.base, public_on_soon, w);
	w->pub.tick = event_new(w->pub.base, -1, EV_PERSIST, public_on_tick, w);
	w->pub.changed = event_new(w->pub.base, -1, 0, public_on_changed, w);
	w->pub.stop = event_new(w->pub.base, -1, 0, public_on_stop, w);
	if (w->pub.db == NULL || w->pub.soon == NULL || w->pub.tick == NULL ||
	    w->pub.changed == NULL || w->pub.stop == NULL || event_add(w->pub.tick, &every) != 0)
		return -1;
	pgconn_set_application_name(w->pub.db, "dubanweb");
	pgconn_start(w->pub.db);   /* runs once the thread does; failures are retried */
	return 0;
}

static void *public_thread(void *arg)
{
	struct web *w = arg;

	if (event_base_loop(w->pub.base, EVLOOP_NO_EXIT_ON_EMPTY) < 0)
		log_event(LOG_ERR, "event=internal error=\"the public pages' loop failed\"");
	return NULL;
}

int web_public_run(struct web *w)
{
	if (pthread_create(&w->pub.thread, NULL, public_thread, w) != 0)
		return -1;
	w->pub.running = true;
	return 0;
}

void web_public_halt(struct web *w)
{
	if (!w->pub.running)
		return;
	event_active(w->pub.stop, EV_READ, 0);   /* taken even before the loop has begun */
	pthread_join(w->pub.thread, NULL);
	w->pub.running = false;
}

void web_public_stop(struct web *w)
{
	struct event *evs[4] = { w->pub.soon, w->pub.tick, w->pub.changed, w->pub.stop };

	if (!w->pub.inited)
		return;
	w->pub.stopping = true;
	if (w->pub.db != NULL)
		pgconn_free(w->pub.db);
	for (int i = 0; i < 4; i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	if (w->pub.base != NULL)
		event_base_free(w->pub.base);
	blob_release(w->pub.page);
	blob_release(w->pub.gz);
	free(w->pub.contact);
	pthread_mutex_destroy(&w->pub.lock);
	memset(&w->pub, 0, sizeof(w->pub));
}

/* ---- requests (the public thread) ---- */

/* Whether an Accept-Encoding value accepts gzip: a "gzip" coding without q=0. */
static bool accepts_gzip(const char *ae)
{
	while (ae != NULL && *ae != '\0') {
		size_t n = strcspn(ae, ",");
		char tok[64], *name;

		if (n < sizeof(tok)) {
			memcpy(tok, ae, n);
			tok[n] = '\0';
			name = tok + strspn(tok, " \t");
			if (strcspn(name, "; \t") == 4 && strncasecmp(name, "gzip", 4) == 0) {
				const char *q = strstr(name, "q=");
				return q == NULL || strtod(q + 2, NULL) > 0;
			}
		}
		ae += n;
		if (*ae == ',')
			ae++;
	}
	return false;
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

/* The page, gzip when the client takes it; 304 when it has this very one. */
static void public_page(struct web *w, struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	bool gz = w->pub.gz != NULL && accepts_gzip(evhttp_find_header(in, "Accept-Encoding"));
	const char *etag = gz ? w->pub.etag_gz : w->pub.etag;
	const char *inm = evhttp_find_header(in, "If-None-Match");

	evhttp_add_header(out, "ETag", etag);
	evhttp_add_header(out, "Vary", "Accept-Encoding");
	if (inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) {
		public_send(req, 304, "text/html; charset=utf-8", NULL, 0, "public, max-age=30", NULL);
		return;
	}
	if (gz)
		evhttp_add_header(out, "Content-Encoding", "gzip");
	/* the whole page in one write rather than five 16 KiB ones, each a loop iteration */
	bufferevent_set_max_single_write(evhttp_connection_get_bufferevent(
		evhttp_request_get_connection(req)), WEB_PUBLIC_WRITE);
	public_send(req, 200, "text/html; charset=utf-8", NULL, 0, "public, max-age=30",
		    gz ? w->pub.gz : w->pub.page);
}

void web_public_request(struct evhttp_request *req, void *arg)
{
	struct web *w = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	const char *type, *data;
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
	if (w->pub.page == NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "2");
		public_send(req, 503, "text/plain; charset=utf-8", "请稍后再试\n", 16, "no-store", NULL);
		return;
	}
	public_page(w, req);
}
