/* The console's files (SPEC §10), both through dubanctl itself run as a child process, so the
 * console has no second importer or exporter: same checks, same messages, same format.
 * POST /api/import: the office uploads the ledger as a .csv or .xlsx body (?dry_run=1 only
 * checks, answering the errors as [{line, column, message}]); `dubanctl problem import` runs
 * on the stored upload with the user as actor, in its single transaction.
 * GET /api/export/TABLE?format=xlsx|csv&period=&unit=: a statutory table of SPEC §11 (ledger,
 * attachment1, attachment2, bulletin, closure) as `dubanctl export` writes it; the file is sent
 * from disk, not from memory. */
#include "web.h"
#include "duban/clock.h"
#include "duban/log.h"
#include "duban/sibling.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t k = write(fd, data + done, len - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)k;
	}
	return close(fd);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (f == NULL)
		return strdup("");
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

/* Runs dubanctl with argv in dir, stdout and stderr into files there; its exit status or -1. */
static int run_dubanctl(char *const argv[], const char *dir)
{
	char out[PATH_MAX], err[PATH_MAX];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;

	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	rc = posix_spawn_file_actions_addchdir_np(&fa, dir) ||
	     posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
	     posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600) ||
	     posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600) ||
	     posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The errors dubanctl printed, "FILE:LINE: column: message", as [{line, column, message}]. */
static json_t *parse_errors(const char *text, const char *file)
{
	json_t *list = json_array();
	size_t flen = strlen(file);
	char *copy = strdup(text), *save = NULL;

	if (list == NULL || copy == NULL) {
		free(copy);
		return list;
	}
	for (char *line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *rest, *sep, *end;
		long n;

		if (strncmp(line, file, flen) != 0 || line[flen] != ':')
			continue;
		n = strtol(line + flen + 1, &end, 10);
		if (end == line + flen + 1 || strncmp(end, ": ", 2) != 0)
			continue;
		rest = end + 2;
		sep = strstr(rest, ": ");
		if (sep != NULL)
			*sep = '\0';
		json_array_append_new(list, json_pack("{s:I, s:s?, s:s}", "line", (json_int_t)n,
						      "column", sep != NULL ? rest : NULL,
						      "message", sep != NULL ? sep + 2 : rest));
	}
	free(copy);
	return list;
}

/* The last line of dubanctl's stderr without its "dubanctl: " prefix. */
static const char *last_message(char *err)
{
	char *end = err + strlen(err), *start;

	while (end > err && end[-1] == '\n')
		*--end = '\0';
	start = strrchr(err, '\n');
	start = start != NULL ? start + 1 : err;
	return strncmp(start, "dubanctl: ", 10) == 0 ? start + 10 : start;
}

static void answer(struct web_job *j, int status, bool dry_run, const char *dir, const char *file)
{
	char path[PATH_MAX];
	char *out, *err;
	json_error_t jerr;
	json_t *summary, *errors;

	snprintf(path, sizeof(path), "%s/out", dir);
	out = read_file(path);
	snprintf(path, sizeof(path), "%s/err", dir);
	err = read_file(path);
	errors = parse_errors(err != NULL ? err : "", file);
	if (status == 0 && (summary = json_loads(out != NULL ? out : "", 0, &jerr)) != NULL) {
		json_object_set_new(summary, "file", json_string(file));
		if (dry_run)
			web_reply_json(j, 200, json_array());
		else
			web_reply_json(j, 200, summary), summary = NULL;
		json_decref(summary);
	} else if (status == 65 && dry_run) {
		web_reply_json(j, 200, errors), errors = NULL;
	} else if (status == 65 || status == 64) {
		web_reply_json(j, 422, json_pack("{s:s, s:s, s:o}", "error", "invalid", "message",
						 last_message(err != NULL ? err : ""), "errors", errors));
		errors = NULL;
	} else if (status == 69) {
		web_reply_error(j, 503, "unavailable", "数据库暂不可用,请稍后重试");
	} else {
		log_event(LOG_ERR, "event=import status=%d", status);
		web_reply_error(j, 500, "internal", "导入失败(内部错误)");
	}
	json_decref(errors);
	free(out);
	free(err);
}

static void remove_dir(const char *dir, const char *file)
{
	const char *names[] = { file, "out", "err" };
	char path[PATH_MAX];

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* The common start of a dubanctl command line: the program, config, dsn, clock, actor. */
static int base_argv(struct web_job *j, char **argv, char *ctl, size_t ctllen, char now[64])
{
	int n = 0;

	if (sibling_path("dubanctl", ctl, ctllen) != 0)
		return -1;
	clock_format(clock_now(), now, 64);
	argv[n++] = ctl;
	if (j->w->config_read != NULL) {
		argv[n++] = "--config";
		argv[n++] = (char *)j->w->config_read;
	}
	if (j->w->dsn_override != NULL) {
		argv[n++] = "--dsn";
		argv[n++] = (char *)j->w->dsn_override;
	}
	argv[n++] = "--now";
	argv[n++] = now;
	argv[n++] = "--actor";
	argv[n++] = j->user.name;
	return n;
}

static const char *const export_tables[] = { "ledger", "attachment1", "attachment2", "bulletin",
					    "closure" };

static const char *export_table(const char *path)
{
	const char *name = path + strlen("/api/export/");

	for (size_t i = 0; i < sizeof(export_tables) / sizeof(export_tables[0]); i++)
		if (strcmp(name, export_tables[i]) == 0)
			return export_tables[i];
	return NULL;
}

void web_api_export(struct web_job *j, PGconn *conn)
{
	char dir[] = "/tmp/dubanweb-export.XXXXXX", ctl[PATH_MAX], now[64], path[PATH_MAX];
	char file[64], disposition[128];
	char *period = web_query_param(j->query, "period"), *unit = web_query_param(j->query, "unit");
	char *format = web_query_param(j->query, "format");
	const char *table = export_table(j->path);
	bool csv = format != NULL && strcmp(format, "csv") == 0;
	char *argv[24];
	struct stat st;
	int n, rc, fd;

	if (!web_auth_session(j, conn))
		goto done;
	if (table == NULL) {
		web_reply_error(j, 404, "not_found", "没有这个报表(ledger, attachment1, attachment2,"
				" bulletin, closure)");
		goto done;
	}
	if (format != NULL && format[0] != '\0' && !csv && strcmp(format, "xlsx") != 0) {
		web_reply_error(j, 400, "bad_request", "format must be xlsx or csv");
		goto done;
	}
	if ((n = base_argv(j, argv, ctl, sizeof(ctl), now)) < 0 || mkdtemp(dir) == NULL) {
		web_reply_error(j, 500, "internal", "cannot prepare the export");
		goto done;
	}
	snprintf(file, sizeof(file), "%s.%s", table, csv ? "csv" : "xlsx");
	argv[n++] = "export";
	argv[n++] = (char *)table;
	if (period != NULL && period[0] != '\0') {
		argv[n++] = "--period";
		argv[n++] = period;
	}
	if (unit != NULL && unit[0] != '\0') {
		argv[n++] = "--unit";
		argv[n++] = unit;
	}
	argv[n++] = "--out";
	argv[n++] = file;
	argv[n] = NULL;
	rc = run_dubanctl(argv, dir);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = rc == 0 ? open(path, O_RDONLY) : -1;
	if (fd >= 0 && fstat(fd, &st) == 0) {
		j->reply_fd = fd;
		j->reply_fd_len = st.st_size;
		j->has_fd = true;
		snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", file);
		j->disposition = strdup(disposition);
		web_reply(j, 200, csv ? "text/csv; charset=utf-8"
			  : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			  NULL, 0);
	} else if (rc == 65 || rc == 64) {
		char *err;
		snprintf(path, sizeof(path), "%s/err", dir);
		err = read_file(path);
		web_reply_error(j, 400, "bad_request", "%s", last_message(err != NULL ? err : ""));
		free(err);
	} else {
		if (fd >= 0)
			close(fd);
		web_reply_error(j, rc == 69 ? 503 : 500, rc == 69 ? "unavailable" : "internal",
				"导出失败");
	}
	remove_dir(dir, file);
done:
	free(period);
	free(unit);
	free(format);
}

void web_api_import(struct web_job *j, PGconn *conn)
{
	char dir[] = "/tmp/dubanweb-import.XXXXXX", file_path[PATH_MAX], ctl[PATH_MAX], now[64];
	char *dry = web_query_param(j->query, "dry_run"), *enc = web_query_param(j->query, "encoding");
	bool dry_run = dry != NULL && strcmp(dry, "1") == 0;
	bool xlsx = j->body_len >= 4 && memcmp(j->body, "PK\x03\x04", 4) == 0;
	const char *file = xlsx ? "ledger.xlsx" : "ledger.csv";
	char *argv[24];
	int n, status;

	if (!web_auth_session(j, conn) || !web_auth_csrf(j))
		goto done;
	if (strcmp(j->user.role, "office") != 0) {
		web_reply_error(j, 403, "forbidden", "only the office imports the ledger");
		goto done;
	}
	if (enc != NULL && strcmp(enc, "gbk") != 0 && strcmp(enc, "utf-8") != 0) {
		web_reply_error(j, 400, "bad_request", "encoding must be utf-8 or gbk");
		goto done;
	}
	if (j->body_len == 0) {
		web_reply_error(j, 400, "bad_request", "the body must be the .csv or .xlsx file");
		goto done;
	}
	if (mkdtemp(dir) == NULL) {
		web_reply_error(j, 500, "internal", "cannot prepare the import");
		goto done;
	}
	snprintf(file_path, sizeof(file_path), "%s/%s", dir, file);
	if (write_file(file_path, j->body, j->body_len) != 0) {
		remove_dir(dir, file);
		web_reply_error(j, 500, "internal", "cannot store the upload");
		goto done;
	}
	if ((n = base_argv(j, argv, ctl, sizeof(ctl), now)) < 0) {
		remove_dir(dir, file);
		web_reply_error(j, 500, "internal", "cannot prepare the import");
		goto done;
	}
	argv[n++] = "--json";
	argv[n++] = "problem";
	argv[n++] = "import";
	argv[n++] = (char *)file;
	if (enc != NULL) {
		argv[n++] = "--encoding";
		argv[n++] = enc;
	}
	if (dry_run)
		argv[n++] = "--dry-run";
	argv[n] = NULL;
	/* dubanctl names the file as given: run it in the upload's directory */
	status = run_dubanctl(argv, dir);
	answer(j, status, dry_run, dir, file);
	remove_dir(dir, file);
done:
	free(dry);
	free(enc);
}
