/* import_report: what an import tells its user — every bad row as
 * FILE:LINE: column: message (sorted by line, capped, the rest counted), the summary
 * of a successful import, and the wording of a failed statement. */
#include "import.h"
#include "duban/db.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *imp_quote(char *buf, size_t len, const char *s)
{
	size_t max = len > 52 ? 48 : (len > 4 ? len - 4 : 0), n = strlen(s);

	if (n <= max) {
		snprintf(buf, len, "%s", s);
		return buf;
	}
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	snprintf(buf, len, "%.*s...", (int)max, s);
	return buf;
}

void imp_error_phase(struct imp *im)
{
	im->phase_errs = 0;
}

/* Appends an error to the list (growing it); 0, or -1 when out of memory. */
static int imp_error_add(struct imp *im, long line, char *text)
{
	if (im->nerrs == im->errcap) {
		size_t cap = im->errcap != 0 ? im->errcap * 2 : 64;
		struct imp_error *e = realloc(im->errs, cap * sizeof(*e));

		if (e == NULL)
			return -1;
		im->errs = e;
		im->errcap = cap;
	}
	im->errs[im->nerrs].line = line;
	im->errs[im->nerrs].seq = im->seq++;
	im->errs[im->nerrs].text = text;
	im->nerrs++;
	return 0;
}

void imp_error(struct imp *im, long line, int col, const char *fmt, ...)
{
	char msg[1024], where[64];
	char *text = NULL;
	va_list ap;

	im->total_errors++;
	if (++im->phase_errs > IMP_ERROR_CAP)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(where, sizeof(where), ":%ld", line);
	else
		where[0] = '\0';
	if (col == IMP_COL_NONE) {
		if (asprintf(&text, "%s%s: %s", im->path, where, msg) < 0)
			text = NULL;
	} else if (asprintf(&text, "%s%s: %s: %s", im->path, where, imp_col_label(im, col),
			    msg) < 0) {
		text = NULL;
	}
	if (text == NULL)
		return;
	for (char *p = text; *p != '\0'; p++)     /* one line per error, whatever the cells hold */
		if ((unsigned char)*p < ' ')
			*p = ' ';
	if (imp_error_add(im, line, text) != 0)
		free(text);
}

int imp_sql_errors(struct imp *im, PGconn *conn, const char *sql, int nparams,
		   const char *const *params, int col, char *err, size_t errlen)
{
	PGresult *r = db_query(conn, sql, nparams, params, err, errlen);
	int n;

	if (r == NULL)
		return -1;
	imp_error_phase(im);
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		imp_error(im, atol(PQgetvalue(r, i, 0)), col, "%s", PQgetvalue(r, i, 1));
	if (n > 0)
		im->total_errors += atol(PQgetvalue(r, 0, 2)) - n;
	PQclear(r);
	return 0;
}

static int imp_error_cmp(const void *a, const void *b)
{
	const struct imp_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

int imp_report_errors(struct imp *im)
{
	size_t shown = im->nerrs < IMP_ERROR_CAP ? im->nerrs : IMP_ERROR_CAP;

	qsort(im->errs, im->nerrs, sizeof(*im->errs), imp_error_cmp);
	for (size_t i = 0; i < shown; i++)
		fprintf(stderr, "%s\n", im->errs[i].text);
	if ((long)shown < im->total_errors)
		fprintf(stderr, "%s: ... and %ld more error%s\n", im->path,
			im->total_errors - (long)shown, im->total_errors - (long)shown == 1 ? "" : "s");
	return ctl_fail(EX_DATAERR, "%s: %ld error%s, nothing imported", im->path,
			im->total_errors, im->total_errors == 1 ? "" : "s");
}

int imp_summary(struct ctl *c, const struct imp *im, long added, long updated)
{
	long unchanged = im->rows - added - updated;

	if (c->json) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I}", "file", im->path,
				      "rows", (json_int_t)im->rows, "added", (json_int_t)added,
				      "updated", (json_int_t)updated, "unchanged", (json_int_t)unchanged);
		if (o != NULL && c->dry_run && json_object_set_new(o, "dry_run", json_true()) != 0) {
			json_decref(o);
			o = NULL;
		}
		return ctl_print_json(o);
	}
	if (printf("%s %s: %ld row%s, %ld added, %ld updated, %ld unchanged\n",
		   c->dry_run ? "dry run (nothing written) of" : "imported", im->path,
		   im->rows, im->rows == 1 ? "" : "s", added, updated, unchanged) < 0)
		return ctl_fail(EX_IOERR, "cannot write output");
	return 0;
}

long imp_exec_count(PGconn *conn, const char *sql, int nparams, const char *const *params,
		    char *err, size_t errlen)
{
	PGresult *r = db_query(conn, sql, nparams, params, err, errlen);
	long n;

	if (r == NULL)
		return -1;
	n = atol(PQcmdTuples(r));
	PQclear(r);
	return n;
}

int imp_db_fail(PGconn *conn, const char *what, const char *err)
{
	int code = ctl_db_error_code();

	db_rollback(conn);
	return ctl_fail(code, "%s: %s", what, err);
}
