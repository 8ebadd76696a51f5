/* dubanctl problem list [--status S] [--unit U] [--overdue] [--csv]: the ledger
 * as a table, as JSON, or as CSV with the §6 English header (re-importable). */
#include "ctl_util.h"

#include <string.h>

static int check_status(const char *s)
{
	static const char *const ok[] = { "rectifying", "applied", "publicizing", "closed", "open" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(s, ok[i]) == 0)
			return 0;
	return ctl_fail(EX_DATAERR, "unknown status '%s' (rectifying, applied, publicizing, closed, "
			"open)", s);
}

/* The CSV's status column speaks the import vocabulary: open items are rectifying, or
 * stage_done (阶段办结) when their current stage target is met. */
static int csv_statuses(json_t *rows)
{
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row) {
		const char *st = json_string_value(json_object_get(row, "status"));
		const char *open = json_is_true(json_object_get(row, "stage_done")) ?
				   "stage_done" : "rectifying";

		if (st != NULL && strcmp(st, "closed") != 0 &&
		    json_object_set_new(row, "status", json_string(open)) != 0)
			return ctl_fail(EX_SOFTWARE, "out of memory");
	}
	return 0;
}

static int print_csv(json_t *rows)
{
	static const struct ctl_col cols[] = {
		{"ref", "ref"}, {"level", "level"}, {"source", "source"},
		{"category", "category"}, {"title", "title"}, {"location", "location"},
		{"unit", "unit"}, {"supervisors", "supervisors"}, {"deadline", "deadline"},
		{"long_term", "long_term"}, {"measures", "measures"}, {"target", "target"},
		{"status", "status"}, {"closed_on", "closed_on"}, {"progress", "progress"},
		{"contact", "contact"}, {"verified", "verified"}, {"ordered", "ordered"},
		{"penalized", "penalized"}, {"fine", "fine"}, {"investigated", "investigated"},
		{"detained_admin", "detained_admin"}, {"detained_criminal", "detained_criminal"},
		{"interviewed", "interviewed"}, {"accountable", "accountable"},
		{NULL, NULL},
	};
	int rc = csv_statuses(rows);

	return rc != 0 ? rc : ctl_print_csv(rows, cols, ";");
}

static int print_rows(struct ctl *c, json_t *rows)
{
	static const struct ctl_col cols[] = {
		{"ref", "REF"}, {"status", "STATUS"}, {"level", "LEVEL"}, {"unit", "UNIT"},
		{"supervisors", "SUPERVISORS"}, {"deadline", "DEADLINE"}, {"due", "DUE"},
		{"progress", "PROGRESS"}, {"stage", "STAGE"}, {"title", "TITLE"}, {NULL, NULL},
	};
	int rc;

	if (c->json)
		return ctl_print_json(rows);
	rc = c->csv ? print_csv(rows) : ctl_print_table(rows, cols);
	json_decref(rows);
	return rc;
}

int cmd_problem_list(struct ctl *c)
{
	char unit_id[24];
	const char *params[3] = { c->status, NULL, c->overdue ? "true" : "false" };
	json_t *rows;
	int rc;

	if ((rc = ctl_need_args(c, 0, "problem list [--status S] [--unit U] [--overdue] [--csv]")) != 0)
		return rc;
	if (c->json && c->csv)
		return ctl_fail(EX_USAGE, "--json and --csv cannot be used together");
	if (c->status != NULL && (rc = check_status(c->status)) != 0)
		return rc;
	if ((rc = ctl_begin(c, NULL, NULL)) != 0)
		return rc;
	if (c->unit != NULL && (rc = ctl_unit_id(c, c->unit, unit_id)) != 0)
		return rc;
	params[1] = c->unit != NULL ? unit_id : NULL;
	rc = ctl_run_json(c, &rows, ledger_list_sql, 3, params);
	ctl_rollback(c);
	return rc != 0 ? rc : print_rows(c, rows);
}
