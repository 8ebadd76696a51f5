/* libcurl multi socket API on libevent (the hiperfifo pattern): CURLMOPT_SOCKETFUNCTION keeps
 * one event per socket (curl_multi_assign), CURLMOPT_TIMERFUNCTION only arms one timer, the
 * event callbacks call curl_multi_socket_action and then collect finished transfers. Bodies
 * are JSON, or a file as multipart/form-data (curl's mime API: WeCom's upload_media). */
#include "duban/daemon_httpc.h"
#include "duban/log.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One request in flight. */
struct hreq {
	struct hreq *prev, *next;
	struct httpc *h;
	CURL *easy;
	struct curl_slist *headers;
	curl_mime *mime;       /* multipart body (httpc_post_file), else NULL */
	char *body;            /* request body (copy) */
	char *resp;            /* response body so far */
	size_t resp_len;
	char errbuf[CURL_ERROR_SIZE];
	httpc_done_fn fn;
	void *arg;
	double started;
};

/* One socket curl asked us to watch. */
struct hsock {
	struct hsock *prev, *next;
	struct event *ev;
	curl_socket_t fd;
};

struct httpc {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct hreq *reqs;
	struct hsock *socks;
	int active;
	bool aborting;         /* httpc_abort_all() running: refuse new requests */
};

static double httpc_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void httpc_req_free(struct hreq *r)
{
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	curl_mime_free(r->mime);
	free(r->body);
	free(r->resp);
	free(r);
}

static void httpc_unlink(struct httpc *h, struct hreq *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		h->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	h->active--;
}

/* Ends r: takes it out of the multi handle, calls its callback, frees it. */
static void httpc_finish(struct httpc *h, struct hreq *r, CURLcode code, bool aborted)
{
	struct httpc_result res;
	curl_off_t retry_after = 0;
	long status = 0;

	if (!aborted) {
		if (curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
			status = 0;
		if (curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &retry_after) != CURLE_OK)
			retry_after = 0;
	}
	if (curl_multi_remove_handle(h->multi, r->easy) != CURLM_OK)
		log_event(LOG_WARNING, "event=internal error=\"curl_multi_remove_handle failed\"");
	httpc_unlink(h, r);
	memset(&res, 0, sizeof(res));
	res.curl_code = aborted ? (int)CURLE_ABORTED_BY_CALLBACK : (int)code;
	res.status = status;
	res.retry_after = retry_after > 0 ? (long)retry_after : -1;
	res.body = r->resp != NULL ? r->resp : "";
	res.error = res.curl_code == 0 ? ""
		    : r->errbuf[0] != '\0' ? r->errbuf : curl_easy_strerror((CURLcode)res.curl_code);
	res.seconds = httpc_mono() - r->started;
	res.aborted = aborted;
	if (r->fn != NULL)
		r->fn(r->arg, &res);
	httpc_req_free(r);
}

/* Collects finished transfers. */
static void httpc_check(struct httpc *h)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct hreq *r = NULL;
		CURL *easy = msg->easy_handle;
		CURLcode code = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r) != CURLE_OK ||
		    r == NULL) {
			log_event(LOG_ERR, "event=internal error=\"finished transfer without request\"");
			curl_multi_remove_handle(h->multi, easy);
			continue;
		}
		httpc_finish(h, r, code, false);
	}
}

static void httpc_on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct httpc *h = arg;
	int action = ((what & EV_READ) != 0 ? CURL_CSELECT_IN : 0) |
		     ((what & EV_WRITE) != 0 ? CURL_CSELECT_OUT : 0);
	int running = 0;
	CURLMcode rc = curl_multi_socket_action(h->multi, fd, action, &running);

	if (rc != CURLM_OK)
		log_event(LOG_ERR, "event=internal error=\"curl_multi_socket_action: %s\"",
			  curl_multi_strerror(rc));
	/* No evtimer_del() when nothing runs: a completion callback may just have added a
	 * transfer whose start timer curl armed; curl deletes the timer itself (timeout -1). */
	httpc_check(h);
}

static void httpc_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct httpc *h = arg;
	int running = 0;
	CURLMcode rc = curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);

	(void)fd;
	(void)what;
	if (rc != CURLM_OK)
		log_event(LOG_ERR, "event=internal error=\"curl_multi_socket_action: %s\"",
			  curl_multi_strerror(rc));
	httpc_check(h);
}

/* CURLMOPT_TIMERFUNCTION: only (re)arms or deletes our timer. */
static int httpc_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct httpc *h = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(h->timer, &tv) == 0 ? 0 : -1;
}

static void httpc_sock_free(struct httpc *h, struct hsock *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		h->socks = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	if (s->ev != NULL)
		event_free(s->ev);
	free(s);
}

/* CURLMOPT_SOCKETFUNCTION: one persistent event per socket, re-assigned when curl changes
 * what it waits for; REMOVE of a socket we never saw is fine. */
static int httpc_sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct httpc *h = userp;
	struct hsock *s = socketp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL)
			httpc_sock_free(h, s); /* curl drops its own assignment after REMOVE */
		return 0;
	}
	kind = (short)(((what & CURL_POLL_IN) != 0 ? EV_READ : 0) |
		       ((what & CURL_POLL_OUT) != 0 ? EV_WRITE : 0) | EV_PERSIST);
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return -1;
		s->fd = fd;
		s->ev = event_new(h->base, fd, kind, httpc_on_sock, h);
		s->next = h->socks;
		if (h->socks != NULL)
			h->socks->prev = s;
		h->socks = s;
		if (s->ev == NULL || curl_multi_assign(h->multi, fd, s) != CURLM_OK) {
			httpc_sock_free(h, s);
			return -1;
		}
	} else {
		event_del(s->ev);
		if (event_assign(s->ev, h->base, fd, kind, httpc_on_sock, h) != 0)
			return -1;
	}
	return event_add(s->ev, NULL) == 0 ? 0 : -1;
}

static size_t httpc_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct hreq *r = userp;
	size_t n = size * nmemb, room = HTTPC_BODY_MAX - r->resp_len;
	char *grown;

	if (n > room)
		n = room; /* keep the head of an oversized answer; drop the rest */
	if (n > 0) {
		grown = realloc(r->resp, r->resp_len + n + 1);
		if (grown == NULL)
			return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
		r->resp = grown;
		memcpy(r->resp + r->resp_len, data, n);
		r->resp_len += n;
		r->resp[r->resp_len] = '\0';
	}
	return size * nmemb;
}

struct httpc *httpc_new(struct event_base *base, char *err, size_t errlen)
{
	struct httpc *h = calloc(1, sizeof(*h));
	CURLMcode rc = CURLM_OK;

	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->base = base;
	h->multi = curl_multi_init();
	h->timer = evtimer_new(base, httpc_on_timer, h);
	if (h->multi == NULL || h->timer == NULL) {
		snprintf(err, errlen, "cannot create the curl multi handle or its timer");
		httpc_free(h);
		return NULL;
	}
	rc |= curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, httpc_sock_cb);
	rc |= curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	rc |= curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, httpc_timer_cb);
	rc |= curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	if (rc != CURLM_OK) {
		snprintf(err, errlen, "cannot set up the curl multi handle");
		httpc_free(h);
		return NULL;
	}
	return h;
}

/* The request's options; the body is r->mime when set, else the len bytes of r->body (JSON). */
static int httpc_setup(struct hreq *r, const char *url, size_t len, long timeout_s)
{
	CURLcode rc = CURLE_OK;
	long connect_s = timeout_s < 10 ? timeout_s : 10;

	/* curl writes the multipart Content-Type with its boundary itself */
	r->headers = curl_slist_append(NULL, r->mime != NULL ? "Expect:"
					     : "Content-Type: application/json; charset=utf-8");
	if (r->headers == NULL)
		return -1;
	if ((r->mime == NULL && curl_slist_append(r->headers, "Expect:") == NULL) ||
	    curl_slist_append(r->headers, "Accept: application/json, text/plain, */*") == NULL)
		return -1;
	rc |= curl_easy_setopt(r->easy, CURLOPT_URL, url);
	rc |= curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(r->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 0L);
	if (r->mime != NULL) {
		rc |= curl_easy_setopt(r->easy, CURLOPT_MIMEPOST, r->mime);
	} else {
		rc |= curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
		rc |= curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
		rc |= curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	rc |= curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	rc |= curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "duband/" DUBAN_VERSION);
	rc |= curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, timeout_s);
	rc |= curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT, connect_s);
	rc |= curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, httpc_write_cb);
	rc |= curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	rc |= curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	rc |= curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	return rc == CURLE_OK ? 0 : -1;
}

/* A request with its callback, or NULL; the caller gives it a body and starts it. */
static struct hreq *httpc_req_new(struct httpc *h, httpc_done_fn fn, void *arg)
{
	struct hreq *r;

	if (h->aborting)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->h = h;
	r->fn = fn;
	r->arg = arg;
	r->started = httpc_mono();
	r->easy = curl_easy_init();
	if (r->easy == NULL) {
		httpc_req_free(r);
		return NULL;
	}
	return r;
}

/* Sets r up and hands it to the multi handle; frees it on failure. */
static int httpc_req_start(struct httpc *h, struct hreq *r, const char *url, size_t len,
			   long timeout_s)
{
	if (httpc_setup(r, url, len, timeout_s) != 0 ||
	    curl_multi_add_handle(h->multi, r->easy) != CURLM_OK) {
		httpc_req_free(r);
		return -1;
	}
	r->next = h->reqs;
	if (h->reqs != NULL)
		h->reqs->prev = r;
	h->reqs = r;
	h->active++;
	return 0;
}

int httpc_post_json(struct httpc *h, const char *url, const char *body, size_t len,
		    long timeout_s, httpc_done_fn fn, void *arg)
{
	struct hreq *r = httpc_req_new(h, fn, arg);

	if (r == NULL)
		return -1;
	r->body = malloc(len + 1);
	if (r->body == NULL) {
		httpc_req_free(r);
		return -1;
	}
	memcpy(r->body, body, len);
	r->body[len] = '\0';
	return httpc_req_start(h, r, url, len, timeout_s);
}

int httpc_post_file(struct httpc *h, const char *url, const char *field, const char *path,
		    const char *filename, long timeout_s, httpc_done_fn fn, void *arg)
{
	struct hreq *r = httpc_req_new(h, fn, arg);
	curl_mimepart *part;

	if (r == NULL)
		return -1;
	r->mime = curl_mime_init(r->easy);
	part = r->mime != NULL ? curl_mime_addpart(r->mime) : NULL;
	if (part == NULL || curl_mime_name(part, field) != CURLE_OK ||
	    curl_mime_filedata(part, path) != CURLE_OK ||
	    curl_mime_filename(part, filename) != CURLE_OK ||
	    curl_mime_type(part, "application/octet-stream") != CURLE_OK) {
		httpc_req_free(r);
		return -1;
	}
	return httpc_req_start(h, r, url, 0, timeout_s);
}

int httpc_active(const struct httpc *h)
{
	return h->active;
}

void httpc_abort_all(struct httpc *h)
{
	h->aborting = true;
	while (h->reqs != NULL)
		httpc_finish(h, h->reqs, CURLE_ABORTED_BY_CALLBACK, true);
	h->aborting = false;
}

void httpc_free(struct httpc *h)
{
	if (h == NULL)
		return;
	while (h->reqs != NULL) {
		struct hreq *r = h->reqs;

		curl_multi_remove_handle(h->multi, r->easy);
		httpc_unlink(h, r);
		httpc_req_free(r);
	}
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	while (h->socks != NULL)
		httpc_sock_free(h, h->socks);
	if (h->timer != NULL)
		event_free(h->timer);
	free(h);
}
