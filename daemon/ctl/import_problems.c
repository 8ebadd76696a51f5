/* dubanctl problem import FILE [--encoding utf-8|gbk]: loads the office's Excel ledger
 * (SPEC §6) all or nothing, in one transaction: rows are checked in C and streamed
 * with COPY into a staging table, checked again set-based in SQL, then written. */
#include "import.h"
#include "duban/db.h"
#include "duban/parse.h"

#include <stdio.h>

static const char usage[] = "problem import FILE [--encoding utf-8|gbk]";

static const struct imp_column problem_cols[PARSE_COL_COUNT] = {
	[PARSE_COL_UNKNOWN] = {"unknown", "", 0, NULL},
	[PARSE_COL_REF] = {"ref", "编号", 1, NULL},
	[PARSE_COL_LEVEL] = {"level", "层级", 1, NULL},
	[PARSE_COL_SOURCE] = {"source", "问题来源", 0, NULL},
	[PARSE_COL_CATEGORY] = {"category", "类别", 0, NULL},
	[PARSE_COL_TITLE] = {"title", "问题", 1, NULL},
	[PARSE_COL_LOCATION] = {"location", "地址", 0, NULL},
	[PARSE_COL_UNIT] = {"unit", "主体责任单位", 1, NULL},
	[PARSE_COL_SUPERVISORS] = {"supervisors", "监管责任单位", 1, NULL},
	[PARSE_COL_DEADLINE] = {"deadline", "整改时限", 1, NULL},
	[PARSE_COL_LONG_TERM] = {"long_term", "长期", 0, NULL},
	[PARSE_COL_MEASURES] = {"measures", "整改措施", 0, NULL},
	[PARSE_COL_TARGET] = {"target", "整改目标", 0, NULL},
	[PARSE_COL_STATUS] = {"status", "办理状态", 0, NULL},
	[PARSE_COL_CLOSED_ON] = {"closed_on", "办结日期", 0, NULL},
	[PARSE_COL_PROGRESS] = {"progress", "整改进度", 0, NULL},
};

static int problem_classify(const char *cell)
{
	enum parse_col col = parse_header_column(cell);

	return col == PARSE_COL_UNKNOWN ? -1 : (int)col;
}

/* Streams every data row into the staging table. 0, or -1 with err. */
static int problem_stage(struct imp *im, PGconn *conn, const struct imp_units *units,
			 char *err, size_t errlen)
{
	int rc;

	if (db_exec(conn, imp_problem_stage_sql, 0, NULL, err, errlen) != 0 ||
	    imp_copy_begin(im, conn, imp_problem_copy_sql, err, errlen) != 0)
		return -1;
	while ((rc = imp_next(im)) > 0)
		if (imp_problem_row(im, units) != 0)
			break;
	return imp_copy_end(im, im->copy_failed, err, errlen);
}

/* Loads the unit map and stages the file. 0, or -1 with err. */
static int problem_load(struct imp *im, PGconn *conn, char *err, size_t errlen)
{
	struct imp_units *units = imp_units_load(conn, err, errlen);
	int rc;

	if (units == NULL)
		return -1;
	rc = problem_stage(im, conn, units, err, errlen);
	imp_units_free(units);
	return rc;
}

static int problem_import(struct ctl *c, struct imp *im)
{
	char err[1024];
	long added = 0, updated = 0;
	PGconn *conn = ctl_db(c);

	if (conn == NULL)
		return EX_UNAVAILABLE;
	if (db_begin(conn, "import", NULL, err, sizeof(err)) != 0)
		return ctl_fail(ctl_db_error_code(), "%s", err);
	if (db_exec(conn, "SET LOCAL work_mem = '64MB'", 0, NULL, err, sizeof(err)) != 0 ||
	    problem_load(im, conn, err, sizeof(err)) != 0 ||
	    imp_problem_check(im, conn, err, sizeof(err)) != 0)
		return imp_db_fail(conn, im->path, err);
	if (im->total_errors > 0) {
		db_rollback(conn);
		return imp_report_errors(im);
	}
	if (imp_problem_apply(im, conn, &added, &updated, err, sizeof(err)) != 0)
		return imp_db_fail(conn, im->path, err);
	if (db_commit(conn, err, sizeof(err)) != 0)
		return ctl_fail(ctl_db_error_code(), "%s: commit failed: %s", im->path, err);
	return imp_summary(c, im, added, updated);
}

int cmd_problem_import(struct ctl *c)
{
	struct imp im;
	int rc = imp_open(&im, c, usage, c->encoding, problem_cols, PARSE_COL_COUNT,
			  problem_classify);

	if (rc == 0)
		rc = problem_import(c, &im);
	imp_close(&im);
	return rc;
}
