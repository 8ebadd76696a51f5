/* dubanctl calendar import FILE: adds holidays and adjusted working days (调休) from CSV
 * (date, workday, name) or a holiday-cn JSON file, all or nothing, upserting on the date. */
#include "import.h"
#include "duban/db.h"
#include "duban/parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { CAL_DATE, CAL_WORKDAY, CAL_NAME, CAL_NCOLS };

static const char usage[] = "calendar import FILE [--encoding utf-8|gbk]  (FILE: CSV or holiday-cn JSON)";

static const char *const date_words[] = {"date", "day", "日期", NULL};
static const char *const workday_words[] = {"workday", "working", "工作日", "是否工作日",
					    "上班", "是否上班", "类型", NULL};
static const char *const name_words[] = {"name", "名称", "节日", "节假日", "说明", "备注",
					 NULL};

static const struct imp_column calendar_cols[CAL_NCOLS] = {
	[CAL_DATE] = {"date", "日期", 1, date_words},
	[CAL_WORKDAY] = {"workday", "是否工作日", 1, workday_words},
	[CAL_NAME] = {"name", "名称", 0, name_words},
};

/* Words for a working day (1) or a day off (0), besides parse_bool()'s. */
static const struct {
	const char *word;
	int workday;
} day_words[] = {
	{"上班", 1}, {"班", 1}, {"工作日", 1}, {"补班", 1}, {"work", 1}, {"workday", 1},
	{"休息", 0}, {"休", 0}, {"假", 0},   {"放假", 0}, {"节假日", 0}, {"off", 0},
	{"holiday", 0},
};

static const char stage_sql[] =
	"CREATE TEMP TABLE imp_days (line int NOT NULL, day date, workday boolean, name text)"
	" ON COMMIT DROP";

static const char dup_sql[] =
	"SELECT line, format('%s appears twice: already on line %s', day, first),"
	" count(*) OVER () FROM (SELECT line, day, min(line) OVER (PARTITION BY day) AS first"
	" FROM pg_temp.imp_days WHERE day IS NOT NULL) d WHERE line > first"
	" ORDER BY line LIMIT " IMP_SQL_ERROR_LIMIT;

/* The upsert and its counts; %s: the name column's part of SET, old and new values. */
static const char apply_fmt[] =
	"WITH w AS (INSERT INTO duban.calendar AS c (day, workday, name)"
	" SELECT day, workday, coalesce(name, '') FROM pg_temp.imp_days ORDER BY line"
	" ON CONFLICT (day) DO UPDATE SET workday = EXCLUDED.workday%s"
	" WHERE (c.workday%s) IS DISTINCT FROM (EXCLUDED.workday%s) RETURNING xmax = 0 AS added)"
	" SELECT count(*) FILTER (WHERE added), count(*) FILTER (WHERE NOT added) FROM w";

static void row_date(struct imp *im)
{
	char msg[256], day[11];
	int y, m, d;

	if (parse_date(imp_cell(im, CAL_DATE), &y, &m, &d, msg, sizeof(msg)) != 0 ||
	    parse_format_date(day, sizeof(day), y, m, d) != 0) {
		imp_error(im, im->rec.line, CAL_DATE, "%s", msg);
		imp_put_null(im);
		return;
	}
	imp_put_raw(im, day);
}

static void row_workday(struct imp *im)
{
	static const char allowed[] = "1/0, true/false, yes/no, 是/否, 上班/休息";
	char *v = imp_cell(im, CAL_WORKDAY), show[64];
	int yes;

	for (size_t i = 0; i < sizeof(day_words) / sizeof(day_words[0]); i++) {
		if (strcasecmp(v, day_words[i].word) == 0) {
			imp_put_bool(im, day_words[i].workday);
			return;
		}
	}
	if (*v != '\0' && parse_bool(v, 0, &yes, NULL, 0) == 0) {
		imp_put_bool(im, yes);
		return;
	}
	if (*v == '\0')
		imp_error(im, im->rec.line, CAL_WORKDAY, "empty (allowed: %s)", allowed);
	else
		imp_error(im, im->rec.line, CAL_WORKDAY, "not a working-day flag \"%s\" (allowed: %s)",
			  imp_quote(show, sizeof(show), v), allowed);
	imp_put_null(im);
}

static int calendar_row(struct imp *im, const struct imp_units *units)
{
	(void)units;
	imp_put_long(im, im->rec.line);
	row_date(im);
	row_workday(im);
	imp_put_text(im, imp_cell(im, CAL_NAME));
	return imp_copy_row_end(im);
}

static int calendar_check(struct imp *im, PGconn *conn, char *err, size_t errlen)
{
	return imp_sql_errors(im, conn, dup_sql, 0, NULL, CAL_DATE, err, errlen);
}

static int calendar_apply(struct imp *im, PGconn *conn, long *added, long *updated,
			  char *err, size_t errlen)
{
	int name = imp_has(im, CAL_NAME);
	char sql[1024];
	PGresult *r;

	snprintf(sql, sizeof(sql), apply_fmt, name ? ", name = EXCLUDED.name" : "",
		 name ? ", c.name" : "", name ? ", EXCLUDED.name" : "");
	r = db_query(conn, sql, 0, NULL, err, errlen);
	if (r == NULL)
		return -1;
	*added = atol(PQgetvalue(r, 0, 0));
	*updated = atol(PQgetvalue(r, 0, 1));
	PQclear(r);
	return 0;
}

static const struct imp_kind calendar_kind = {
	.usage = usage,
	.cols = calendar_cols,
	.ncols = CAL_NCOLS,
	.stage_sql = stage_sql,
	.copy_sql = "COPY pg_temp.imp_days FROM STDIN",
	.row = calendar_row,
	.check = calendar_check,
	.apply = calendar_apply,
};

/* The JSON file's checked days into the staging table, as COPY would put them. */
static const char json_stage_sql[] =
	"INSERT INTO pg_temp.imp_days (line, day, workday, name)"
	" SELECT entry + 1, day, workday, name FROM json_to_recordset($1::json)"
	" AS x(entry int, day date, workday boolean, name text)";

/* Stages, applies and commits the days of a holiday-cn file. Returns a sysexits code. */
static int calendar_json_write(struct ctl *c, struct imp *im, const json_t *rows)
{
	char err[1024], *doc = json_dumps(rows, JSON_COMPACT);
	const char *params[1] = {doc};
	long added = 0, updated = 0;
	PGconn *conn;

	if (doc == NULL)
		return ctl_fail(EX_SOFTWARE, "out of memory");
	if ((conn = ctl_db(c)) == NULL) {
		free(doc);
		return EX_UNAVAILABLE;
	}
	im->field[CAL_NAME] = CAL_NAME;    /* every entry has its name (or "") */
	if (db_begin(conn, "import", NULL, err, sizeof(err)) != 0) {
		free(doc);
		return ctl_fail(ctl_db_error_code(), "%s", err);
	}
	if (db_exec(conn, IMP_LOCK_SQL, 0, NULL, err, sizeof(err)) != 0 ||
	    db_exec(conn, stage_sql, 0, NULL, err, sizeof(err)) != 0 ||
	    db_exec(conn, json_stage_sql, 1, params, err, sizeof(err)) != 0 ||
	    calendar_apply(im, conn, &added, &updated, err, sizeof(err)) != 0) {
		free(doc);
		return imp_db_fail(conn, im->path, err);
	}
	free(doc);
	if (db_commit(conn, err, sizeof(err)) != 0)
		return ctl_fail(ctl_db_error_code(), "%s: commit failed: %s", im->path, err);
	return imp_summary(c, im, added, updated);
}

/* dubanctl calendar import FILE.json (or any file starting with '{'). */
static int calendar_json_import(struct ctl *c, FILE *f)
{
	struct imp im;
	json_t *rows;
	int rc;

	memset(&im, 0, sizeof(im));
	im.path = c->argv[0];
	im.cols = calendar_cols;
	im.ncols = CAL_NCOLS;
	for (int i = 0; i < IMP_MAX_COLS; i++)
		im.field[i] = -1;
	rows = calendar_json_read(&im, f);
	rc = rows == NULL ? imp_report_errors(&im) : calendar_json_write(c, &im, rows);
	json_decref(rows);
	imp_close(&im);
	return rc;
}

int cmd_calendar_import(struct ctl *c)
{
	FILE *f;
	int rc, json;

	if ((rc = ctl_need_args(c, 1, usage)) != 0)
		return rc;
	f = strcmp(c->argv[0], "-") == 0 ? stdin : fopen(c->argv[0], "rb");
	if (f == NULL)
		return ctl_fail(EX_NOINPUT, "cannot open %s: %s", c->argv[0], strerror(errno));
	json = calendar_json_sniff(c->argv[0], f);
	if (json == 1)
		rc = calendar_json_import(c, f);
	else if (json < 0)
		rc = ctl_fail(EX_IOERR, "cannot read %s: %s", c->argv[0], strerror(errno));
	if (f != stdin)
		fclose(f);
	return json == 0 ? imp_run(c, &calendar_kind) : rc;
}
