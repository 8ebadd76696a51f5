/* import: the machinery shared by dubanctl's CSV imports (SPEC §6) — the file and its
 * header row, trimmed cells, the list of errors printed as FILE:LINE: column: message,
 * the COPY stream into a staging table, and the unit code/name map. Private to daemon/ctl. */
#ifndef DUBAN_CTL_IMPORT_H
#define DUBAN_CTL_IMPORT_H
#include "ctl.h"
#include "duban/csv.h"
#include "duban/xlsx.h"

#include <jansson.h>
#include <stdio.h>

#include <stddef.h>
#include <stdint.h>

#define IMP_MAX_COLS 32
#define IMP_ERROR_CAP 1000      /* errors printed; the rest are counted */
#define IMP_SQL_ERROR_LIMIT "1000"
#define IMP_COL_NONE (-1)       /* an error tied to no column: "FILE:LINE: message" */
#define IMP_COL_HEADER (-2)     /* an error about the header row: "FILE:LINE: header: ..." */

/* Taken first in every import transaction: imports compare the file with the ledger, then
 * write the difference, so they run one at a time (one lock for every import). */
#define IMP_LOCK_SQL "SELECT pg_advisory_xact_lock(hashtext('duban.import')::bigint)"

/* A column an importer knows. aliases: the header words that name it, compared after
 * normalisation (ASCII case, blanks, '_', '-', '*' and parenthesised notes ignored);
 * may be NULL when the importer classifies headers itself. */
struct imp_column {
	const char *name;   /* English name, e.g. "deadline" */
	const char *zh;     /* Chinese name, for messages, e.g. "整改时限" */
	int required;
	const char *const *aliases;
	int max;            /* longest value in characters (duban/limits.h), 0: no limit */
};

/* Maps a header cell to a column index, or -1 for an unknown (ignored) column. */
typedef int (*imp_classify_fn)(const char *cell);

struct imp_error {
	long line;
	unsigned seq;   /* keeps the order of errors found on one line */
	char *text;     /* the complete "FILE:LINE: column: message" */
};

struct imp {
	const char *path;                /* as given on the command line, for messages */
	FILE *f;
	struct csv_reader *csv;          /* a CSV file, or */
	struct xlsx_reader *xlsx;        /* the first sheet of an .xlsx workbook */
	struct csv_record rec;           /* the current data row */
	const struct imp_column *cols;
	int ncols;
	int field[IMP_MAX_COLS];         /* field index of each column in the file, -1: absent */
	char *header[IMP_MAX_COLS];      /* each present column's header as written */
	long header_line;
	long rows;                       /* data rows read so far */
	int csv_failed;                  /* the file could not be read to its end */

	struct imp_error *errs;          /* at most IMP_ERROR_CAP per phase */
	size_t nerrs, errcap, phase_errs;
	long total_errors;
	unsigned seq;

	PGconn *conn;                    /* COPY in progress on it, or NULL */
	char *buf;                       /* COPY data not yet sent */
	size_t len, cap;
	int row_fields, copy_failed;
	char copy_err[256];
	long copied;                     /* rows the finished COPY wrote */

	/* Direct mode (a first import of new problems): rows go straight into the ledger's
	 * table, each empty cell as its column's value for a new problem (defaults[k] for the
	 * k-th field of a row, NULL: \N), the row tagged with import_id; id_floor: the ids it
	 * writes are above it. */
	int direct;
	const char *const *defaults;
	char import_id[24], id_floor[24];

	/* The refs staged so far, as 64-bit hashes (import_refs.c): a file whose refs never
	 * collide needs no duplicate search in SQL. */
	uint64_t *ref_hash;
	size_t ref_cap, ref_count;
	int ref_maybe_twice;             /* a collision (or no memory): search in SQL */
};

/* --- the file (import_file.c) --- */

/* Opens the one positional argument as a CSV file in encoding (NULL: UTF-8), or as an
 * .xlsx workbook (by its name or its first bytes; encoding then does not apply), and reads
 * its header row, mapping it onto cols (classify NULL: by the columns' aliases).
 * Returns 0, or a sysexits code after printing why (usage, unreadable file, header
 * errors: EX_DATAERR). imp_close() is needed in every case. */
int imp_open(struct imp *im, struct ctl *c, const char *usage, const char *encoding,
	     const struct imp_column *cols, int ncols, imp_classify_fn classify);

/* Reads the next non-blank data row into im->rec. Returns 1, 0 at the end of the file,
 * or -1 when the file is malformed (the error is recorded). */
int imp_next(struct imp *im);

/* The current row's cell of column col, trimmed in place; "" when the row is short;
 * NULL when the file has no such column. */
char *imp_cell(struct imp *im, int col);

/* Whether the file has column col. */
int imp_has(const struct imp *im, int col);

/* The name that messages give column col: its header as written, else its English name. */
const char *imp_col_label(const struct imp *im, int col);

/* Trims ASCII blanks, U+3000 and U+00A0 around s in place; returns the new start. */
char *imp_trim(char *s);

void imp_close(struct imp *im);

/* --- one import, start to end (import_file.c) --- */

struct imp_units;

/* What differs between the kinds of import; imp_run() does the rest. */
struct imp_kind {
	const char *usage;
	const struct imp_column *cols;
	int ncols;
	imp_classify_fn classify;        /* NULL: by the columns' aliases */
	const char *setup_sql;           /* run first in the transaction, or NULL */
	int units;                       /* load the unit map for row() */
	const char *stage_sql;           /* creates the staging table */
	const char *copy_sql;            /* the COPY ... FROM STDIN into it */
	/* Checks the current row and appends it to the COPY; 0, or -1 when the COPY failed.
	 * units is NULL unless the kind asks for them. */
	int (*row)(struct imp *im, const struct imp_units *units);
	/* Set-based checks of the staged rows, errors to im; 0, or -1 with err. */
	int (*check)(struct imp *im, PGconn *conn, char *err, size_t errlen);
	/* Writes the staged rows (only when no errors were found; it may record more);
	 * 0, or -1 with err. */
	int (*apply)(struct imp *im, PGconn *conn, long *added, long *updated, char *err,
		     size_t errlen);
	/* Optional fast path, tried first inside a savepoint when the file can be read twice.
	 * direct_begin() sees the first data row (in im->rec): 1 to take the path, with
	 * *copy_sql the COPY into the ledger and im prepared for direct mode; 0 not to; -1
	 * with err. The rows then stream there, and the first error of a row or of the COPY
	 * (a ref already in the ledger) rolls it back to the staged path above.
	 * direct_finish() completes what the COPY wrote; 0, or -1 with err. */
	int (*direct_begin)(struct imp *im, PGconn *conn, const char **copy_sql, char *err,
			    size_t errlen);
	int (*direct_finish)(struct imp *im, PGconn *conn, long *added, char *err, size_t errlen);
};

/* Opens the file (c->encoding) and, in one transaction, stages every row, checks them,
 * applies them when nothing is wrong and commits, else rolls back and prints the errors;
 * prints the summary. Returns a sysexits code. */
int imp_run(struct ctl *c, const struct imp_kind *k);

/* --- errors and summary (import_report.c) --- */

/* Records "FILE:LINE: <column label>: message" (see IMP_COL_NONE, IMP_COL_HEADER).
 * Never fails: on a full list or no memory the error is only counted. */
void imp_error(struct imp *im, long line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* s cut to about 48 bytes (on a character boundary) for a message, in buf. */
const char *imp_quote(char *buf, size_t len, const char *s);

/* Starts a new phase of checks: each phase keeps at most IMP_ERROR_CAP messages. */
void imp_error_phase(struct imp *im);

/* Adds the errors a query finds. The query returns rows (line int, message text,
 * total bigint — the number of rows before its LIMIT, e.g. count(*) OVER ()).
 * Returns 0, or -1 with the server's message in err. */
int imp_sql_errors(struct imp *im, PGconn *conn, const char *sql, int nparams,
		   const char *const *params, int col, char *err, size_t errlen);

/* Prints the recorded errors in line order (at most IMP_ERROR_CAP, then "... and N more")
 * and a last line saying that nothing was imported. Returns EX_DATAERR. */
int imp_report_errors(struct imp *im);

/* Prints "imported FILE: N rows, A added, U updated, S unchanged" (or the JSON object
 * {file, rows, added, updated, unchanged} with --json). Returns 0 or a sysexits code. */
int imp_summary(struct ctl *c, const struct imp *im, long added, long updated);

/* --- COPY into a staging table (import_copy.c) --- */

/* Sends sql (a COPY ... FROM STDIN) on conn. Returns 0, or -1 with err. */
int imp_copy_begin(struct imp *im, PGconn *conn, const char *sql, char *err, size_t errlen);

/* Append one field of the current row in COPY text format. They cannot fail by
 * themselves: a failure (out of memory, lost connection) is remembered and reported by
 * imp_copy_row_end(). */
void imp_put_text(struct imp *im, const char *s);    /* escaped; NULL → \N */
void imp_put_raw(struct imp *im, const char *s);     /* no escaping needed (numbers, dates) */
void imp_put_null(struct imp *im);
void imp_put_long(struct imp *im, long v);
void imp_put_bool(struct imp *im, int v);

/* Ends the row; sends the buffer when it is full. Returns 0, or -1 (see im->copy_err). */
int imp_copy_row_end(struct imp *im);

/* Ends the COPY (abort: cancel it) and collects its result. Returns 0, or -1 with err. */
int imp_copy_end(struct imp *im, int abort, char *err, size_t errlen);

/* --- refs seen twice (import_refs.c) --- */

/* Notes the ref of a staged row; sets im->ref_maybe_twice when its hash was seen before
 * (the same ref, or rarely another one) or when there is no memory to remember it. */
void imp_ref_note(struct imp *im, const char *ref);

/* --- units by code or exact name (import_unitmap.c) --- */

/* Loads every unit's code and name. Returns NULL with err on failure. */
struct imp_units *imp_units_load(PGconn *conn, char *err, size_t errlen);

/* The id of the unit whose code is key, else whose name is key; 0 if none. */
long imp_units_find(const struct imp_units *m, const char *key);

void imp_units_free(struct imp_units *m);

/* --- running statements inside the import transaction (import_report.c) --- */

/* Runs sql and returns its command tuple count (>= 0), or -1 with err. */
long imp_exec_count(PGconn *conn, const char *sql, int nparams, const char *const *params,
		    char *err, size_t errlen);

/* Ends a failed import: rolls back and prints "dubanctl: what: err"; returns the
 * sysexits code that fits the failed statement. */
int imp_db_fail(PGconn *conn, const char *what, const char *err);

/* --- holiday-cn JSON calendars (import_calendar_json.c) --- */

/* Whether the calendar file path, open as f, is holiday-cn JSON: by its extension (.json
 * yes, .csv no), else by its first character ('{'); may consume leading blanks of f.
 * 1 yes, 0 no, -1 when f cannot be read. */
int calendar_json_sniff(const char *path, FILE *f);

/* Reads and checks a holiday-cn file from f: an array of {day (YYYY-MM-DD), workday
 * (bool), name, entry (index in "days")}, or NULL when anything is wrong (every error is
 * recorded in im, which needs only its path set). Sets im->rows. */
json_t *calendar_json_read(struct imp *im, FILE *f);

/* --- the problem ledger (import_problem_rows.c, import_problem_sql.c) --- */

/* Validates the current row of a problem ledger (columns indexed by enum parse_col) and
 * appends it to the COPY into pg_temp.imp_problems, bad cells as NULL. 0, or -1 when the
 * COPY stream failed. */
int imp_problem_row(struct imp *im, const struct imp_units *units);

/* The direct path (import_problem_direct.c): a file of new problems only is copied into
 * duban.problems itself, with no staging table and no second pass over the rows. */
int imp_problem_direct_begin(struct imp *im, PGconn *conn, const char **copy_sql, char *err,
			     size_t errlen);
int imp_problem_direct_finish(struct imp *im, PGconn *conn, long *added, char *err,
			      size_t errlen);

/* Records the import in duban.imports (who and when from the transaction) and refreshes the
 * planner statistics when it changed much. Nothing when it changed nothing. 0, or -1. */
int imp_problem_record(struct imp *im, PGconn *conn, const char *import_id, long added,
		       long updated, char *err, size_t errlen);

/* The staging table and its COPY statement. */
extern const char imp_problem_stage_sql[];
extern const char imp_problem_copy_sql[];

/* Set-based checks of the staged rows: refs twice in the file (searched only when the hashes
 * of two staged refs collide, see imp_ref_note); then one join with the
 * ledger finds the rows that need work (pg_temp.imp_work: new refs, changed rows, status
 * conflicts, which are reported). Errors go to im; returns 0, or -1 with err when a
 * query fails. */
int imp_problem_check(struct imp *im, PGconn *conn, char *err, size_t errlen);

/* Writes the rows that need work: progress notes for changed progress, an UPDATE of the
 * columns the file has, an INSERT of new refs in file order. 0, or -1 with err. */
int imp_problem_apply(struct imp *im, PGconn *conn, long *added, long *updated, char *err,
		      size_t errlen);

#endif
