/* Shared helpers of dubanctl's ledger commands: transactions on the duban clock,
 * statements with uniform error reporting, look-ups and argument parsing. */
#include "ctl_util.h"
#include "duban/limits.h"
#include "duban/db.h"
#include "duban/migrate.h"
#include "duban/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool in_transaction;
static bool schema_checked;

int ctl_schema_version(struct ctl *c, int *version)
{
	char err[512];
	PGconn *conn = ctl_db(c);
	struct migrate_state st = { -1, "" };
	const char *state;

	*version = -1;
	if (conn == NULL)
		return EX_UNAVAILABLE;
	if (migrate_db_state(conn, &st, err, sizeof(err)) != 0) {
		state = db_last_sqlstate();
		if (strcmp(state, "42P01") != 0 && strcmp(state, "3F000") != 0)
			return ctl_fail(EX_UNAVAILABLE, "cannot read the schema version: %s", err);
		st.version = 0;   /* no schema yet */
	}
	*version = st.version;
	if (migrate_check(&st, err, sizeof(err)) != 0)
		return ctl_fail(EX_UNAVAILABLE, "%s", err);
	schema_checked = true;
	return 0;
}

int ctl_begin(struct ctl *c, const char *action, const char *reason)
{
	char err[512];
	int version, rc;
	PGconn *conn = ctl_db(c);

	if (conn == NULL)
		return EX_UNAVAILABLE;
	if (!schema_checked && (rc = ctl_schema_version(c, &version)) != 0)
		return rc;
	if (db_begin(conn, action, reason, err, sizeof(err)) != 0)
		return ctl_fail(ctl_db_error_code(), "%s", err);
	in_transaction = true;
	if (db_exec(conn, "SELECT set_config('TimeZone', duban.tz(), true)", 0, NULL, err,
		    sizeof(err)) != 0) {
		int code = ctl_db_error_code();
		ctl_rollback(c);
		return ctl_fail(code, "cannot use time zone: %s", err);
	}
	return 0;
}

int ctl_commit(struct ctl *c)
{
	char err[512];

	in_transaction = false;
	if (db_commit(c->conn, err, sizeof(err)) != 0)
		return ctl_fail(ctl_db_error_code(), "commit failed: %s", err);
	return 0;
}

void ctl_rollback(struct ctl *c)
{
	if (in_transaction && c->conn != NULL)
		db_rollback(c->conn);
	in_transaction = false;
}

int ctl_try(struct ctl *c, PGresult **out, const char *sql, int n, const char *const *params,
	    char *err, size_t errlen)
{
	int code;
	PGconn *conn = ctl_db(c);

	*out = NULL;
	if (conn == NULL)
		return EX_UNAVAILABLE;
	*out = db_query(conn, sql, n, params, err, errlen);
	if (*out != NULL)
		return 0;
	code = ctl_db_error_code();
	if (PQstatus(conn) != CONNECTION_OK)
		code = EX_UNAVAILABLE;
	ctl_rollback(c);
	return code;
}

int ctl_run(struct ctl *c, PGresult **out, const char *sql, int n, const char *const *params)
{
	char err[1024];
	int code = ctl_try(c, out, sql, n, params, err, sizeof(err));

	if (code != 0 && code != EX_UNAVAILABLE)
		return ctl_fail(code, "%s", err);
	if (code == EX_UNAVAILABLE && c->conn != NULL)
		return ctl_fail(code, "database unavailable: %s", err);
	return code;
}

int ctl_run_json(struct ctl *c, json_t **out, const char *sql, int n, const char *const *params)
{
	PGresult *r;
	json_error_t jerr;
	int rc = ctl_run(c, &r, sql, n, params);

	*out = NULL;
	if (rc != 0)
		return rc;
	if (PQntuples(r) != 1 || PQnfields(r) != 1 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		ctl_rollback(c);
		return ctl_fail(EX_SOFTWARE, "internal error: query returned no JSON");
	}
	*out = json_loads(PQgetvalue(r, 0, 0), JSON_DECODE_ANY, &jerr);
	PQclear(r);
	if (*out == NULL) {
		ctl_rollback(c);
		return ctl_fail(EX_SOFTWARE, "internal error: bad JSON from database: %s", jerr.text);
	}
	return 0;
}

/* Runs a one-row look-up; copies column 0 (and 1 if col1 != NULL) of the first row. */
static int lookup(struct ctl *c, const char *sql, const char *key, char id[24], char *col1,
		  size_t col1len, bool *found)
{
	PGresult *r;
	const char *params[1] = { key };
	int rc = ctl_run(c, &r, sql, 1, params);

	if (rc != 0)
		return rc;
	*found = PQntuples(r) > 0;
	if (*found) {
		snprintf(id, 24, "%s", PQgetvalue(r, 0, 0));
		if (col1 != NULL)
			snprintf(col1, col1len, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return 0;
}

int ctl_unit_id(struct ctl *c, const char *key, char id[24])
{
	bool found;
	int rc = lookup(c, "SELECT id FROM duban.units WHERE code = $1 OR name = btrim($1)"
			   " ORDER BY code = $1 DESC LIMIT 1", key, id, NULL, 0, &found);

	if (rc != 0)
		return rc;
	if (!found) {
		ctl_rollback(c);
		return ctl_fail(EX_DATAERR, "no unit with code or name '%s'", key);
	}
	return 0;
}

int ctl_problem_id(struct ctl *c, const char *ref, char id[24], char status[16])
{
	bool found;
	int rc = lookup(c, "SELECT id, status FROM duban.problems WHERE ref = $1 FOR UPDATE", ref, id,
			status, 16, &found);

	if (rc != 0)
		return rc;
	if (!found) {
		ctl_rollback(c);
		return ctl_fail(EX_DATAERR, "no problem with ref %s", ref);
	}
	return 0;
}

int ctl_date(const char *s, const char *what, char out[11])
{
	char err[256];
	int y, m, d;

	if (parse_date(s, &y, &m, &d, err, sizeof(err)) != 0)
		return ctl_fail(EX_DATAERR, "%s: %s", what, err);
	if (parse_format_date(out, 11, y, m, d) != 0)
		return ctl_fail(EX_SOFTWARE, "internal error formatting a date");
	return 0;
}

int ctl_int(const char *s, long min, long max, const char *what, long *out)
{
	char *end;
	long v;

	while (isspace((unsigned char)*s))
		s++;
	errno = 0;
	v = strtol(s, &end, 10);
	while (end != s && isspace((unsigned char)*end))
		end++;
	if (end == s || *end != '\0' || errno != 0 || !isdigit((unsigned char)s[s[0] == '-']))
		return ctl_fail(EX_DATAERR, "%s: '%s' is not a whole number", what, s);
	if (v < min || v > max)
		return ctl_fail(EX_DATAERR, "%s: %ld is out of range %ld-%ld", what, v, min, max);
	*out = v;
	return 0;
}

/* Appends ",N" or "N" to the array literal being built in out. */
static int append_int(char *out, size_t len, size_t *pos, long v)
{
	int k = snprintf(out + *pos, len - *pos, "%s%ld", *pos > 1 ? "," : "", v);

	if (k < 0 || (size_t)k >= len - *pos)
		return -1;
	*pos += (size_t)k;
	return 0;
}

int ctl_int_array(const char *s, long min, long max, const char *what, char *out, size_t len)
{
	char err[256];
	char **items;
	size_t n, pos = 1;
	int rc = 0;

	if (parse_list(s, &items, &n, err, sizeof(err)) != 0)
		return ctl_fail(EX_SOFTWARE, "%s", err);
	if (n == 0)
		rc = ctl_fail(EX_DATAERR, "%s: empty list", what);
	snprintf(out, len, "{");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		long v;
		rc = ctl_int(items[i], min, max, what, &v);
		if (rc == 0 && append_int(out, len, &pos, v) != 0)
			rc = ctl_fail(EX_DATAERR, "%s: list too long", what);
	}
	parse_list_free(items);
	if (rc == 0 && pos + 2 > len)
		return ctl_fail(EX_DATAERR, "%s: list too long", what);
	if (rc == 0)
		snprintf(out + pos, len - pos, "}");
	return rc;
}

int ctl_check_length(const char *what, const char *value, int max)
{
	size_t n;

	if (value == NULL || !limits_too_long(value, max, &n))
		return 0;
	return ctl_fail(EX_DATAERR, "%s: too long (%zu > %d)", what, n, max);
}

int ctl_need_opt(const char *value, const char *command, const char *opt)
{
	if (value != NULL && value[strspn(value, " \t")] != '\0')
		return 0;
	return ctl_fail(EX_USAGE, "%s needs --%s", command, opt);
}
