/* dubanctl schedule add NAME [--label 中文名称] (--days LIST [--months LIST] | --dates LIST)
 * --units CODES [--remind LIST] [--table TABLE]: a custom reporting schedule (e.g. a campaign's
 * 4th/14th/24th, or one-off due dates) and its units; messages name it by its label; with a
 * table of SPEC §11, duband sends that table to the office on each due day. */
#include "ctl_util.h"
#include "export.h"
#include "duban/limits.h"
#include "duban/db.h"
#include "duban/parse.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char schedule_usage[] =
	"schedule add NAME [--label 中文名称] (--days LIST [--months LIST] | --dates LIST) "
	"--units CODES [--remind LIST] [--table TABLE]";

struct schedule_arrays {
	char days[256];
	char dates[4096];
	char months[128];
	char remind[256];
};

static int check_name(const char *name)
{
	if (*name != '\0' && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(name))
		return 0;
	return ctl_fail(EX_DATAERR, "schedule name '%s': use only lower-case letters, digits, _ "
			"and -", name);
}

/* --label: the name messages use, one line of at most 100 bytes. */
static int check_label(const char *label)
{
	if (label == NULL || (*label != '\0' && strlen(label) <= 100 && strpbrk(label, "\r\n\t") == NULL))
		return 0;
	return ctl_fail(EX_DATAERR, "--label must be the schedule's name in one line of at most 100 "
			"bytes (e.g. 河湖“四乱”专项整治)");
}

/* --table: one of the statutory tables of SPEC §11 (as `export` names them). */
static int check_table(const char *table)
{
	if (table == NULL || export_table_find(table) != NULL)
		return 0;
	return ctl_fail(EX_USAGE, "schedule add --table: unknown table '%s' (tables: %s)", table,
			export_table_names());
}

/* Exactly one of --days (with optional --months) and --dates. */
static int check_due_options(const struct ctl *c)
{
	bool days = c->days != NULL, dates = c->dates != NULL;

	if (days == dates)
		return ctl_fail(EX_USAGE, "schedule add needs exactly one of --days and --dates; usage: %s",
				schedule_usage);
	if (dates && c->months != NULL)
		return ctl_fail(EX_USAGE, "schedule add: --months goes with --days, not --dates");
	return 0;
}

/* --dates LIST: one-off due dates in any parse_date() form, as a date[] literal. */
static int parse_dates(const char *s, char *out, size_t len)
{
	char err[256], day[11], **items;
	size_t n, pos = 1;
	int rc = 0;

	if (parse_list(s, &items, &n, err, sizeof(err)) != 0)
		return ctl_fail(EX_SOFTWARE, "%s", err);
	if (n == 0)
		rc = ctl_fail(EX_DATAERR, "--dates: empty list");
	snprintf(out, len, "{");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = ctl_date(items[i], "--dates", day);
		if (rc == 0 && pos + 12 + 2 > len)
			rc = ctl_fail(EX_DATAERR, "--dates: list too long");
		if (rc == 0)
			pos += (size_t)snprintf(out + pos, len - pos, "%s%s", i > 0 ? "," : "", day);
	}
	parse_list_free(items);
	if (rc == 0)
		snprintf(out + pos, len - pos, "}");
	return rc;
}

static int parse_arrays(struct ctl *c, struct schedule_arrays *a)
{
	int rc;

	snprintf(a->days, sizeof(a->days), "{}");
	a->dates[0] = '\0';
	if (c->days != NULL &&
	    (rc = ctl_int_array(c->days, 1, 31, "--days", a->days, sizeof(a->days))) != 0)
		return rc;
	if (c->dates != NULL && (rc = parse_dates(c->dates, a->dates, sizeof(a->dates))) != 0)
		return rc;
	if (c->months != NULL &&
	    (rc = ctl_int_array(c->months, 1, 12, "--months", a->months, sizeof(a->months))) != 0)
		return rc;
	/* none given: the rules use quarterly-self-inspection's reminders */
	snprintf(a->remind, sizeof(a->remind), "{}");
	if (c->remind != NULL)
		return ctl_int_array(c->remind, 0, 366, "--remind", a->remind, sizeof(a->remind));
	return 0;
}

/* Inserts the schedule; *out gets it as JSON {name, label, kind, days, months, dates, remind,
 * table}. */
static int insert_schedule(struct ctl *c, const struct schedule_arrays *a, json_t **out)
{
	const char *params[7] = { c->argv[0], a->days, c->months != NULL ? a->months : NULL,
				  a->remind, c->label != NULL && *c->label != '\0' ? c->label : c->argv[0],
				  c->dates != NULL ? a->dates : NULL, c->table };
	char err[1024];
	PGresult *r;
	int rc = ctl_try(c, &r,
			 "INSERT INTO duban.schedules (name, label, kind, days, months, remind, dates,"
			 " table_name)"
			 " VALUES ($1, $5, 'custom', coalesce((SELECT array_agg(DISTINCT d ORDER BY d)"
			 "  FROM unnest($2::int[]) d), '{}'), (SELECT array_agg(DISTINCT m ORDER BY m)"
			 "  FROM unnest($3::int[]) m), coalesce((SELECT array_agg(DISTINCT r"
			 "  ORDER BY r DESC) FROM unnest($4::int[]) r), '{}'),"
			 "  (SELECT array_agg(DISTINCT t ORDER BY t) FROM unnest($6::date[]) t), $7)"
			 " RETURNING json_build_object('name', name, 'label', label,"
			 " 'kind', kind, 'days', days, 'months', months, 'dates', dates, 'remind', remind,"
			 " 'table', table_name)",
			 7, params, err, sizeof(err));

	if (rc != 0 && strcmp(db_last_sqlstate(), "23505") == 0)
		return ctl_fail(EX_DATAERR, "schedule %s already exists", c->argv[0]);
	if (rc != 0)
		return ctl_fail(rc, "%s", err);
	*out = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	if (*out != NULL)
		return 0;
	ctl_rollback(c);
	return ctl_fail(EX_SOFTWARE, "out of memory");
}

/* Adds every unit of --units to the schedule; *n gets how many. */
static int insert_units(struct ctl *c, int *n)
{
	char err[128], id[24], **items;
	const char *params[2] = { c->argv[0], id };
	size_t count;
	PGresult *r;
	int rc = 0;

	if (parse_list(c->units, &items, &count, err, sizeof(err)) != 0)
		return ctl_fail(EX_SOFTWARE, "%s", err);
	if (count == 0)
		rc = ctl_fail(EX_DATAERR, "--units lists no unit");
	for (size_t i = 0; rc == 0 && i < count; i++) {
		rc = ctl_unit_id(c, items[i], id);
		if (rc == 0)
			rc = ctl_run(c, &r, "INSERT INTO duban.schedule_units (schedule, unit_id)"
				     " VALUES ($1, $2::int) ON CONFLICT DO NOTHING", 2, params);
		if (rc == 0)
			PQclear(r);
	}
	parse_list_free(items);
	if (rc != 0)
		ctl_rollback(c);
	*n = (int)count;
	return rc;
}

static int print_schedule(struct ctl *c, json_t *sched, int n)
{
	char *due, *months, *remind, table[64] = "";
	bool dated = json_is_array(json_object_get(sched, "dates"));

	if (json_object_set_new(sched, "units", json_integer(n)) != 0) {
		json_decref(sched);
		return ctl_fail(EX_SOFTWARE, "out of memory");
	}
	if (c->json)
		return ctl_print_json(sched);
	if (json_is_string(json_object_get(sched, "table")))
		snprintf(table, sizeof(table), ", table %s to the office on each due day",
			 json_string_value(json_object_get(sched, "table")));
	due = ctl_json_text(json_object_get(sched, dated ? "dates" : "days"), ",");
	months = ctl_json_text(json_object_get(sched, "months"), ",");
	remind = ctl_json_text(json_object_get(sched, "remind"), ",");
	if (due != NULL && months != NULL && remind != NULL && dated)
		printf("schedule %s added: dates %s, reminders %s%s, %d unit%s%s\n",
		       c->argv[0], due, *remind ? remind : "as ",
		       *remind ? " days before" : "quarterly-self-inspection", n, n == 1 ? "" : "s",
		       table);
	else if (due != NULL && months != NULL && remind != NULL)
		printf("schedule %s added: days %s, months %s, reminders %s%s, %d unit%s%s\n",
		       c->argv[0], due, *months ? months : "all", *remind ? remind : "as ",
		       *remind ? " days before" : "quarterly-self-inspection", n, n == 1 ? "" : "s",
		       table);
	free(due);
	free(months);
	free(remind);
	json_decref(sched);
	return 0;
}

int cmd_schedule_add(struct ctl *c)
{
	struct schedule_arrays a;
	json_t *sched = NULL;
	int rc, n = 0;

	if ((rc = ctl_need_args(c, 1, schedule_usage)) != 0 ||
	    (rc = check_due_options(c)) != 0 ||
	    (rc = ctl_need_opt(c->units, "schedule add", "units")) != 0 ||
	    (rc = ctl_check_length("schedule name", c->argv[0], DUBAN_MAX_SCHEDULE_NAME)) != 0 ||
	    (rc = check_name(c->argv[0])) != 0 || (rc = check_label(c->label)) != 0 ||
	    (rc = check_table(c->table)) != 0 ||
	    (rc = parse_arrays(c, &a)) != 0 || (rc = ctl_begin(c, "schedule-add", NULL)) != 0 ||
	    (rc = insert_schedule(c, &a, &sched)) != 0)
		return rc;
	if ((rc = insert_units(c, &n)) != 0 || (rc = ctl_commit(c)) != 0) {
		json_decref(sched);
		return rc;
	}
	return print_schedule(c, sched, n);
}
