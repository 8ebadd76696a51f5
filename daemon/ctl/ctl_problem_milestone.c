/* dubanctl problem milestone REF DATE TARGET | REF DATE --done: stage targets of
 * long-term tasks. Adding one makes the problem long-term; the triggers derive
 * the ladder's due date D and write the history rows. */
#include "ctl_util.h"

#include <string.h>

static const char milestone_usage[] =
	"problem milestone REF DATE TARGET | problem milestone REF DATE --done";

static int add_milestone(struct ctl *c, const char *id, const char *due)
{
	const char *params[3] = { id, due, c->argv[2] };
	PGresult *r;
	int rc = ctl_run(c, &r, "UPDATE duban.problems SET long_term = true"
			 " WHERE id = $1::bigint AND NOT long_term", 1, params);

	if (rc != 0)
		return rc;
	PQclear(r);
	rc = ctl_run(c, &r,
		     "INSERT INTO duban.milestones (problem_id, due, target)"
		     " VALUES ($1::bigint, $2::date, btrim($3))"
		     " ON CONFLICT (problem_id, due) DO UPDATE SET target = EXCLUDED.target"
		     " WHERE milestones.target IS DISTINCT FROM EXCLUDED.target",
		     3, params);
	if (rc == 0)
		PQclear(r);
	return rc;
}

/* Marks the milestone met today; *already gets the date it was met before, if so. */
static int done_milestone(struct ctl *c, const char *id, const char *due, char already[16])
{
	const char *params[2] = { id, due };
	PGresult *r;
	int rc = ctl_run(c, &r,
			 "SELECT done_on::text FROM duban.milestones"
			 " WHERE problem_id = $1::bigint AND due = $2::date FOR UPDATE", 2, params);

	if (rc != 0)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		ctl_rollback(c);
		return ctl_fail(EX_DATAERR, "problem %s has no milestone on %s", c->argv[0], due);
	}
	snprintf(already, 16, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (already[0] != '\0')
		return 0;
	rc = ctl_run(c, &r, "UPDATE duban.milestones SET done_on = duban.today()"
		     " WHERE problem_id = $1::bigint AND due = $2::date", 2, params);
	if (rc == 0)
		PQclear(r);
	return rc;
}

static int check_args(struct ctl *c, char due[11])
{
	if (c->argc != (c->done ? 2 : 3)) {
		if (c->argc == 3 && c->done)
			return ctl_fail(EX_USAGE, "milestone --done takes no TARGET");
		return ctl_fail(EX_USAGE, "usage: dubanctl %s", milestone_usage);
	}
	if (!c->done && c->argv[2][strspn(c->argv[2], " \t")] == '\0')
		return ctl_fail(EX_USAGE, "milestone TARGET must not be blank");
	return ctl_date(c->argv[1], "milestone DATE", due);
}

static int print_result(struct ctl *c, const char *due, const char *already)
{
	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:s, s:s?, s:b}", "ref", c->argv[0], "due",
						due, "target", c->done ? NULL : c->argv[2], "done",
						c->done));
	if (c->done && already[0] != '\0')
		printf("problem %s: milestone %s was already met on %s\n", c->argv[0], due, already);
	else if (c->done)
		printf("problem %s: milestone %s met\n", c->argv[0], due);
	else
		printf("problem %s: milestone %s set\n", c->argv[0], due);
	return 0;
}

int cmd_problem_milestone(struct ctl *c)
{
	char due[11], id[24], status[16], already[16] = "";
	int rc;

	if ((rc = check_args(c, due)) != 0 ||
	    (rc = ctl_begin(c, c->done ? "milestone-done" : "milestone", NULL)) != 0 ||
	    (rc = ctl_problem_id(c, c->argv[0], id, status)) != 0)
		return rc;
	if (strcmp(status, "closed") == 0) {
		ctl_rollback(c);
		return ctl_fail(EX_DATAERR, "problem %s is closed; milestones need an open problem",
				c->argv[0]);
	}
	rc = c->done ? done_milestone(c, id, due, already) : add_milestone(c, id, due);
	if (rc != 0 || (rc = ctl_commit(c)) != 0)
		return rc;
	return print_result(c, due, already);
}
