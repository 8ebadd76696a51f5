/* A scheduled table as a WeCom robot file message (SPEC §7d): runs `dubanctl export TABLE --out
 * FILE` as a child process (posix_spawn; its stderr is a pipe the loop reads, the exit is
 * reaped with WNOHANG), checks WeCom's size limits, uploads the file to the robot's
 * upload_media (multipart field `media`) through the curl multi client, then posts the `file`
 * message with the media_id it answered. The temporary directory is removed at every end. */
#include "duban/daemon_tablefile.h"
#include "duban/clock.h"
#include "duban/daemon_core.h"
#include "duban/daemon_httpc.h"
#include "duban/log.h"
#include "duban/sibling.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

extern char **environ;

#define TABLEFILE_ERR_MAX 600 /* bytes of the export's stderr kept (its tail) */

struct tablefile {
	struct duband *d;
	tablefile_done_fn fn;
	void *arg;
	char *webhook;            /* the robot's send address */
	char dir[64];             /* temporary directory, "" once removed */
	char path[PATH_MAX];      /* the table file inside it */
	char name[160];           /* the file name the group sees */
	pid_t pid;                /* the export, 0 once reaped */
	int errfd;                /* read end of its stderr, -1 once closed */
	struct event *errev, *reap, *deadline;
	char err[TABLEFILE_ERR_MAX + 1];
	size_t errlen;
	double started;
	double lease_until;       /* the claim's lease on duband_mono() */
	struct tablefile_result res;
};

static const char *const tablefile_sheets[][2] = {
	{"ledger", "台账"}, {"attachment1", "附件1"}, {"attachment2", "附件2"},
	{"bulletin", "通报"}, {"closure", "销号情况"},
};

void tablefile_name(const char *table, const char *period, char *out, size_t len)
{
	const char *sheet = table;

	for (size_t i = 0; i < sizeof tablefile_sheets / sizeof tablefile_sheets[0]; i++)
		if (table != NULL && strcmp(table, tablefile_sheets[i][0]) == 0)
			sheet = tablefile_sheets[i][1];
	snprintf(out, len, "%s_%s.xlsx", sheet != NULL ? sheet : "table",
		 period != NULL ? period : "");
}

char *tablefile_upload_url(const char *url)
{
	const char *q = strchr(url, '?'), *end = q != NULL ? q : url + strlen(url);
	const char *slash = end, *query = q != NULL ? q + 1 : "";
	char *out;

	while (slash > url && slash[-1] != '/')
		slash--;
	if ((size_t)(end - slash) == 4 && strncmp(slash, "send", 4) == 0)
		end = slash - 1; /* .../webhook/send -> .../webhook/upload_media */
	else if (end > url && end[-1] == '/')
		end--;
	if (asprintf(&out, "%.*s/upload_media?%s%stype=file", (int)(end - url), url, query,
		     *query != '\0' ? "&" : "") < 0)
		return NULL;
	return out;
}

static void tablefile_remove_files(struct tablefile *t)
{
	if (t->dir[0] == '\0')
		return;
	if (unlink(t->path) != 0 && errno != ENOENT)
		log_event(LOG_WARNING, "event=table_file error=\"cannot remove %s\"", t->path);
	if (rmdir(t->dir) != 0)
		log_event(LOG_WARNING, "event=table_file error=\"cannot remove %s\"", t->dir);
	t->dir[0] = '\0';
}

void tablefile_free(struct tablefile *t)
{
	if (t == NULL)
		return;
	if (t->pid > 0) {
		int st;

		kill(t->pid, SIGKILL);
		while (waitpid(t->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (t->errfd >= 0)
		close(t->errfd);
	if (t->errev != NULL)
		event_free(t->errev);
	if (t->reap != NULL)
		event_free(t->reap);
	if (t->deadline != NULL)
		event_free(t->deadline);
	tablefile_remove_files(t);
	free(t->webhook);
	free(t);
}

/* The end: the callback gets the result, then the job is gone. */
static void tablefile_finish(struct tablefile *t)
{
	t->res.seconds = duband_mono() - t->started;
	tablefile_remove_files(t);
	t->fn(t->arg, &t->res);
	tablefile_free(t);
}

static void tablefile_fail(struct tablefile *t, enum classify_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tablefile_fail(struct tablefile *t, enum classify_verdict v, const char *fmt, ...)
{
	va_list ap;

	t->res.c.verdict = v;
	t->res.c.min_delay = 0;
	va_start(ap, fmt);
	vsnprintf(t->res.c.error, sizeof(t->res.c.error), fmt, ap);
	va_end(ap);
	tablefile_finish(t);
}

/* The last non-empty line of the export's stderr, without the "dubanctl: " prefix. */
static const char *tablefile_err_line(struct tablefile *t)
{
	char *end = t->err + t->errlen, *start;

	while (end > t->err && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	*end = '\0';
	start = end;
	while (start > t->err && start[-1] != '\n')
		start--;
	if (strncmp(start, "dubanctl: ", 10) == 0)
		start += 10;
	return *start != '\0' ? start : "no message";
}

static void tablefile_send_done(void *arg, const struct httpc_result *res)
{
	struct tablefile *t = arg;

	t->res.step = "send";
	t->res.status = res->status;
	t->res.aborted = res->aborted;
	classify_response(RENDER_WECOM, res->curl_code, res->status, res->retry_after, res->body,
			  &t->res.c);
	tablefile_finish(t);
}

static void tablefile_upload_done(void *arg, const struct httpc_result *res)
{
	struct tablefile *t = arg;
	json_t *answer, *msg;
	const char *media;
	char *body;

	t->res.status = res->status;
	t->res.aborted = res->aborted;
	tablefile_remove_files(t); /* sent or not, the file is not needed any more */
	classify_response(RENDER_WECOM, res->curl_code, res->status, res->retry_after, res->body,
			  &t->res.c);
	if (res->aborted || t->res.c.verdict != CLASSIFY_OK) {
		tablefile_finish(t);
		return;
	}
	answer = json_loads(res->body, 0, NULL);
	media = json_string_value(json_object_get(answer, "media_id"));
	msg = media != NULL && *media != '\0'
	      ? json_pack("{s:s,s:{s:s}}", "msgtype", "file", "file", "media_id", media) : NULL;
	body = msg != NULL ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	json_decref(answer);
	if (body == NULL) {
		tablefile_fail(t, CLASSIFY_RETRY, "upload_media answered no media_id");
		return;
	}
	t->res.step = "send";
	if (httpc_post_json(t->d->http, t->webhook, body, strlen(body), t->d->cfg.timeout,
			    tablefile_send_done, t) != 0) {
		free(body);
		tablefile_fail(t, CLASSIFY_RETRY, "cannot start the file message");
		return;
	}
	free(body);
}

/* The export is over: check the file, then upload it. */
static void tablefile_exported(struct tablefile *t, int st)
{
	struct stat sb;
	char *upload;
	long timeout = t->d->cfg.timeout;

	event_del(t->deadline);
	if (t->d->mode != DUBAND_RUNNING) {
		t->res.released = true;
		tablefile_finish(t);
		return;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		bool bad_data = code == EX_USAGE || code == EX_DATAERR || code == EX_CONFIG;

		tablefile_fail(t, bad_data ? CLASSIFY_PERMANENT : CLASSIFY_RETRY,
			       "dubanctl export %s: %s", code >= 0 ? "failed" : "was killed",
			       tablefile_err_line(t));
		return;
	}
	if (stat(t->path, &sb) != 0) {
		tablefile_fail(t, CLASSIFY_RETRY, "dubanctl export made no file");
		return;
	}
	if (sb.st_size < TABLEFILE_MIN_BYTES || sb.st_size > TABLEFILE_MAX_BYTES) {
		tablefile_fail(t, CLASSIFY_PERMANENT, "table file of %lld bytes: WeCom takes 5 B to "
			       "20 MB", (long long)sb.st_size);
		return;
	}
	/* upload and message within the lease, with the margin deliver keeps for messages */
	if (duband_mono() + (double)timeout + (double)t->d->cfg.timeout + 5.0 > t->lease_until) {
		t->res.lapsed = true;
		tablefile_fail(t, CLASSIFY_RETRY, "the export outlasted the claim's lease");
		return;
	}
	upload = tablefile_upload_url(t->webhook);
	t->res.step = "upload";
	if (upload == NULL || httpc_post_file(t->d->http, upload, "media", t->path, t->name,
					      timeout, tablefile_upload_done, t) != 0) {
		free(upload);
		tablefile_fail(t, CLASSIFY_RETRY, "cannot start the upload");
		return;
	}
	free(upload);
}

static void tablefile_try_reap(struct tablefile *t)
{
	struct timeval again = { 0, 20000 };
	int st = 0;
	pid_t r = waitpid(t->pid, &st, WNOHANG);

	if (r == 0) {
		/* stderr closed just before the exit: look again in a moment */
		if (evtimer_add(t->reap, &again) != 0)
			log_event(LOG_ERR, "event=table_file error=\"cannot arm the reap timer\"");
		return;
	}
	if (r < 0 && errno == EINTR) {
		tablefile_try_reap(t);
		return;
	}
	t->pid = 0;
	if (r < 0) {
		tablefile_fail(t, CLASSIFY_RETRY, "cannot wait for dubanctl export: %s",
			       strerror(errno));
		return;
	}
	tablefile_exported(t, st);
}

static void tablefile_on_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tablefile_try_reap(arg);
}

static void tablefile_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct tablefile *t = arg;

	(void)fd;
	(void)what;
	log_event(LOG_WARNING, "event=table_file error=\"dubanctl export took over %d s: "
		  "killed\"", TABLEFILE_EXPORT_TIMEOUT);
	if (t->pid > 0)
		kill(t->pid, SIGKILL); /* its stderr closes: the read side reaps it */
}

static void tablefile_on_stderr(evutil_socket_t fd, short what, void *arg)
{
	struct tablefile *t = arg;
	char buf[512];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)what;
	if (n > 0) {
		size_t k = (size_t)n;

		if (k > TABLEFILE_ERR_MAX)
			k = TABLEFILE_ERR_MAX;
		if (t->errlen + k > TABLEFILE_ERR_MAX) { /* keep the tail */
			size_t drop = t->errlen + k - TABLEFILE_ERR_MAX;

			memmove(t->err, t->err + drop, t->errlen - drop);
			t->errlen -= drop;
		}
		memcpy(t->err + t->errlen, buf + ((size_t)n - k), k);
		t->errlen += k;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	event_del(t->errev);
	close(t->errfd);
	t->errfd = -1;
	tablefile_try_reap(t);
}

/* Spawns dubanctl export with stderr into a pipe; 0, or -1. */
static int tablefile_spawn(struct tablefile *t, const char *table)
{
	char ctl[PATH_MAX], now[64];
	char *argv[16];
	int n = 0, fds[2], rc;
	posix_spawn_file_actions_t fa;
	struct duband *d = t->d;

	if (sibling_path("dubanctl", ctl, sizeof(ctl)) != 0 || pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	clock_format(clock_now(), now, sizeof(now));
	argv[n++] = ctl;
	if (d->config_must_exist || access(d->config_file, R_OK) == 0) {
		argv[n++] = "--config";
		argv[n++] = d->config_file;
	}
	if (d->dsn_override != NULL) {
		argv[n++] = "--dsn";
		argv[n++] = (char *)d->dsn_override;
	}
	argv[n++] = "--now";
	argv[n++] = now;
	argv[n++] = "export";
	argv[n++] = (char *)table;
	argv[n++] = "--out";
	argv[n++] = t->path;
	argv[n] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
	     posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
	     posix_spawn_file_actions_adddup2(&fa, fds[1], 2) ||
	     posix_spawn(&t->pid, ctl, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		t->pid = 0;
		close(fds[0]);
		return -1;
	}
	t->errfd = fds[0];
	return fcntl(t->errfd, F_SETFL, O_NONBLOCK);
}

struct tablefile *tablefile_start(struct duband *d, const char *webhook_url, const char *table,
				  const char *period, double lease_until, tablefile_done_fn fn,
				  void *arg)
{
	struct tablefile *t = calloc(1, sizeof(*t));
	struct timeval limit = { TABLEFILE_EXPORT_TIMEOUT, 0 };
	const char *tmp = getenv("TMPDIR");

	if (t == NULL)
		return NULL;
	t->d = d;
	t->fn = fn;
	t->arg = arg;
	t->errfd = -1;
	t->started = duband_mono();
	t->lease_until = lease_until;
	t->res.step = "export";
	t->webhook = strdup(webhook_url);
	tablefile_name(table, period, t->name, sizeof(t->name));
	snprintf(t->dir, sizeof(t->dir), "%s/duband-table.XXXXXX",
		 tmp != NULL && *tmp == '/' && strlen(tmp) < 40 ? tmp : "/tmp");
	if (t->webhook == NULL || mkdtemp(t->dir) == NULL) {
		t->dir[0] = '\0';
		tablefile_free(t);
		return NULL;
	}
	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, t->name);
	t->reap = evtimer_new(d->base, tablefile_on_reap, t);
	t->deadline = evtimer_new(d->base, tablefile_on_deadline, t);
	if (t->reap == NULL || t->deadline == NULL || tablefile_spawn(t, table) != 0 ||
	    (t->errev = event_new(d->base, t->errfd, EV_READ | EV_PERSIST, tablefile_on_stderr,
				  t)) == NULL ||
	    event_add(t->errev, NULL) != 0 || evtimer_add(t->deadline, &limit) != 0) {
		tablefile_free(t);
		return NULL;
	}
	return t;
}
