/* dubanctl report submit / report list: the reporting duties of SPEC §7d. A
 * submission records its time and whether it came after the period's due day. */
#include "ctl_util.h"
#include "duban/db.h"
#include "duban/parse.h"

#include <string.h>

struct submission {
	char unit_id[24];
	char period[16];
	char kind[32];           /* the schedule's kind */
};

/* Checks that the schedule exists and has the period (duban.report_due). */
static int check_schedule(struct ctl *c, struct submission *s)
{
	const char *params[2] = { c->argv[1], s->period };
	PGresult *r;
	bool has_period;
	int rc = ctl_run(c, &r, "SELECT kind, duban.report_due(name, $2) IS NOT NULL"
			 " FROM duban.schedules WHERE name = $1", 2, params);

	if (rc != 0)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		ctl_rollback(c);
		return ctl_fail(EX_DATAERR, "no schedule named '%s'", c->argv[1]);
	}
	snprintf(s->kind, sizeof(s->kind), "%s", PQgetvalue(r, 0, 0));
	has_period = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	if (has_period)
		return 0;
	ctl_rollback(c);
	return ctl_fail(EX_DATAERR, "schedule %s has no period %s (it reports by %s)", c->argv[1],
			s->period, s->kind[0] == 'm' ? "month, e.g. 2026-03" :
			s->kind[0] == 'q' ? "quarter, e.g. 2026-Q1" : "due day, e.g. 2026-03-14");
}

/* Refuses a unit that the schedule does not oblige to report. */
static int check_obliged(struct ctl *c, const struct submission *s)
{
	const char *params[2] = { c->argv[1], s->unit_id };
	PGresult *r;
	bool ok;
	int rc = ctl_run(c, &r,
			 "SELECT CASE s.kind WHEN 'custom' THEN EXISTS (SELECT 1"
			 "  FROM duban.schedule_units su WHERE su.schedule = s.name AND su.unit_id = u.id)"
			 " WHEN 'quarterly-exposure' THEN u.kind = 'office'"
			 " WHEN 'monthly-dispatch' THEN true"
			 " ELSE u.kind IN ('town', 'street', 'park', 'department') END"
			 " FROM duban.schedules s, duban.units u WHERE s.name = $1 AND u.id = $2::int",
			 2, params);

	if (rc != 0)
		return rc;
	ok = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (ok)
		return 0;
	ctl_rollback(c);
	return ctl_fail(EX_DATAERR, "unit %s does not report for schedule %s", c->argv[0],
			c->argv[1]);
}

/* Inserts the report (or finds the earlier one); *fresh tells which. */
static int insert_report(struct ctl *c, const struct submission *s, PGresult **out, bool *fresh)
{
	const char *params[3] = { c->argv[1], s->unit_id, s->period };
	int rc = ctl_run(c, out,
			 "INSERT INTO duban.reports (schedule, unit_id, period, late)"
			 " VALUES ($1, $2::int, $3, duban.today() > duban.report_due($1, $3))"
			 " ON CONFLICT (schedule, unit_id, period) DO NOTHING"
			 " RETURNING to_json(date_trunc('second', submitted_at)) #>> '{}', late",
			 3, params);

	if (rc != 0)
		return rc;
	*fresh = PQntuples(*out) > 0;
	if (*fresh)
		return 0;
	PQclear(*out);
	return ctl_run(c, out, "SELECT to_json(date_trunc('second', submitted_at)) #>> '{}', late"
		       " FROM duban.reports"
		       " WHERE schedule = $1 AND unit_id = $2::int AND period = $3", 3, params);
}

static int print_submission(struct ctl *c, const struct submission *s, PGresult *r, bool fresh)
{
	bool late = strcmp(PQgetvalue(r, 0, 1), "t") == 0;

	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "schedule",
						c->argv[1], "unit", c->argv[0], "period", s->period,
						"submitted_at", PQgetvalue(r, 0, 0), "late", late,
						"new", fresh));
	printf("%s: report of %s for %s %s at %s%s\n", c->argv[1], c->argv[0], s->period,
	       fresh ? "recorded" : "was already submitted", PQgetvalue(r, 0, 0),
	       late ? " (late)" : "");
	return 0;
}

static int parse_submission(struct ctl *c, struct submission *s)
{
	char err[256];
	struct parse_period p;

	memset(s, 0, sizeof(*s));
	if (parse_period(c->argv[2], &p, err, sizeof(err)) != 0)
		return ctl_fail(EX_DATAERR, "%s", err);
	if (parse_format_period(s->period, sizeof(s->period), &p) != 0)
		return ctl_fail(EX_SOFTWARE, "internal error formatting a period");
	return 0;
}

int cmd_report_submit(struct ctl *c)
{
	struct submission s;
	PGresult *r;
	bool fresh;
	int rc;

	if ((rc = ctl_need_args(c, 3, "report submit UNIT SCHEDULE PERIOD")) != 0 ||
	    (rc = parse_submission(c, &s)) != 0 ||
	    (rc = ctl_begin(c, "report", NULL)) != 0 ||
	    (rc = ctl_unit_id(c, c->argv[0], s.unit_id)) != 0 ||
	    (rc = check_schedule(c, &s)) != 0 || (rc = check_obliged(c, &s)) != 0 ||
	    (rc = insert_report(c, &s, &r, &fresh)) != 0)
		return rc;
	if ((rc = ctl_commit(c)) != 0) {
		PQclear(r);
		return rc;
	}
	rc = print_submission(c, &s, r, fresh);
	PQclear(r);
	return rc;
}

int cmd_report_list(struct ctl *c)
{
	static const struct ctl_col cols[] = {
		{"schedule", "SCHEDULE"}, {"period", "PERIOD"}, {"unit", "UNIT"},
		{"submitted_at", "SUBMITTED"}, {"late", "LATE"}, {"actor", "BY"}, {NULL, NULL},
	};
	const char *params[2] = { c->schedule, c->period };
	int rc;

	if ((rc = ctl_need_args(c, 0, "report list [--schedule S] [--period P]")) != 0)
		return rc;
	return ctl_list(c, cols,
			  "SELECT coalesce(json_agg(json_build_object('schedule', r.schedule,"
			  " 'unit', u.code, 'period', r.period,"
			  " 'submitted_at', date_trunc('second', r.submitted_at),"
			  " 'late', r.late, 'actor', r.actor)"
			  " ORDER BY r.schedule, r.period, u.code), '[]')"
			  " FROM duban.reports r JOIN duban.units u ON u.id = r.unit_id"
			  " WHERE ($1::text IS NULL OR r.schedule = $1)"
			  "   AND ($2::text IS NULL OR r.period = $2)", 2, params);
}
