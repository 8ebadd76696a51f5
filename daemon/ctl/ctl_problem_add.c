/* dubanctl problem add: one ledger item from the command line, every field and
 * unit checked first; the database's trigger writes its 'create' history row. */
#include "ctl_util.h"
#include "duban/limits.h"
#include "duban/db.h"
#include "duban/parse.h"

#include <stdlib.h>
#include <string.h>

struct new_problem {
	const char *level;
	char deadline[11];
	char unit_id[24];
	char supervisors[1024];   /* int[] literal, lead first */
};

static int check_required(struct ctl *c)
{
	static const char cmd[] = "problem add";
	int rc;

	if ((rc = ctl_need_args(c, 0, "problem add --ref R --title T --level L --unit U "
				"--supervisors A[,B...] --deadline D [--source S] [--category C] "
				"[--location X] [--long-term]")) != 0 ||
	    (rc = ctl_need_opt(c->ref, cmd, "ref")) != 0 ||
	    (rc = ctl_need_opt(c->title, cmd, "title")) != 0 ||
	    (rc = ctl_need_opt(c->level, cmd, "level")) != 0 ||
	    (rc = ctl_need_opt(c->unit, cmd, "unit")) != 0 ||
	    (rc = ctl_need_opt(c->supervisors, cmd, "supervisors")) != 0 ||
	    (rc = ctl_need_opt(c->deadline, cmd, "deadline")) != 0 ||
	    (rc = ctl_check_length("--ref", c->ref, DUBAN_MAX_REF)) != 0)
		return rc;
	return 0;
}

/* Appends "ID," to the list ",A,B," being built (so ",ID," finds a repeat). */
static int add_supervisor(struct new_problem *p, size_t *pos, const char *id, const char *name)
{
	char needle[32];
	int k;

	snprintf(needle, sizeof(needle), ",%s,", id);
	if (strstr(p->supervisors, needle) != NULL)
		return ctl_fail(EX_DATAERR, "supervisor %s is listed twice", name);
	k = snprintf(p->supervisors + *pos, sizeof(p->supervisors) - *pos, "%s,", id);
	if (k < 0 || (size_t)k >= sizeof(p->supervisors) - *pos)
		return ctl_fail(EX_DATAERR, "too many supervisors");
	*pos += (size_t)k;
	return 0;
}

/* Resolves the supervisors (codes or names, lead first) into p->supervisors. */
static int resolve_supervisors(struct ctl *c, struct new_problem *p)
{
	char err[128], id[24], **items;
	size_t n, pos = 1;
	int rc = 0;

	if (parse_list(c->supervisors, &items, &n, err, sizeof(err)) != 0)
		return ctl_fail(EX_SOFTWARE, "%s", err);
	if (n == 0)
		rc = ctl_fail(EX_DATAERR, "--supervisors lists no unit");
	snprintf(p->supervisors, sizeof(p->supervisors), ",");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = ctl_unit_id(c, items[i], id);
		if (rc == 0)
			rc = add_supervisor(p, &pos, id, items[i]);
	}
	parse_list_free(items);
	if (rc != 0) {
		ctl_rollback(c);
		return rc;
	}
	p->supervisors[0] = '{';
	p->supervisors[pos - 1] = '}';
	return 0;
}

static int insert_problem(struct ctl *c, const struct new_problem *p)
{
	const char *params[12] = {
		c->ref, p->level, c->source, c->category, c->title, c->location,
		p->unit_id, p->supervisors, p->deadline, c->long_term ? "true" : "false",
		c->measures, c->target,
	};
	char err[1024];
	PGresult *r;
	int rc;

	rc = ctl_try(c, &r,
		     "INSERT INTO duban.problems (ref, level, source, category, title, location,"
		     " unit_id, supervisor_ids, deadline, long_term, measures, target)"
		     " VALUES (btrim($1), $2, coalesce($3, ''), coalesce($4, ''), btrim($5),"
		     " coalesce($6, ''), $7::int, $8::int[], $9::date, $10::boolean,"
		     " coalesce($11, ''), coalesce($12, '')) RETURNING id",
		     12, params, err, sizeof(err));
	if (rc != 0 && strcmp(db_last_sqlstate(), "23505") == 0)
		return ctl_fail(EX_DATAERR, "problem %s already exists", c->ref);
	if (rc != 0)
		return ctl_fail(rc, "problem %s: %s", c->ref, err);
	PQclear(r);
	return 0;
}

int cmd_problem_add(struct ctl *c)
{
	struct new_problem p;
	char err[256];
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = check_required(c)) != 0)
		return rc;
	if (parse_level(c->level, &p.level, err, sizeof(err)) != 0)
		return ctl_fail(EX_DATAERR, "--level: %s", err);
	if ((rc = ctl_date(c->deadline, "--deadline", p.deadline)) != 0 ||
	    (rc = ctl_begin(c, "create", NULL)) != 0 ||
	    (rc = ctl_unit_id(c, c->unit, p.unit_id)) != 0 ||
	    (rc = resolve_supervisors(c, &p)) != 0 || (rc = insert_problem(c, &p)) != 0 ||
	    (rc = ctl_commit(c)) != 0)
		return rc;
	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:s, s:s}", "ref", c->ref, "status",
						"rectifying", "deadline", p.deadline));
	printf("problem %s added (deadline %s)\n", c->ref, p.deadline);
	return 0;
}
