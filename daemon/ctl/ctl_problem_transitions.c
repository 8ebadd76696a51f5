/* dubanctl problem apply/accept/reject/object/reopen: the status transitions of
 * SPEC §4, each one guarded UPDATE from duban/ledger.h (shared with dubanweb); history rows
 * come from the problems trigger with the action and reason set by ctl_begin(). */
#include "ctl_util.h"

#include <string.h>

/* After a guarded UPDATE touched nothing: say why (unknown ref or wrong status). */
static int refuse(struct ctl *c, const struct ledger_transition *t, const char *ref)
{
	char id[24], status[16];
	int rc = ctl_problem_id(c, ref, id, status);

	ctl_rollback(c);
	if (rc != 0)
		return rc;
	return ctl_fail(EX_DATAERR, "problem %s is %s; %s needs status %s", ref, status, t->action,
			t->from);
}

static int check_options(struct ctl *c, const struct ledger_transition *t, char deadline[11])
{
	char usage[128];
	char cmd[32];
	int rc;

	snprintf(usage, sizeof(usage), "problem %s REF%s%s", t->action,
		 t->needs_deadline ? " --deadline D" : "", t->needs_reason ? " --reason T" : "");
	snprintf(cmd, sizeof(cmd), "problem %s", t->action);
	if ((rc = ctl_need_args(c, 1, usage)) != 0)
		return rc;
	if (t->needs_deadline && (rc = ctl_need_opt(c->deadline, cmd, "deadline")) != 0)
		return rc;
	if (t->needs_reason && (rc = ctl_need_opt(c->reason, cmd, "reason")) != 0)
		return rc;
	if (t->needs_deadline)
		return ctl_date(c->deadline, "--deadline", deadline);
	return 0;
}

static int print_result(struct ctl *c, const struct ledger_transition *t, const char *status,
			const char *date)
{
	const char *ref = c->argv[0];
	bool dated = strcmp(t->action, "apply") == 0 || strcmp(t->action, "accept") == 0;

	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:s, s:s, s:s}", "ref", ref, "action",
						t->action, "status", status,
						dated ? "on" : "deadline", date));
	printf("problem %s: %s -> %s (%s %s)\n", ref, t->from, status, dated ? "on" : "deadline",
	       date);
	return 0;
}

static int run_transition(struct ctl *c, const struct ledger_transition *t)
{
	char deadline[11] = "", status[16], date[16];
	const char *params[2] = { c->argc > 0 ? c->argv[0] : NULL, deadline };
	PGresult *r;
	int rc;

	if ((rc = check_options(c, t, deadline)) != 0 ||
	    (rc = ctl_begin(c, t->action, c->reason)) != 0 ||
	    (rc = ctl_run(c, &r, t->sql, t->needs_deadline ? 2 : 1, params)) != 0)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return refuse(c, t, c->argv[0]);
	}
	snprintf(status, sizeof(status), "%s", PQgetvalue(r, 0, 0));
	snprintf(date, sizeof(date), "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	if ((rc = ctl_commit(c)) != 0)
		return rc;
	return print_result(c, t, status, date);
}

int cmd_problem_apply(struct ctl *c) { return run_transition(c, ledger_transition("apply")); }
int cmd_problem_accept(struct ctl *c) { return run_transition(c, ledger_transition("accept")); }
int cmd_problem_reject(struct ctl *c) { return run_transition(c, ledger_transition("reject")); }
int cmd_problem_object(struct ctl *c) { return run_transition(c, ledger_transition("object")); }
int cmd_problem_reopen(struct ctl *c) { return run_transition(c, ledger_transition("reopen")); }
