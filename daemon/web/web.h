/* dubanweb's shared state and the contracts between its parts (SPEC §10): the main loop owns
 * the console's HTTP server and replies; the public pages have a thread and loop of their own
 * (with the page cache and its asynchronous connection); a small pool of worker threads, each
 * with its own blocking PostgreSQL connection, runs the database work and the argon2id checks,
 * so the loop never waits on either. */
#ifndef DUBAN_WEB_H
#define DUBAN_WEB_H
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "duban/config.h"

#define WEB_WORKERS 4              /* database connections and worker threads */
#define WEB_QUEUE_MAX 512          /* jobs waiting beyond this answer 503 */
#define WEB_BODY_MAX (64 * 1024)   /* request body of an API write or the login form */
#define WEB_UPLOAD_MAX (32 * 1024 * 1024) /* request body of POST /api/import */
#define WEB_HEADERS_MAX 16384
#define WEB_TIMEOUT 30             /* seconds to read a request or write a reply */
#define WEB_SESSION_HOURS 12
#define WEB_PUBLIC_REFRESH 30      /* seconds between refreshes of the public page without a wake */

struct web_pool;
struct web_job;

struct web_user {
	int id;
	char name[72];
	char role[8];          /* office, leader, unit */
	int unit_id;           /* 0: none */
	char unit[64];         /* unit code or "" */
	char csrf[72];
};

/* What a job runs on a worker thread with that worker's connection (NULL when the database is
 * unreachable: the handler answers 503). It fills the job's reply. */
typedef void (*web_work_fn)(struct web_job *j, PGconn *conn);

/* A rendered public page, shared by the replies still being written (loop thread only). */
struct web_blob {
	int refs;
	size_t len;
	char data[];
};

struct pgconn;

/* The public pages: their own thread and event loop (base), serving the cache — rendered HTML
 * and its gzip encoding, replaced whole by a refresh on the asynchronous connection db. All of
 * it belongs to that thread but contact, which a reload replaces under lock. */
struct web_public {
	struct event_base *base;
	pthread_t thread;
	bool inited, running;
	pthread_mutex_t lock;  /* guards contact */
	char *contact;         /* web.objection_contact as the page shows it */
	const char *tz;        /* daemon.timezone (a reload keeps its string) */
	struct event *changed; /* made active by a reload: render again */
	struct event *stop;    /* made active at stop: leave the loop */
	struct web_blob *page; /* NULL until the first refresh */
	struct web_blob *gz;   /* NULL when compression failed */
	char etag[40], etag_gz[44];
	struct pgconn *db;     /* LISTENs on duban_wake; runs the refreshes */
	struct event *soon;    /* a refresh asked for within WEB_PUBLIC_GAP of the last */
	struct event *tick;    /* every WEB_PUBLIC_REFRESH seconds */
	double last_start;     /* monotonic time the last refresh was sent */
	const char *why, *soon_why, *dirty_why; /* what asked for the refresh (running, timed, next) */
	bool refreshing;
	bool dirty;            /* asked for while a refresh was running: one more after it */
	bool stopping;
};

struct web {
	struct event_base *base;
	struct duban_config cfg;
	const char *dsn;       /* --dsn, else cfg.dsn */
	const char *dsn_override; /* --dsn, passed on to dubanctl for imports */
	const char *config_file;  /* the file read at start and at each SIGHUP (NULL: defaults) */
	const char *config_read;  /* cfg.path as at start, for worker threads (a reload keeps the
				   * string but rewrites cfg) */
	bool config_must_exist;
	atomic_bool secure_cookie; /* web.base_url is https (a reload may change it) */
	struct evhttp *console;
	struct evhttp *public_http;
	struct web_pool *pool;
	struct web_public pub;
	struct event *sigterm, *sigint, *sighup;
	int exit_code;
};

/* A request handed to a worker: everything the handler needs is copied from the evhttp
 * request on the loop thread (a worker never touches libevent objects). */
struct web_job {
	struct web *w;
	struct evhttp_request *req;   /* NULL once the client went away */
	struct evhttp_connection *evcon;
	web_work_fn work;
	int method;                   /* EVHTTP_REQ_GET, ... */
	char *path;                   /* decoded path, e.g. /api/problems/ZY-07 */
	char *query;                  /* raw query string or NULL */
	char *token;                  /* session cookie value or NULL */
	char *csrf;                   /* X-CSRF-Token header or NULL */
	char *body;                   /* request body (NUL-terminated copy) */
	size_t body_len;
	char *content_type;
	bool page;                    /* a console page: no session → 303 /login */
	const char *asset;            /* the page's HTML (pages) */
	struct web_user user;         /* set by web_auth_session() */
	/* the reply */
	int status;
	char *reply_type;             /* Content-Type (static string) */
	char *reply;                  /* malloc'd body */
	size_t reply_len;
	char *location;               /* Location header (malloc'd) or NULL */
	char *set_cookie;             /* Set-Cookie header (malloc'd) or NULL */
	char *disposition;            /* Content-Disposition (malloc'd) or NULL */
	char *next_after;             /* X-Next-After: the cursor of the next page, or NULL */
	bool has_fd;                  /* the reply goes on with reply_fd_len bytes of reply_fd */
	int reply_fd;
	off_t reply_fd_len;
	struct web_job *next;         /* pool queues */
};

/* ---- pool.c: worker threads with their own connections ---- */
struct web_pool *web_pool_start(struct web *w, int workers);
/* Queues j (owned by the pool until done); false when the queue is full. */
bool web_pool_submit(struct web_pool *p, struct web_job *j);
/* Stops the workers after their current job; jobs still queued are answered 503. */
void web_pool_stop(struct web_pool *p);

/* ---- http.c: servers, routing, replies, security headers ---- */
int web_http_start(struct web *w);
void web_http_stop(struct web *w);
/* Sends j's reply on the loop thread and frees j. */
void web_job_finish(struct web_job *j);
void web_job_free(struct web_job *j);
/* Reply helpers for handlers (any thread). */
void web_reply(struct web_job *j, int status, const char *type, char *body, size_t len);
void web_reply_json(struct web_job *j, int status, json_t *value);      /* steals value */
void web_reply_error(struct web_job *j, int status, const char *error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void web_reply_redirect(struct web_job *j, const char *location);
/* Adds the security headers every answer of either listener carries. */
void web_security_headers(struct evhttp_request *req);
/* The value of query parameter key (malloc'd, decoded) or NULL. */
char *web_query_param(const char *query, const char *key);

/* ---- auth.c: users, sessions, CSRF, roles ---- */
void web_auth_login(struct web_job *j, PGconn *conn);
void web_auth_logout(struct web_job *j, PGconn *conn);
void web_api_session(struct web_job *j, PGconn *conn);
void web_page(struct web_job *j, PGconn *conn);
/* Checks the session cookie in an open transaction; on failure replies 401 (API) or 303
 * /login (pages) and returns false. */
bool web_auth_session(struct web_job *j, PGconn *conn);
/* For writes: the session's CSRF token must be given; else replies 403 and returns false. */
bool web_auth_csrf(struct web_job *j);
/* The value of field key of an application/x-www-form-urlencoded body (malloc'd) or NULL. */
char *web_form_field(const struct web_job *j, const char *key);

/* ---- db helpers (web_db.c) ---- */
/* BEGIN with the clock and the user as actor (read jobs: action NULL). False: replied 503/500. */
bool web_begin(struct web_job *j, PGconn *conn, const char *action, const char *reason);
/* Runs sql; NULL on failure (rolled back, replied with the mapped error). */
PGresult *web_sql(struct web_job *j, PGconn *conn, const char *sql, int n,
		  const char *const *params);
/* Runs sql returning one JSON column in one row; NULL on failure (replied). */
json_t *web_sql_json(struct web_job *j, PGconn *conn, const char *sql, int n,
		     const char *const *params);
bool web_commit(struct web_job *j, PGconn *conn);
void web_rollback(PGconn *conn);

/* ---- api_problems.c, api_read.c, api_reports.c, api_files.c ---- */
void web_api_problems(struct web_job *j, PGconn *conn);
void web_api_problem(struct web_job *j, PGconn *conn);
void web_api_problem_action(struct web_job *j, PGconn *conn);
void web_api_units(struct web_job *j, PGconn *conn);
void web_api_bulletin(struct web_job *j, PGconn *conn);
void web_api_dashboard(struct web_job *j, PGconn *conn);
void web_api_reports(struct web_job *j, PGconn *conn);        /* api_reports.c */
void web_api_import(struct web_job *j, PGconn *conn);
void web_api_export(struct web_job *j, PGconn *conn);

/* ---- public.c: the public disclosure pages ---- */
void web_public_request(struct evhttp_request *req, void *arg);
/* Makes the public loop, its cache's asynchronous connection (it renders the page once up)
 * and refresh timer; -1 on allocation failure. web_public_run starts its thread (after the
 * listener is bound to w->pub.base); web_public_halt stops and joins it; web_public_stop
 * frees everything (after web_public_halt). */
int web_public_start(struct web *w);
int web_public_run(struct web *w);
void web_public_halt(struct web *w);
void web_public_stop(struct web *w);
/* A reload changed web.objection_contact: render the page again (main thread). */
void web_public_changed(struct web *w);

/* ---- reload.c: SIGHUP ---- */
void web_reload(struct web *w);

/* ---- assets.c: the embedded static files ---- */
/* The asset at name (e.g. "app.js"), or NULL. */
const char *web_asset(const char *name, size_t *len, const char **type);

double web_mono(void);

#endif
