/* import_problem_direct: the fast path of a problem import whose rows are all new — the
 * common first import of an office's whole ledger. The checked rows are copied straight
 * into duban.problems (no staging table, no join, no second write of a million rows); a
 * row that fails a check or a ref the ledger already has ends the COPY, and imp_run()
 * rolls it back and imports the file through the staged path, which reports or updates.
 * Ids follow the file's lines: COPY takes each row's id from the sequence in file order. */
#include "import.h"
#include "duban/db.h"
#include "duban/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ledger's columns in the order imp_problem_row() writes them in direct mode. */
static const char direct_copy_sql[] =
	"COPY duban.problems (ref, level, source, category, title, location, unit_id,"
	" supervisor_ids, deadline, long_term, measures, target, status, closed_on, progress,"
	" stage_done, contact, verified, ordered, penalized, fine, investigated, detained_admin,"
	" detained_criminal, interviewed, accountable, import_id, ladder_due) FROM STDIN";

/* What an empty or absent cell is for a new problem, field by field in that order (NULL:
 * none; the required ones never reach the COPY empty, and progress is written by the row). */
static const char *const direct_defaults[IMP_MAX_COLS] = {
	NULL, NULL, "", "", NULL, "", NULL,      /* ref … unit_id */
	NULL, NULL, "f", "", "",                 /* supervisor_ids … target */
	"rectifying", NULL, NULL,                /* status, closed_on, progress */
	"f", "", NULL, "0", "0", "0", "0", "0",  /* stage_done … detained_admin */
	"0", "0", "0",                           /* detained_criminal … accountable */
};

/* Whether the first row's ref is new (a file exported from the ledger and imported back
 * starts with a known one: the staged path at once); then the ids of the import and, below
 * every problem the COPY will write, the problems' sequence. */
static const char first_sql[] =
	"SELECT nextval(pg_get_serial_sequence('duban.imports', 'id')),"
	"       nextval(pg_get_serial_sequence('duban.problems', 'id'))"
	" WHERE NOT EXISTS (SELECT 1 FROM duban.problems WHERE ref = $1)";

/* The ladders rows of the open problems the COPY wrote (stage 0, the first check from
 * duban.ladder_first_check()), found through the open problems' partial index among the
 * ids above $2 (taken before the COPY) of import $1. */
static const char ladders_sql[] =
	"INSERT INTO duban.ladders (problem_id, next_on)"
	" SELECT p.id, duban.ladder_first_check(p.status, p.ladder_due,"
	"   (SELECT duban.policy_int('ladder.prompt_days')))"
	" FROM duban.problems p"
	" WHERE p.status <> 'closed' AND p.id > $2::bigint AND p.import_id = $1::bigint";
static const char analyze_sql[] = "SELECT duban.import_analyze($1)";

int imp_problem_direct_begin(struct imp *im, PGconn *conn, const char **copy_sql, char *err,
			     size_t errlen)
{
	const char *ref = imp_cell(im, PARSE_COL_REF);
	PGresult *r;
	int take;

	if (ref == NULL || *ref == '\0')
		return 0;
	if ((r = db_query(conn, first_sql, 1, &ref, err, errlen)) == NULL)
		return -1;
	take = PQntuples(r) == 1;
	if (take) {
		snprintf(im->import_id, sizeof(im->import_id), "%s", PQgetvalue(r, 0, 0));
		snprintf(im->id_floor, sizeof(im->id_floor), "%s", PQgetvalue(r, 0, 1));
		im->direct = 1;
		im->defaults = direct_defaults;
		*copy_sql = direct_copy_sql;
	}
	PQclear(r);
	return take;
}

/* The problems' statistics are refreshed first, so that the ladders rows are found through
 * the index whatever the ledger held before; imp_problem_record() refreshes them again with
 * the ladders. */
int imp_problem_direct_finish(struct imp *im, PGconn *conn, long *added, char *err,
			      size_t errlen)
{
	char n[24];
	const char *params[2] = {im->import_id, im->id_floor};
	const char *count[1] = {n};

	*added = im->copied;
	snprintf(n, sizeof(n), "%ld", *added);
	if (db_exec(conn, analyze_sql, 1, count, err, errlen) != 0 ||
	    db_exec(conn, ladders_sql, 2, params, err, errlen) != 0)
		return -1;
	return imp_problem_record(im, conn, im->import_id, *added, 0, err, errlen);
}
