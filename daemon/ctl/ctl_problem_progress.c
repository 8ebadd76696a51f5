/* dubanctl problem progress REF PERCENT [--note TEXT]: a dated progress note
 * (the monthly dispatch counts these) and the problem's current progress. */
#include "ctl_util.h"
#include "duban/parse.h"

#include <string.h>

static int record_progress(struct ctl *c, const char *id, const char *percent)
{
	const char *params[3] = { id, percent, c->note != NULL ? c->note : "" };
	PGresult *r;
	int rc = ctl_run(c, &r, ledger_progress_note_sql, 3, params);

	if (rc != 0)
		return rc;
	PQclear(r);
	rc = ctl_run(c, &r, ledger_progress_set_sql, 2, params);
	if (rc == 0)
		PQclear(r);
	return rc;
}

int cmd_problem_progress(struct ctl *c)
{
	char err[256], id[24], status[16], percent[8];
	int value, rc;

	if ((rc = ctl_need_args(c, 2, "problem progress REF PERCENT [--note TEXT]")) != 0)
		return rc;
	if (parse_progress(c->argv[1], &value, err, sizeof(err)) != 0)
		return ctl_fail(EX_DATAERR, "%s", err);
	snprintf(percent, sizeof(percent), "%d", value);
	if ((rc = ctl_begin(c, "progress", NULL)) != 0 ||
	    (rc = ctl_problem_id(c, c->argv[0], id, status)) != 0)
		return rc;
	if (strcmp(status, "closed") == 0) {
		ctl_rollback(c);
		return ctl_fail(EX_DATAERR, "problem %s is closed; progress needs an open problem "
				"(reopen it first)", c->argv[0]);
	}
	if ((rc = record_progress(c, id, percent)) != 0 || (rc = ctl_commit(c)) != 0)
		return rc;
	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:i, s:s}", "ref", c->argv[0], "progress",
						value, "note", c->note != NULL ? c->note : ""));
	printf("problem %s: progress %d%%\n", c->argv[0], value);
	return 0;
}
