/* dubanctl deduct UNIT POINTS --reason T [--problem REF]: deduction points of a
 * unit (SPEC §7f); the database's trigger makes the threshold notices. */
#include "ctl_util.h"

#include <stdlib.h>

struct deduction {
	char unit_id[24];
	char problem_id[24];
	char points[16];
};

/* Inserts the deduction; *out gets (year, yearly total, threshold notices made). */
static int insert_deduction(struct ctl *c, const struct deduction *d, PGresult **out)
{
	const char *params[4] = { d->unit_id, d->points, c->reason,
				  c->problem != NULL ? d->problem_id : NULL };
	PGresult *r;
	int rc = ctl_run(c, &r,
			 "INSERT INTO duban.deductions (unit_id, points, reason, problem_id)"
			 " VALUES ($1::int, $2::int, btrim($3), $4::bigint) RETURNING id, year",
			 4, params);

	if (rc != 0)
		return rc;
	PQclear(r);
	return ctl_run(c, out,
		       "SELECT d.year, sum(d.points),"
		       " (SELECT count(*) FROM duban.notices n WHERE n.type = 'deduction'"
		       "   AND n.xmin::text::bigint = txid_current() % 4294967296)"
		       " FROM duban.deductions d WHERE d.unit_id = $1::int"
		       "  AND d.year = extract(year FROM duban.today())::int GROUP BY d.year",
		       1, params);
}

static int print_deduction(struct ctl *c, const struct deduction *d, PGresult *r)
{
	long year = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	long total = strtol(PQgetvalue(r, 0, 1), NULL, 10);
	long notices = strtol(PQgetvalue(r, 0, 2), NULL, 10);

	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:i, s:s, s:s?, s:i, s:i, s:i}", "unit",
						c->argv[0], "points", atoi(d->points), "reason",
						c->reason, "problem", c->problem, "year", (int)year,
						"total", (int)total, "notices", (int)notices));
	printf("unit %s: %s points deducted (%s); total %ld in %ld%s\n", c->argv[0], d->points,
	       c->reason, total, year, notices > 0 ? ", threshold notices made" : "");
	return 0;
}

int cmd_deduct(struct ctl *c)
{
	struct deduction d;
	char status[16];
	PGresult *r;
	long points;
	int rc;

	if ((rc = ctl_need_args(c, 2, "deduct UNIT POINTS --reason T [--problem REF]")) != 0 ||
	    (rc = ctl_need_opt(c->reason, "deduct", "reason")) != 0 ||
	    (rc = ctl_int(c->argv[1], 1, 1000, "POINTS", &points)) != 0)
		return rc;
	snprintf(d.points, sizeof(d.points), "%ld", points);
	if ((rc = ctl_begin(c, "deduct", c->reason)) != 0 ||
	    (rc = ctl_unit_id(c, c->argv[0], d.unit_id)) != 0)
		return rc;
	if (c->problem != NULL && (rc = ctl_problem_id(c, c->problem, d.problem_id, status)) != 0)
		return rc;
	if ((rc = insert_deduction(c, &d, &r)) != 0)
		return rc;
	if ((rc = ctl_commit(c)) == 0)
		rc = print_deduction(c, &d, r);
	PQclear(r);
	return rc;
}
