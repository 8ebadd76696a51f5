/* import_problem_sql: the set-based half of the problem import — the staging table,
 * the checks that need the whole file or the ledger (refs twice, status conflicts), and
 * the writes: only the columns the file has, only rows that change, so that importing
 * the same file again changes nothing and leaves no history. */
#include "import.h"
#include "duban/db.h"
#include "duban/parse.h"

#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char imp_problem_stage_sql[] =
	"CREATE TEMP TABLE imp_problems ("
	" line int NOT NULL, ref text, level text, source text, category text, title text,"
	" location text, unit_id int, supervisor_ids int[], deadline date, long_term boolean,"
	" measures text, target text, status text, closed_on date, progress smallint,"
	" stage_done boolean, contact text, verified text, ordered int, penalized int,"
	" fine numeric, investigated int, detained_admin int, detained_criminal int,"
	" interviewed int, accountable int"
	") ON COMMIT DROP";

const char imp_problem_copy_sql[] = "COPY pg_temp.imp_problems FROM STDIN";

/* Refs that appear twice, each after its first line: one sort of the refs (a hash of a
 * million texts spills and takes three times as long). Run only when the hashes of the
 * staged refs collide (import_refs.c). */
static const char dup_sql[] =
	"SELECT line, format('ref %s appears twice: already on line %s', ref, first),"
	"        count(*) OVER ()"
	" FROM (SELECT line, ref, min(line) OVER (PARTITION BY ref) AS first"
	"       FROM pg_temp.imp_problems WHERE ref IS NOT NULL) s"
	" WHERE line > first ORDER BY line LIMIT " IMP_SQL_ERROR_LIMIT;

/* The rows that need work, found in one join with the ledger: new refs, status conflicts
 * and rows whose present columns differ (appended by build_work()). Re-importing an
 * unchanged file leaves this table empty. The file's status says open (rectifying:
 * 正在办理, 阶段办结) or closed; it conflicts with the ledger when one side is closed and
 * the other not — an applied or publicizing problem is still open in the office's sheet,
 * so a file exported by `problem list --csv` imports back unchanged. */
#define STATUS_CONFLICT(s, p) \
	"(" s ".status IS NOT NULL AND (" s ".status = 'closed') <> (" p " = 'closed'))"

static const char work_head[] =
	"CREATE TEMP TABLE imp_work ON COMMIT DROP AS"
	" SELECT s.*, p.id AS pid, p.status AS old_status, p.progress AS old_progress"
	" FROM pg_temp.imp_problems s LEFT JOIN duban.problems p ON p.ref = s.ref"
	" WHERE p.id IS NULL OR " STATUS_CONFLICT("s", "p.status") " OR ";

static const char status_sql[] =
	"SELECT line, format('problem %s is %s in the ledger, the file says %s: status changes"
	" go through dubanctl problem apply, accept, reject, object and reopen',"
	" ref, old_status, status), count(*) OVER ()"
	" FROM pg_temp.imp_work s WHERE pid IS NOT NULL AND " STATUS_CONFLICT("s", "old_status")
	" ORDER BY line LIMIT " IMP_SQL_ERROR_LIMIT;

static const char progress_note_sql[] =
	"INSERT INTO duban.progress_notes (problem_id, percent, note)"
	" SELECT pid, progress, $1 FROM pg_temp.imp_work"
	" WHERE pid IS NOT NULL AND progress IS NOT NULL AND progress <> old_progress";

/* New problems, set-based: with import_id ($1) set, no per-row trigger runs (sql/40_ladder.sql,
 * sql/20_history.sql): D and the ladders rows of the open ones (stage 0, the first check from
 * duban.ladder_first_check()) are written here in the same statement, and the creation is
 * recorded once, in duban.imports (import_sql). Its one row: how many problems it added. */
static const char insert_sql[] =
	"WITH ins AS (INSERT INTO duban.problems (ref, level, source, category, title, location, unit_id,"
	" supervisor_ids, deadline, long_term, measures, target, progress, status, closed_on,"
	" stage_done, contact, verified, ordered, penalized, fine, investigated, detained_admin,"
	" detained_criminal, interviewed, accountable, import_id, ladder_due)"
	" SELECT s.ref, s.level, coalesce(s.source, ''), coalesce(s.category, ''), s.title,"
	" coalesce(s.location, ''), s.unit_id, s.supervisor_ids, s.deadline,"
	" coalesce(s.long_term, false), coalesce(s.measures, ''), coalesce(s.target, ''),"
	" x.pr, x.st, s.closed_on, coalesce(s.stage_done, false),"
	" coalesce(s.contact, ''), s.verified, coalesce(s.ordered, 0), coalesce(s.penalized, 0),"
	" coalesce(s.fine, 0), coalesce(s.investigated, 0), coalesce(s.detained_admin, 0),"
	" coalesce(s.detained_criminal, 0), coalesce(s.interviewed, 0),"
	" coalesce(s.accountable, 0), $1::bigint, s.deadline"
	" FROM pg_temp.imp_work s CROSS JOIN LATERAL (SELECT coalesce(s.status, 'rectifying') AS st,"
	"   coalesce(s.progress, CASE WHEN s.status = 'closed' THEN 100 ELSE 0 END) AS pr) x"
	" WHERE s.pid IS NULL ORDER BY s.line"
	" RETURNING id, status, ladder_due),"
	" lad AS (INSERT INTO duban.ladders (problem_id, next_on)"
	" SELECT i.id, duban.ladder_first_check(i.status, i.ladder_due,"
	"   (SELECT duban.policy_int('ladder.prompt_days')))"
	" FROM ins i WHERE i.status <> 'closed')"
	" SELECT count(*) FROM ins";

static const char import_id_sql[] =
	"SELECT nextval(pg_get_serial_sequence('duban.imports', 'id'))";
static const char import_sql[] =
	"INSERT INTO duban.imports (id, kind, file, added, updated) VALUES ($1, 'problems', $2, $3, $4)";
static const char analyze_sql[] = "SELECT duban.import_analyze($1)";

/* The columns an import may change on an existing problem (never status: §4), each with
 * the file column that carries it: 阶段办结 comes in the status column and makes a
 * problem long-term, so the status column also carries stage_done and long_term. */
static const struct {
	enum parse_col col;
	const char *name;
} update_cols[] = {
	{PARSE_COL_STATUS, "stage_done"},   {PARSE_COL_CONTACT, "contact"},
	{PARSE_COL_VERIFIED, "verified"},   {PARSE_COL_ORDERED, "ordered"},
	{PARSE_COL_PENALIZED, "penalized"}, {PARSE_COL_FINE, "fine"},
	{PARSE_COL_INVESTIGATED, "investigated"},
	{PARSE_COL_DETAINED_ADMIN, "detained_admin"},
	{PARSE_COL_DETAINED_CRIMINAL, "detained_criminal"},
	{PARSE_COL_INTERVIEWED, "interviewed"}, {PARSE_COL_ACCOUNTABLE, "accountable"},
	{PARSE_COL_LEVEL, "level"},         {PARSE_COL_SOURCE, "source"},
	{PARSE_COL_CATEGORY, "category"},   {PARSE_COL_TITLE, "title"},
	{PARSE_COL_LOCATION, "location"},   {PARSE_COL_UNIT, "unit_id"},
	{PARSE_COL_SUPERVISORS, "supervisor_ids"}, {PARSE_COL_DEADLINE, "deadline"},
	{PARSE_COL_LONG_TERM, "long_term"}, {PARSE_COL_MEASURES, "measures"},
	{PARSE_COL_TARGET, "target"},       {PARSE_COL_CLOSED_ON, "closed_on"},
	{PARSE_COL_PROGRESS, "progress"},
};

/* Whether the file carries update column i. */
static int col_present(const struct imp *im, size_t i)
{
	if (strcmp(update_cols[i].name, "long_term") == 0 && imp_has(im, PARSE_COL_STATUS))
		return 1;
	return imp_has(im, update_cols[i].col);
}

struct sqlbuf {
	char s[4096];
	size_t n;
	int overflow;
};

static void sql_add(struct sqlbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sql_add(struct sqlbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof(b->s) - b->n)
		b->overflow = 1;
	else
		b->n += (size_t)k;
}

/* Appends "(p.a, ...) IS DISTINCT FROM (coalesce(s.a, p.a), ...)" over the columns the
 * file has: an empty optional cell (NULL in staging) keeps the ledger's value. */
static void add_distinct(const struct imp *im, struct sqlbuf *b)
{
	size_t n = sizeof(update_cols) / sizeof(update_cols[0]);

	sql_add(b, "(");
	for (size_t i = 0, k = 0; i < n; i++)
		if (col_present(im, i))
			sql_add(b, "%sp.%s", k++ == 0 ? "" : ", ", update_cols[i].name);
	sql_add(b, ") IS DISTINCT FROM (");
	for (size_t i = 0, k = 0; i < n; i++)
		if (col_present(im, i))
			sql_add(b, "%scoalesce(s.%s, p.%s)", k++ == 0 ? "" : ", ",
				update_cols[i].name, update_cols[i].name);
	sql_add(b, ")");
}

/* UPDATE ... SET <present columns> for the rows that differ. 0, or -1 if too long. */
static int build_update(const struct imp *im, struct sqlbuf *b)
{
	size_t n = sizeof(update_cols) / sizeof(update_cols[0]);
	int first = 1;

	sql_add(b, "UPDATE duban.problems p SET ");
	for (size_t i = 0; i < n; i++) {
		if (!col_present(im, i))
			continue;
		sql_add(b, "%s%s = coalesce(s.%s, p.%s)", first ? "" : ", ", update_cols[i].name,
			update_cols[i].name, update_cols[i].name);
		first = 0;
	}
	sql_add(b, " FROM pg_temp.imp_work s WHERE p.id = s.pid AND ");
	add_distinct(im, b);
	return b->overflow || first ? -1 : 0;
}

/* Fills pg_temp.imp_work. 0, or -1 with err. */
static int build_work(const struct imp *im, PGconn *conn, char *err, size_t errlen)
{
	struct sqlbuf b = {.n = 0};

	sql_add(&b, "%s", work_head);
	add_distinct(im, &b);
	if (b.overflow) {
		snprintf(err, errlen, "internal error: statement too long");
		return -1;
	}
	return imp_exec_count(conn, b.s, 0, NULL, err, errlen) < 0 ? -1 : 0;
}

int imp_problem_check(struct imp *im, PGconn *conn, char *err, size_t errlen)
{
	if ((im->ref_maybe_twice &&
	     imp_sql_errors(im, conn, dup_sql, 0, NULL, PARSE_COL_REF, err, errlen) != 0) ||
	    build_work(im, conn, err, errlen) != 0)
		return -1;
	if (imp_has(im, PARSE_COL_STATUS) &&
	    imp_sql_errors(im, conn, status_sql, 0, NULL, PARSE_COL_STATUS, err, errlen) != 0)
		return -1;
	return 0;
}

/* Dated progress notes for existing problems whose progress the file changes. */
static int apply_progress_notes(struct imp *im, PGconn *conn, char *err, size_t errlen)
{
	char path[512], note[600];
	const char *params[1] = {note};

	if (!imp_has(im, PARSE_COL_PROGRESS))
		return 0;
	snprintf(path, sizeof(path), "%s", im->path);
	snprintf(note, sizeof(note), "import %s", basename(path));
	return imp_exec_count(conn, progress_note_sql, 1, params, err, errlen) < 0 ? -1 : 0;
}

/* Records the import once (who and when come from the transaction: duban.actor(), the ledger
 * clock) and refreshes the planner statistics when it changed much. */
int imp_problem_record(struct imp *im, PGconn *conn, const char *id, long added, long updated,
		       char *err, size_t errlen)
{
	char path[512], file[512], a[24], u[24], changed[24];
	const char *params[4] = {id, file, a, u};
	const char *p1[1] = {changed};

	if (added + updated == 0)
		return 0;
	snprintf(path, sizeof(path), "%s", im->path);
	snprintf(file, sizeof(file), "%s", basename(path));
	snprintf(a, sizeof(a), "%ld", added);
	snprintf(u, sizeof(u), "%ld", updated);
	snprintf(changed, sizeof(changed), "%ld", added + updated);
	if (db_exec(conn, import_sql, 4, params, err, errlen) != 0)
		return -1;
	return db_exec(conn, analyze_sql, 1, p1, err, errlen);
}

int imp_problem_apply(struct imp *im, PGconn *conn, long *added, long *updated, char *err,
		      size_t errlen)
{
	struct sqlbuf b = {.n = 0};
	char id[24];
	const char *params[1] = {id};
	PGresult *r;

	if (build_update(im, &b) != 0) {
		snprintf(err, errlen, "internal error: statement too long");
		return -1;
	}
	if (apply_progress_notes(im, conn, err, errlen) != 0)
		return -1;
	*updated = imp_exec_count(conn, b.s, 0, NULL, err, errlen);
	if (*updated < 0 || (r = db_query(conn, import_id_sql, 0, NULL, err, errlen)) == NULL)
		return -1;
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if ((r = db_query(conn, insert_sql, 1, params, err, errlen)) == NULL)
		return -1;
	*added = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return imp_problem_record(im, conn, id, *added, *updated, err, errlen);
}
