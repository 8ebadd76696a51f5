/* dubanctl unit add / unit list: the towns, streets, parks, departments, office
 * and leadership that problems and notices are addressed to (SPEC §4). */
#include "ctl_util.h"
#include "duban/limits.h"
#include "duban/db.h"
#include "duban/parse.h"

#include <string.h>

static const char unit_add_usage[] = "unit add CODE NAME --kind KIND [--parent CODE]";

/* Words a failed INSERT INTO duban.units for people. */
static int unit_insert_error(const char *code, const char *name, const char *err, int rc)
{
	if (strcmp(db_last_sqlstate(), "23505") == 0 && strstr(err, "units_name_key") != NULL)
		return ctl_fail(EX_DATAERR, "a unit named '%s' already exists", name);
	if (strcmp(db_last_sqlstate(), "23505") == 0)
		return ctl_fail(EX_DATAERR, "unit %s already exists", code);
	if (strcmp(db_last_sqlstate(), "23514") == 0)
		return ctl_fail(EX_DATAERR, "unit %s: the name must not be blank", code);
	return ctl_fail(rc, "%s", err);
}

static int unit_insert(struct ctl *c, const char *kind, const char *parent_id)
{
	const char *params[4] = { c->argv[0], c->argv[1], kind, parent_id };
	char err[1024];
	PGresult *r;
	int rc = ctl_try(c, &r,
			 "INSERT INTO duban.units (code, name, kind, parent_id)"
			 " VALUES ($1, btrim($2), $3, $4::int) RETURNING id",
			 4, params, err, sizeof(err));

	if (rc != 0)
		return unit_insert_error(c->argv[0], c->argv[1], err, rc);
	PQclear(r);
	return 0;
}

int cmd_unit_add(struct ctl *c)
{
	char err[256], parent_id[24];
	const char *kind;
	int rc;

	if ((rc = ctl_need_args(c, 2, unit_add_usage)) != 0 ||
	    (rc = ctl_need_opt(c->kind, "unit add", "kind")) != 0)
		return rc;
	if ((rc = ctl_check_length("unit code", c->argv[0], DUBAN_MAX_UNIT_CODE)) != 0 ||
	    (rc = ctl_check_length("unit name", c->argv[1], DUBAN_MAX_UNIT_NAME)) != 0)
		return rc;
	if (c->argv[0][0] == '\0' || strspn(c->argv[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(c->argv[0]))
		return ctl_fail(EX_DATAERR, "unit code '%s': use only letters, digits, _ and -",
				c->argv[0]);
	if (parse_unit_kind(c->kind, &kind, err, sizeof(err)) != 0)
		return ctl_fail(EX_DATAERR, "%s", err);
	if ((rc = ctl_begin(c, "unit-add", NULL)) != 0)
		return rc;
	if (c->parent != NULL && (rc = ctl_unit_id(c, c->parent, parent_id)) != 0)
		return rc;
	if ((rc = unit_insert(c, kind, c->parent != NULL ? parent_id : NULL)) != 0 ||
	    (rc = ctl_commit(c)) != 0)
		return rc;
	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:s, s:s, s:s?}", "code", c->argv[0],
						"name", c->argv[1], "kind", kind,
						"parent", c->parent));
	printf("unit %s (%s, %s) added\n", c->argv[0], c->argv[1], kind);
	return 0;
}

int cmd_unit_list(struct ctl *c)
{
	static const struct ctl_col cols[] = {
		{"code", "CODE"}, {"name", "NAME"}, {"kind", "KIND"}, {"parent", "PARENT"},
		{"channels", "CHANNELS"}, {NULL, NULL},
	};
	int rc;

	if ((rc = ctl_need_args(c, 0, "unit list")) != 0)
		return rc;
	return ctl_list(c, cols, ledger_units_sql, 0, NULL);
}
