/* dubanctl status: schema version, problems by status and overdue, notices by
 * state, how far the working-day calendar reaches and the last run of each sweep, as text or
 * one JSON object. */
#include "ctl_util.h"
#include "duban/calendar_state.h"
#include "duban/migrate.h"

#include <stdlib.h>
#include <string.h>

static const char status_sql[] =
	"SELECT json_build_object("
	" 'now', date_trunc('second', duban.now()), 'today', duban.today(),"
	" 'problems', (SELECT json_build_object("
	"   'rectifying', count(*) FILTER (WHERE status = 'rectifying'),"
	"   'applied', count(*) FILTER (WHERE status = 'applied'),"
	"   'publicizing', count(*) FILTER (WHERE status = 'publicizing'),"
	"   'closed', count(*) FILTER (WHERE status = 'closed'),"
	"   'open', count(*) FILTER (WHERE status <> 'closed'),"
	"   'overdue', count(*) FILTER (WHERE status = 'rectifying' AND ladder_due < duban.today()))"
	"   FROM duban.problems),"
	" 'notices', (SELECT json_build_object("
	"   'pending', count(*) FILTER (WHERE status = 'pending'),"
	"   'sent', count(*) FILTER (WHERE status = 'sent'),"
	"   'dead', count(*) FILTER (WHERE status = 'dead')) FROM duban.notices),"
	" 'sweeps', (SELECT coalesce(json_agg(json_build_object('name', name, 'last_day', last_day,"
	"   'last_run_at', date_trunc('second', last_run_at),"
	"   'duration_ms', round(duration_ms::numeric, 1),"
	"   'notices', notices) ORDER BY name), '[]') FROM duban.sweep_runs))";

static void print_counts(const char *title, const json_t *obj)
{
	const char *key;
	json_t *v;
	int first = 1;

	printf("%-10s", title);
	json_object_foreach((json_t *)obj, key, v) {
		printf("%s%s %" JSON_INTEGER_FORMAT, first ? " " : ", ", key, json_integer_value(v));
		first = 0;
	}
	putchar('\n');
}

/* Adds calendar_until (date or null), calendar_until_days and calendar_missing (the year
 * to import, or null) to s. */
static int status_calendar(struct ctl *c, json_t *s)
{
	PGresult *r;
	int rc = ctl_run(c, &r, calendar_state_sql, 0, NULL);
	json_t *until, *days, *missing;

	if (rc != 0)
		return rc;
	until = PQgetisnull(r, 0, 0) ? json_null() : json_string(PQgetvalue(r, 0, 0));
	days = PQgetisnull(r, 0, 1) ? json_null() : json_integer(atoll(PQgetvalue(r, 0, 1)));
	missing = PQgetisnull(r, 0, 2) ? json_null() : json_integer(atoll(PQgetvalue(r, 0, 2)));
	PQclear(r);
	rc = json_object_set_new(s, "calendar_until", until);
	rc |= json_object_set_new(s, "calendar_until_days", days);
	rc |= json_object_set_new(s, "calendar_missing", missing);
	return rc == 0 ? 0 : ctl_fail(EX_SOFTWARE, "out of memory");
}

/* "calendar   until 2026-12-31 (30 days); 2027 missing: run dubanctl calendar import 2027.csv" */
static void print_calendar(const json_t *s)
{
	const json_t *until = json_object_get(s, "calendar_until");
	const json_t *missing = json_object_get(s, "calendar_missing");

	printf("%-10s ", "calendar");
	if (json_is_string(until))
		printf("until %s (%" JSON_INTEGER_FORMAT " days)", json_string_value(until),
		       json_integer_value(json_object_get(s, "calendar_until_days")));
	else
		printf("empty");
	if (json_is_integer(missing))
		printf("; WARNING: no holidays for %" JSON_INTEGER_FORMAT
		       " (Monday-Friday assumed): run dubanctl calendar import %" JSON_INTEGER_FORMAT
		       ".csv", json_integer_value(missing), json_integer_value(missing));
	putchar('\n');
}

static void print_status(const json_t *s)
{
	const json_t *schema = json_object_get(s, "schema");
	size_t i;
	json_t *w;

	printf("%-10s database %" JSON_INTEGER_FORMAT ", binary %" JSON_INTEGER_FORMAT "\n", "schema",
	       json_integer_value(json_object_get(schema, "database")),
	       json_integer_value(json_object_get(schema, "binary")));
	printf("%-10s %s (%s)\n", "clock", json_string_value(json_object_get(s, "now")),
	       json_string_value(json_object_get(s, "today")));
	print_counts("problems", json_object_get(s, "problems"));
	print_counts("notices", json_object_get(s, "notices"));
	print_calendar(s);
	printf("sweeps:\n");
	json_array_foreach(json_object_get(s, "sweeps"), i, w) {
		char *ms = ctl_json_text(json_object_get(w, "duration_ms"), ",");
		printf("  %-26s last %s at %s, %s ms, %" JSON_INTEGER_FORMAT " notices\n",
		       json_string_value(json_object_get(w, "name")),
		       json_string_value(json_object_get(w, "last_day")),
		       json_string_value(json_object_get(w, "last_run_at")), ms != NULL ? ms : "?",
		       json_integer_value(json_object_get(w, "notices")));
		free(ms);
	}
}

/* Checks the schema version; on a mismatch says what to run (exit 69). */
static int check_schema(struct ctl *c, int *version)
{
	int rc = ctl_schema_version(c, version);

	if (rc == EX_UNAVAILABLE && *version >= 0 && c->json)
		ctl_print_json(json_pack("{s:{s:i, s:i, s:b}}", "schema", "database", *version,
					 "binary", migrate_latest(), "ok", 0));
	return rc;
}

int cmd_status(struct ctl *c)
{
	json_t *s;
	int rc, version = -1;

	if ((rc = ctl_need_args(c, 0, "status")) != 0 || (rc = check_schema(c, &version)) != 0 ||
	    (rc = ctl_begin(c, NULL, NULL)) != 0)
		return rc;
	rc = ctl_run_json(c, &s, status_sql, 0, NULL);
	if (rc == 0 && (rc = status_calendar(c, s)) != 0)
		json_decref(s);
	ctl_rollback(c);
	if (rc != 0)
		return rc;
	if (json_object_set_new(s, "schema", json_pack("{s:i, s:i, s:b}", "database", version,
						       "binary", migrate_latest(), "ok", 1)) != 0) {
		json_decref(s);
		return ctl_fail(EX_SOFTWARE, "out of memory");
	}
	if (c->json)
		return ctl_print_json(s);
	print_status(s);
	json_decref(s);
	return 0;
}
