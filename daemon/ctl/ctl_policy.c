/* dubanctl policy show / policy set KEY VALUE: the rule parameters of SPEC §7
 * (table duban.policy, whose trigger validates values). */
#include "ctl_util.h"
#include "duban/db.h"

#include <string.h>

int cmd_policy_show(struct ctl *c)
{
	static const struct ctl_col cols[] = {
		{"key", "KEY"}, {"value", "VALUE"}, {"description", "DESCRIPTION"}, {NULL, NULL},
	};
	int rc;

	if ((rc = ctl_need_args(c, 0, "policy show")) != 0)
		return rc;
	return ctl_list(c, cols,
			  "SELECT coalesce(json_agg(json_build_object('key', key,"
			  " 'value', CASE WHEN kind = 'int' THEN to_json(value::bigint)"
			  "  ELSE to_json(value) END,"
			  " 'kind', kind, 'description', description) ORDER BY key), '[]')"
			  " FROM duban.policy", 0, NULL);
}

/* The ladder's next check dates depend on ladder.* policy: recompute them. */
static int refresh_ladder(struct ctl *c)
{
	PGresult *r;
	int rc = ctl_run(c, &r, "SELECT duban.ladder_replan()", 0, NULL);

	if (rc == 0)
		PQclear(r);
	return rc;
}

static int update_policy(struct ctl *c, char old[64])
{
	const char *params[2] = { c->argv[0], c->argv[1] };
	char err[1024];
	PGresult *r;
	int rc = ctl_try(c, &r,
			 "UPDATE duban.policy p SET value = btrim($2) FROM duban.policy o"
			 " WHERE p.key = $1 AND o.key = p.key RETURNING o.value", 2, params, err,
			 sizeof(err));

	if (rc != 0)
		return ctl_fail(rc, "%s", err);
	if (PQntuples(r) == 0) {
		PQclear(r);
		ctl_rollback(c);
		return ctl_fail(EX_DATAERR, "unknown policy key '%s' (see dubanctl policy show)",
				c->argv[0]);
	}
	snprintf(old, 64, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

int cmd_policy_set(struct ctl *c)
{
	char old[64];
	int rc;

	if ((rc = ctl_need_args(c, 2, "policy set KEY VALUE")) != 0 ||
	    (rc = ctl_begin(c, "policy", NULL)) != 0 || (rc = update_policy(c, old)) != 0)
		return rc;
	if (strncmp(c->argv[0], "ladder.", 7) == 0 && (rc = refresh_ladder(c)) != 0)
		return rc;
	if ((rc = ctl_commit(c)) != 0)
		return rc;
	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:s, s:s}", "key", c->argv[0], "value",
						c->argv[1], "old", old));
	printf("%s = %s (was %s)\n", c->argv[0], c->argv[1], old);
	return 0;
}
