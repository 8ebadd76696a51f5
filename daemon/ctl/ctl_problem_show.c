/* dubanctl problem show REF: one problem with its supervisors, milestones,
 * history and notices, as text or (--json) as one object. */
#include "ctl_util.h"

#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void print_field(const char *label, const char *value)
{
	if (value != NULL && *value != '\0')
		printf("  %-12s %s\n", label, value);
}

static void print_supervisors(const json_t *p)
{
	size_t i;
	json_t *s;

	printf("  %-12s", "supervisors");
	json_array_foreach(json_object_get(p, "supervisor_units"), i, s)
		printf("%s %s %s%s", i > 0 ? "," : "", str(s, "code"), str(s, "name"),
		       json_is_true(json_object_get(s, "lead")) ? " (lead)" : "");
	fputc('\n', stdout);
}

/* The enforcement figures of seed 003's attachment 2, on one line. */
static void print_enforcement(const json_t *p)
{
	char line[512];
	const json_t *v = json_object_get(p, "verified");

	snprintf(line, sizeof(line), "核实 %s, 责令整改 %" JSON_INTEGER_FORMAT " 家, 立案处罚 %"
		 JSON_INTEGER_FORMAT " 家, 罚款 %g 万元, 立案侦查 %" JSON_INTEGER_FORMAT " 件, 拘留 行政 %"
		 JSON_INTEGER_FORMAT " 人 刑事 %" JSON_INTEGER_FORMAT " 人, 约谈 %" JSON_INTEGER_FORMAT
		 " 人, 问责 %" JSON_INTEGER_FORMAT " 人",
		 json_is_string(v) ? json_string_value(v) : "未核实",
		 json_integer_value(json_object_get(p, "ordered")),
		 json_integer_value(json_object_get(p, "penalized")),
		 json_number_value(json_object_get(p, "fine")),
		 json_integer_value(json_object_get(p, "investigated")),
		 json_integer_value(json_object_get(p, "detained_admin")),
		 json_integer_value(json_object_get(p, "detained_criminal")),
		 json_integer_value(json_object_get(p, "interviewed")),
		 json_integer_value(json_object_get(p, "accountable")));
	print_field("enforcement", line);
}

static void print_fields(const json_t *p)
{
	char unit[512], progress[64];

	printf("%s  %s\n", str(p, "ref"), str(p, "title"));
	snprintf(progress, sizeof(progress), "%s, progress %" JSON_INTEGER_FORMAT "%%%s",
		 str(p, "status"), json_integer_value(json_object_get(p, "progress")),
		 json_is_true(json_object_get(p, "overdue")) ? ", OVERDUE" : "");
	print_field("status", progress);
	print_field("level", str(p, "level"));
	print_field("source", str(p, "source"));
	print_field("category", str(p, "category"));
	print_field("location", str(p, "location"));
	snprintf(unit, sizeof(unit), "%s %s", str(p, "unit"), str(p, "unit_name"));
	print_field("unit", unit);
	print_supervisors(p);
	print_field("deadline", str(p, "deadline"));
	print_field("long term", json_is_true(json_object_get(p, "long_term")) ? "yes" : "no");
	print_field("due (D)", str(p, "due"));
	print_field("stage", str(p, "stage"));
	print_field("measures", str(p, "measures"));
	print_field("target", str(p, "target"));
	print_field("applied on", str(p, "applied_on"));
	print_field("accepted on", str(p, "accepted_on"));
	print_field("closed on", str(p, "closed_on"));
	print_field("stage done", json_is_true(json_object_get(p, "stage_done")) ?
		    "yes (阶段办结)" : "no");
	print_field("contact", str(p, "contact"));
	print_enforcement(p);
}

static void print_milestones(const json_t *p)
{
	size_t i;
	json_t *m;
	const json_t *list = json_object_get(p, "milestones");

	if (json_array_size(list) == 0)
		return;
	printf("milestones:\n");
	json_array_foreach(list, i, m) {
		const char *done = str(m, "done_on");
		if (*done)
			printf("  %s  %s  [met %s]\n", str(m, "due"), str(m, "target"), done);
		else
			printf("  %s  %s\n", str(m, "due"), str(m, "target"));
	}
}

static int print_history(const json_t *p)
{
	size_t i;
	json_t *h;

	printf("history:\n");
	json_array_foreach(json_object_get(p, "history"), i, h) {
		char *detail = json_dumps(json_object_get(h, "detail"), JSON_COMPACT);
		if (detail == NULL)
			return ctl_fail(EX_SOFTWARE, "out of memory");
		printf("  %s  %s  %s  %s\n", str(h, "at"), str(h, "actor"), str(h, "action"), detail);
		free(detail);
	}
	return 0;
}

static void print_notices(const json_t *p)
{
	size_t i;
	json_t *n;
	const json_t *list = json_object_get(p, "notices");

	if (json_array_size(list) == 0)
		return;
	printf("notices:\n");
	json_array_foreach(list, i, n)
		printf("  #%" JSON_INTEGER_FORMAT "  %s%s%s  to %s  channel %" JSON_INTEGER_FORMAT
		       " (%s)  %s  attempts %" JSON_INTEGER_FORMAT "%s%s\n",
		       json_integer_value(json_object_get(n, "id")), str(n, "type"),
		       *str(n, "stage") ? " " : "", str(n, "stage"), str(n, "unit"),
		       json_integer_value(json_object_get(n, "channel")), str(n, "kind"),
		       str(n, "status"), json_integer_value(json_object_get(n, "attempts")),
		       *str(n, "last_error") ? "  last error: " : "", str(n, "last_error"));
}

/* Loads the problem (column 0) and adds the keys of its extras (column 1). */
static int load_problem(PGresult *r, json_t **out)
{
	json_error_t jerr;
	json_t *extra;

	*out = json_loads(PQgetvalue(r, 0, 0), 0, &jerr);
	extra = json_loads(PQgetvalue(r, 0, 1), 0, &jerr);
	if (*out == NULL || extra == NULL || json_object_update(*out, extra) != 0) {
		json_decref(*out);
		json_decref(extra);
		*out = NULL;
		return ctl_fail(EX_SOFTWARE, "internal error: bad JSON from database: %s", jerr.text);
	}
	json_decref(extra);
	return 0;
}

int cmd_problem_show(struct ctl *c)
{
	const char *params[1];
	PGresult *r;
	json_t *p;
	int rc;

	if ((rc = ctl_need_args(c, 1, "problem show REF")) != 0 ||
	    (rc = ctl_begin(c, NULL, NULL)) != 0)
		return rc;
	params[0] = c->argv[0];
	rc = ctl_run(c, &r, ledger_show_sql, 1, params);
	ctl_rollback(c);
	if (rc != 0)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return ctl_fail(EX_DATAERR, "no problem with ref %s", c->argv[0]);
	}
	rc = load_problem(r, &p);
	PQclear(r);
	if (rc != 0)
		return rc;
	if (c->json)
		return ctl_print_json(p);
	print_fields(p);
	print_milestones(p);
	rc = print_history(p);
	print_notices(p);
	json_decref(p);
	return rc;
}
