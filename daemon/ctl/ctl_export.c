/* dubanctl export TABLE [--period P] [--unit U] --out FILE: writes a statutory table
 * (SPEC §11) as .xlsx or .csv. The rows come from the table's SQL function through a
 * cursor in one read transaction, a batch at a time (the next one asked for before the
 * current one is written, so the server works while the file is written), straight into the
 * file: memory stays flat however large the ledger (unit names, read once, are the one
 * lookup). */
#include "ctl.h"
#include "ctl_util.h"
#include "export.h"
#include "duban/db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "export TABLE [--period P] [--unit U] --out FILE.xlsx|FILE.csv";

#define EXPORT_BATCH "FETCH FORWARD 5000 FROM duban_export"

/* Writes the rows of one fetched batch; 0 or a sysexits code. */
static int export_batch(struct tab_out *t, const struct export_table *tb, PGresult *res,
			struct export_names *names)
{
	const char *cells[32];
	char err[512];
	int rows = PQntuples(res);

	if (PQnfields(res) != tb->ncols + 1 || tb->ncols > 32)
		return ctl_fail(EX_SOFTWARE, "export %s: the query gives %d columns, the table has %d",
				tb->name, PQnfields(res) - 1, tb->ncols);
	for (int r = 0; r < rows; r++) {
		int total = strcmp(PQgetvalue(res, r, 0), "t") == 0;

		for (int i = 0; i < tb->ncols; i++)
			cells[i] = PQgetisnull(res, r, i + 1) ? NULL : PQgetvalue(res, r, i + 1);
		if (names != NULL && cells[tb->names_cell - 1] != NULL &&
		    (cells[tb->names_cell - 1] = export_names_join(names, cells[tb->names_cell - 1]))
		    == NULL)
			return ctl_fail(EX_SOFTWARE, "out of memory");
		if (tab_row(t, cells, total, err, sizeof(err)) != 0)
			return ctl_fail(EX_SOFTWARE, "export %s: %s", tb->name, err);
	}
	return 0;
}

/* Asks for the next batch without waiting for it: the server makes it while this one is
 * written. 0, or a sysexits code (printed). */
static int export_fetch_send(struct ctl *c)
{
	if (PQsendQuery(c->conn, EXPORT_BATCH) == 1)
		return 0;
	return ctl_fail(EX_UNAVAILABLE, "database unavailable: %s", PQerrorMessage(c->conn));
}

/* The batch asked for; *out NULL on error (printed, the code returned). */
static int export_fetch_get(struct ctl *c, PGresult **out)
{
	PGresult *r, *res = NULL;
	char err[1024];
	int code;

	while ((r = PQgetResult(c->conn)) != NULL) {
		if (res == NULL)
			res = r;
		else
			PQclear(r);
	}
	*out = db_check(c->conn, res, err, sizeof(err));
	if (*out != NULL)
		return 0;
	code = PQstatus(c->conn) != CONNECTION_OK ? EX_UNAVAILABLE : ctl_db_error_code();
	if (code == EX_UNAVAILABLE)
		return ctl_fail(code, "database unavailable: %s", err);
	return ctl_fail(code, "%s", err);
}

/* Fetches batch after batch, asking for the next before writing the current one. */
static int export_stream(struct ctl *c, struct tab_out *t, const struct export_table *tb,
			 struct export_names *names)
{
	PGresult *res = NULL;
	int rc = export_fetch_send(c);
	bool pending = rc == 0;

	while (rc == 0) {
		rc = export_fetch_get(c, &res);
		pending = false;
		if (rc != 0 || PQntuples(res) == 0)
			break;
		rc = export_fetch_send(c);
		pending = rc == 0;
		if (rc == 0)
			rc = export_batch(t, tb, res, names);
		PQclear(res);
		res = NULL;
	}
	PQclear(res);
	if (pending) { /* a batch asked for, not wanted any more: read it before rolling back */
		PGresult *r;

		while ((r = PQgetResult(c->conn)) != NULL)
			PQclear(r);
	}
	return rc;
}

/* Streams the table's rows into t through a cursor. */
static int export_rows(struct ctl *c, struct tab_out *t, const struct export_table *tb,
		       const char *unit, const char *period)
{
	const char *params[2] = {unit, period};
	struct export_names *names = NULL;
	char sql[512];
	PGresult *res = NULL;
	int rc;

	/* every row is read: plan for all of them, not for the first tenth (a cursor's default,
	 * which took attachment1 through the units one by one: 7.7 s instead of 2.3 s at 1M);
	 * a streamed plan gains nothing from JIT, which costs about a second to compile it */
	rc = ctl_run(c, &res, "SELECT set_config('cursor_tuple_fraction', '1', true),"
		     " set_config('jit', 'off', true)", 0, NULL);
	PQclear(res);
	res = NULL;
	snprintf(sql, sizeof(sql), "DECLARE duban_export NO SCROLL CURSOR FOR %s", tb->sql);
	if (rc == 0 && tb->names_cell > 0)
		rc = export_names_load(c, &names);
	if (rc == 0)
		rc = ctl_run(c, &res, sql, 2, params);
	PQclear(res);
	if (rc == 0)
		rc = export_stream(c, t, tb, names);
	export_names_free(names);
	return rc;
}

static int export_summary(struct ctl *c, const struct export_table *tb, long rows)
{
	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:s, s:I}", "table", tb->name, "file", c->out,
						"rows", (json_int_t)rows));
	printf("exported %s: %ld row%s to %s\n", tb->name, rows, rows == 1 ? "" : "s", c->out);
	return 0;
}

/* Checks the arguments; *tb gets the table. 0 or a sysexits code. */
static int export_args(struct ctl *c, const struct export_table **tb)
{
	int rc = ctl_need_args(c, 1, usage);

	if (rc != 0)
		return rc;
	*tb = export_table_find(c->argv[0]);
	if (*tb == NULL)
		return ctl_fail(EX_USAGE, "unknown table '%s' (tables: %s)", c->argv[0],
				export_table_names());
	if (c->out == NULL || c->out[0] == '\0')
		return ctl_fail(EX_USAGE, "export needs --out FILE.xlsx or --out FILE.csv");
	if (tab_format_of(c->out) == TAB_FORMAT_NONE)
		return ctl_fail(EX_USAGE, "--out %s: the file name must end in .xlsx or .csv", c->out);
	if (c->period != NULL && (*tb)->period == EXPORT_NO_PERIOD)
		return ctl_fail(EX_USAGE, "table %s takes no --period (it is the ledger as of now)",
				(*tb)->name);
	return 0;
}

int cmd_export(struct ctl *c)
{
	const struct export_table *tb = NULL;
	struct tab_out *t;
	char unit_id[24], err[512];
	long rows;
	int rc = export_args(c, &tb);

	if (rc != 0)
		return rc;
	rc = ctl_begin(c, NULL, NULL);
	if (rc != 0)
		return rc;
	if (c->unit != NULL && (rc = ctl_unit_id(c, c->unit, unit_id)) != 0)
		return rc;
	t = tab_open(c->out, tb->sheet, tb->cols, tb->ncols, err, sizeof(err));
	if (t == NULL) {
		ctl_rollback(c);
		return ctl_fail(EX_CANTCREAT, "%s", err);
	}
	rc = export_rows(c, t, tb, c->unit != NULL ? unit_id : NULL, c->period);
	if (rc != 0) {
		ctl_rollback(c);
		tab_abort(t);
		return rc;
	}
	ctl_rollback(c);
	rows = tab_rows(t);
	if (tab_close(t, err, sizeof(err)) != 0)
		return ctl_fail(EX_CANTCREAT, "%s", err);
	return export_summary(c, tb, rows);
}
