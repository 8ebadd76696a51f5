/* import_problem_rows: checks one row of the office's problem ledger in C (required
 * cells, level, units by code or name, supervisors, dates, yes/no, status and 阶段办结,
 * progress, contact, the enforcement figures) and
 * streams it to the staging table, or in direct mode to the ledger's table itself. Keeps
 * nothing per row: O(1) memory in the rows. */
#include "import.h"
#include "duban/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_MSG 256

/* A required text cell; empty is an error. */
static void row_required_text(struct imp *im, int col, const char *what)
{
	char *v = imp_cell(im, col);

	if (*v == '\0') {
		imp_error(im, im->rec.line, col, "empty: %s", what);
		imp_put_null(im);
		return;
	}
	imp_put_text(im, v);
}

static void row_level(struct imp *im)
{
	char msg[ROW_MSG];
	const char *level;

	if (parse_level(imp_cell(im, PARSE_COL_LEVEL), &level, msg, sizeof(msg)) != 0) {
		imp_error(im, im->rec.line, PARSE_COL_LEVEL, "%s", msg);
		imp_put_null(im);
		return;
	}
	imp_put_raw(im, level);
}

/* Reports a unit cell that names no unit. */
static void row_unknown_unit(struct imp *im, int col, const char *key)
{
	char show[64];

	imp_error(im, im->rec.line, col, "unknown unit \"%s\" (neither the code nor the exact "
		  "name of a unit)", imp_quote(show, sizeof(show), key));
}

static void row_unit(struct imp *im, const struct imp_units *units)
{
	char *v = imp_cell(im, PARSE_COL_UNIT);
	long id;

	if (*v == '\0') {
		imp_error(im, im->rec.line, PARSE_COL_UNIT, "empty: every problem needs its main unit");
		imp_put_null(im);
		return;
	}
	id = imp_units_find(units, v);
	if (id == 0) {
		row_unknown_unit(im, PARSE_COL_UNIT, v);
		imp_put_null(im);
		return;
	}
	imp_put_long(im, id);
}

/* Resolves the listed units into the array literal lit ("{3,1,7}", duplicates dropped).
 * Returns the number of unknown units (each reported). */
static int row_supervisor_ids(struct imp *im, char **list, size_t n,
			      const struct imp_units *units, long *ids, char *lit)
{
	size_t k = 0, o = 0;
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		long id = imp_units_find(units, list[i]);
		size_t j;

		if (id == 0) {
			row_unknown_unit(im, PARSE_COL_SUPERVISORS, list[i]);
			bad++;
			continue;
		}
		for (j = 0; j < k && ids[j] != id; j++)
			;
		if (j == k)
			ids[k++] = id;
	}
	lit[o++] = '{';
	for (size_t i = 0; i < k; i++)
		o += (size_t)sprintf(lit + o, i == 0 ? "%ld" : ",%ld", ids[i]);
	lit[o++] = '}';
	lit[o] = '\0';
	return bad;
}

/* Resolves a non-empty list of supervisors and writes it (or NULL when bad). */
static void row_supervisor_list(struct imp *im, char **list, size_t n,
				const struct imp_units *units)
{
	long *ids = malloc(n * sizeof(*ids));
	char *lit = malloc(n * 22 + 3);

	if (ids == NULL || lit == NULL) {
		imp_error(im, im->rec.line, PARSE_COL_SUPERVISORS, "out of memory");
		imp_put_null(im);
	} else if (row_supervisor_ids(im, list, n, units, ids, lit) > 0) {
		imp_put_null(im);
	} else {
		imp_put_raw(im, lit);
	}
	free(ids);
	free(lit);
}

static void row_supervisors(struct imp *im, const struct imp_units *units)
{
	char msg[ROW_MSG];
	char **list;
	size_t n;

	if (parse_list(imp_cell(im, PARSE_COL_SUPERVISORS), &list, &n, msg, sizeof(msg)) != 0) {
		imp_error(im, im->rec.line, PARSE_COL_SUPERVISORS, "%s", msg);
		imp_put_null(im);
		return;
	}
	if (n == 0) {
		imp_error(im, im->rec.line, PARSE_COL_SUPERVISORS,
			  "empty: at least one supervising unit is needed (the lead first)");
		imp_put_null(im);
	} else {
		row_supervisor_list(im, list, n, units);
	}
	parse_list_free(list);
}

/* Parses the date cell v of column col into out (YYYY-MM-DD); reports a bad one. */
static int row_parse_date(struct imp *im, int col, const char *v, char out[11])
{
	char msg[ROW_MSG];
	int y, m, d;

	if (parse_date(v, &y, &m, &d, msg, sizeof(msg)) != 0) {
		imp_error(im, im->rec.line, col, "%s", msg);
		return -1;
	}
	return parse_format_date(out, 11, y, m, d);
}

/* The deadline, also kept in day ("" when bad) for the ladder's due date in direct mode. */
static void row_deadline(struct imp *im, char day[11])
{
	if (row_parse_date(im, PARSE_COL_DEADLINE, imp_cell(im, PARSE_COL_DEADLINE), day) != 0) {
		day[0] = '\0';
		imp_put_null(im);
	} else {
		imp_put_raw(im, day);
	}
}

/* Whether the status cell says 阶段办结; -1 when the file has no status column. */
static int row_stage_done(struct imp *im)
{
	char *v = imp_cell(im, PARSE_COL_STATUS);

	return v == NULL ? -1 : parse_status_stage_done(v);
}

/* long_term: the cell; when it is empty or absent, true for 阶段办结 (a stage target is met:
 * a long-term problem). An office's sheet may mark 阶段办结 on a row whose 长期 says 否: the
 * cell stands. */
static void row_long_term(struct imp *im, int stage_done)
{
	char *v = imp_cell(im, PARSE_COL_LONG_TERM);
	char msg[ROW_MSG];
	int yes;

	if (v == NULL || *v == '\0') {
		if (stage_done == 1)
			imp_put_bool(im, 1);
		else
			imp_put_null(im);
	} else if (parse_bool(v, 0, &yes, msg, sizeof(msg)) != 0) {
		imp_error(im, im->rec.line, PARSE_COL_LONG_TERM, "%s", msg);
		imp_put_null(im);
	} else {
		imp_put_bool(im, yes);
	}
}

/* The status cell: "rectifying", "closed", or NULL (no column, empty or bad cell). */
static const char *row_status(struct imp *im)
{
	char *v = imp_cell(im, PARSE_COL_STATUS);
	char msg[ROW_MSG];
	const char *status;

	if (v == NULL || *v == '\0')
		return NULL;
	if (parse_status(v, &status, msg, sizeof(msg)) != 0) {
		imp_error(im, im->rec.line, PARSE_COL_STATUS, "%s", msg);
		return NULL;
	}
	return status;
}

/* The closing date of a closed problem (required), or NULL for an open one (a date
 * there is only checked). */
static void row_closed_on(struct imp *im, const char *status)
{
	char *v = imp_cell(im, PARSE_COL_CLOSED_ON), *st;
	char day[11], show[64];

	if (status == NULL || strcmp(status, "closed") != 0) {
		if (v != NULL && *v != '\0')
			(void)row_parse_date(im, PARSE_COL_CLOSED_ON, v, day);
		imp_put_null(im);
		return;
	}
	st = imp_cell(im, PARSE_COL_STATUS);
	if (v == NULL)
		imp_error(im, im->rec.line, PARSE_COL_STATUS, "\"%s\" needs the closing date, but the "
			  "file has no closed_on (办结日期) column", imp_quote(show, sizeof(show), st));
	else if (*v == '\0')
		imp_error(im, im->rec.line, PARSE_COL_CLOSED_ON,
			  "empty: a closed problem (\"%s\") needs its closing date",
			  imp_quote(show, sizeof(show), st));
	if (v == NULL || *v == '\0' || row_parse_date(im, PARSE_COL_CLOSED_ON, v, day) != 0)
		imp_put_null(im);
	else
		imp_put_raw(im, day);
}

/* Progress; empty: NULL when staged (the ledger's value stands), and for a new problem in
 * direct mode 100 when it comes closed, else 0. */
static void row_progress(struct imp *im, const char *status)
{
	char *v = imp_cell(im, PARSE_COL_PROGRESS);
	char msg[ROW_MSG];
	int pct;

	if (v == NULL || *v == '\0') {
		if (im->direct)
			imp_put_long(im, status != NULL && strcmp(status, "closed") == 0 ? 100 : 0);
		else
			imp_put_null(im);
	} else if (parse_progress(v, &pct, msg, sizeof(msg)) != 0) {
		imp_error(im, im->rec.line, PARSE_COL_PROGRESS, "%s", msg);
		imp_put_null(im);
	} else {
		imp_put_long(im, pct);
	}
}

/* stage_done: 阶段办结 (true), another status (false), or NULL (no status column or an
 * empty cell: the ledger's value stands). */
static void row_stage_flag(struct imp *im, int stage_done)
{
	char *v = imp_cell(im, PARSE_COL_STATUS);

	if (stage_done < 0 || *v == '\0')
		imp_put_null(im);
	else
		imp_put_bool(im, stage_done);
}

static void row_verified(struct imp *im)
{
	char *v = imp_cell(im, PARSE_COL_VERIFIED);
	char msg[ROW_MSG];
	const char *word;

	if (v == NULL || parse_verified(v, &word, msg, sizeof(msg)) != 0) {
		if (v != NULL)
			imp_error(im, im->rec.line, PARSE_COL_VERIFIED, "%s", msg);
		imp_put_null(im);
		return;
	}
	imp_put_text(im, word);
}

/* An enforcement count; an empty cell keeps the ledger's value (NULL). */
static void row_count(struct imp *im, int col)
{
	char *v = imp_cell(im, col);
	char msg[ROW_MSG];
	long n;

	if (v == NULL || *v == '\0') {
		imp_put_null(im);
	} else if (parse_count(v, &n, msg, sizeof(msg)) != 0) {
		imp_error(im, im->rec.line, col, "%s", msg);
		imp_put_null(im);
	} else {
		imp_put_long(im, n);
	}
}

static void row_fine(struct imp *im)
{
	char *v = imp_cell(im, PARSE_COL_FINE);
	char msg[ROW_MSG], wan[32];

	if (v == NULL || *v == '\0') {
		imp_put_null(im);
	} else if (parse_wan(v, wan, sizeof(wan), msg, sizeof(msg)) != 0) {
		imp_error(im, im->rec.line, PARSE_COL_FINE, "%s", msg);
		imp_put_null(im);
	} else {
		imp_put_raw(im, wan);
	}
}

static void row_enforcement(struct imp *im)
{
	row_verified(im);
	row_count(im, PARSE_COL_ORDERED);
	row_count(im, PARSE_COL_PENALIZED);
	row_fine(im);
	row_count(im, PARSE_COL_INVESTIGATED);
	row_count(im, PARSE_COL_DETAINED_ADMIN);
	row_count(im, PARSE_COL_DETAINED_CRIMINAL);
	row_count(im, PARSE_COL_INTERVIEWED);
	row_count(im, PARSE_COL_ACCOUNTABLE);
}

int imp_problem_row(struct imp *im, const struct imp_units *units)
{
	const char *status;
	char deadline[11];
	int stage_done = row_stage_done(im);

	if (!im->direct)
		imp_put_long(im, im->rec.line);
	row_required_text(im, PARSE_COL_REF, "every problem needs its ledger number");
	if (!im->direct)   /* direct: the ledger's unique index finds a ref twice */
		imp_ref_note(im, imp_cell(im, PARSE_COL_REF));
	row_level(im);
	imp_put_text(im, imp_cell(im, PARSE_COL_SOURCE));
	imp_put_text(im, imp_cell(im, PARSE_COL_CATEGORY));
	row_required_text(im, PARSE_COL_TITLE, "every problem needs its title");
	imp_put_text(im, imp_cell(im, PARSE_COL_LOCATION));
	row_unit(im, units);
	row_supervisors(im, units);
	row_deadline(im, deadline);
	row_long_term(im, stage_done);
	imp_put_text(im, imp_cell(im, PARSE_COL_MEASURES));
	imp_put_text(im, imp_cell(im, PARSE_COL_TARGET));
	status = row_status(im);
	if (status != NULL)
		imp_put_raw(im, status);
	else
		imp_put_null(im);
	row_closed_on(im, status);
	row_progress(im, status);
	row_stage_flag(im, stage_done);
	imp_put_text(im, imp_cell(im, PARSE_COL_CONTACT));
	row_enforcement(im);
	if (im->direct) {   /* import_id, ladder_due (D: the deadline) */
		imp_put_raw(im, im->import_id);
		if (deadline[0] != '\0')
			imp_put_raw(im, deadline);
		else
			imp_put_null(im);
	}
	return imp_copy_row_end(im);
}
