/* dubanweb's worker pool: a few threads, each with its own blocking PostgreSQL connection
 * (reconnected when lost), take jobs from one bounded queue and hand finished jobs back to the
 * loop thread through an event made active across threads. */
#include "web.h"
#include "duban/db.h"
#include "duban/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct web_pool {
	struct web *w;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct web_job *head, *tail;   /* waiting jobs */
	struct web_job *done;          /* finished jobs (LIFO: order does not matter) */
	int queued;
	bool stopping;
	struct event *done_ev;
	int nthreads;
	pthread_t threads[WEB_WORKERS];
};

/* A connection with a bounded connect time; NULL when the database is unreachable. */
static PGconn *pool_connect(const char *dsn)
{
	const char *keys[] = { "dbname", "connect_timeout", "client_encoding",
			       "application_name", NULL };
	const char *vals[] = { dsn != NULL ? dsn : "", "5", "UTF8", "dubanweb", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	if (c != NULL && PQstatus(c) == CONNECTION_OK)
		return c;
	if (c != NULL) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
		msg[strcspn(msg, "\n")] = '\0';
		db_mask_password(dsn, msg, sizeof(msg));
		log_event(LOG_WARNING, "event=db error=\"%s\"", msg);
		PQfinish(c);
	}
	return NULL;
}

static struct web_job *pool_take(struct web_pool *p)
{
	struct web_job *j;

	pthread_mutex_lock(&p->lock);
	while (p->head == NULL && !p->stopping)
		pthread_cond_wait(&p->wake, &p->lock);
	j = p->stopping ? NULL : p->head;
	if (j != NULL) {
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		p->queued--;
		j->next = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	return j;
}

static void pool_done(struct web_pool *p, struct web_job *j)
{
	pthread_mutex_lock(&p->lock);
	j->next = p->done;
	p->done = j;
	pthread_mutex_unlock(&p->lock);
	event_active(p->done_ev, EV_READ, 0);
}

static void *pool_worker(void *arg)
{
	struct web_pool *p = arg;
	PGconn *conn = NULL;
	struct web_job *j;

	while ((j = pool_take(p)) != NULL) {
		if (conn != NULL && PQstatus(conn) != CONNECTION_OK) {
			PQfinish(conn);
			conn = NULL;
		}
		if (conn == NULL)
			conn = pool_connect(p->w->dsn);
		j->work(j, conn);
		if (conn != NULL && PQtransactionStatus(conn) != PQTRANS_IDLE)
			web_rollback(conn);   /* a handler that forgot: never leak a transaction */
		pool_done(p, j);
	}
	if (conn != NULL)
		PQfinish(conn);
	return NULL;
}

/* Loop thread: sends the replies of every finished job. */
static void pool_on_done(evutil_socket_t fd, short what, void *arg)
{
	struct web_pool *p = arg;
	struct web_job *list, *next;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&p->lock);
	list = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->lock);
	for (; list != NULL; list = next) {
		next = list->next;
		web_job_finish(list);
	}
}

struct web_pool *web_pool_start(struct web *w, int workers)
{
	struct web_pool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->w = w;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->done_ev = event_new(w->base, -1, EV_PERSIST, pool_on_done, p);
	if (p->done_ev == NULL) {
		free(p);
		return NULL;
	}
	for (int i = 0; i < workers && i < WEB_WORKERS; i++) {
		if (pthread_create(&p->threads[i], NULL, pool_worker, p) != 0)
			break;
		p->nthreads++;
	}
	if (p->nthreads == 0) {
		event_free(p->done_ev);
		free(p);
		return NULL;
	}
	return p;
}

bool web_pool_submit(struct web_pool *p, struct web_job *j)
{
	bool ok;

	pthread_mutex_lock(&p->lock);
	ok = !p->stopping && p->queued < WEB_QUEUE_MAX;
	if (ok) {
		j->next = NULL;
		if (p->tail != NULL)
			p->tail->next = j;
		else
			p->head = j;
		p->tail = j;
		p->queued++;
		pthread_cond_signal(&p->wake);
	}
	pthread_mutex_unlock(&p->lock);
	return ok;
}

void web_pool_stop(struct web_pool *p)
{
	struct web_job *j, *next;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pool_on_done(-1, 0, p);
	for (j = p->head; j != NULL; j = next) {
		next = j->next;
		web_reply_error(j, 503, "unavailable", "服务正在停止");
		web_job_finish(j);
	}
	event_free(p->done_ev);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
