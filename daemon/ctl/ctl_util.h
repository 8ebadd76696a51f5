/* Helpers shared by dubanctl's ledger commands: transactions on the duban clock,
 * unit and problem look-ups, argument parsing with sysexits errors, and output of
 * JSON rows as JSON, aligned tables or RFC 4180 CSV. */
#ifndef DUBAN_CTL_UTIL_H
#define DUBAN_CTL_UTIL_H
#include "ctl.h"
#include "duban/ledger.h"

#include <jansson.h>
#include <stdio.h>

/* Every function returning int returns 0 on success, else a sysexits code after
 * printing one line to stderr (and rolling back the open transaction, if any). */

/* Reads the database's schema version (0: never migrated) and checks that it
 * is this binary's; a mismatch says what to run and returns 69. */
int ctl_schema_version(struct ctl *c, int *version);

/* Connects (checking the schema version on first use) and opens a transaction
 * stamped with the clock, actor, action and reason (NULL: none); the session
 * time zone is set to duban.tz for output. Read commands use it too (action
 * NULL) so that duban.today() is the clock's. */
int ctl_begin(struct ctl *c, const char *action, const char *reason);

/* NOTIFYs duban_wake and commits. */
int ctl_commit(struct ctl *c);

/* Ends the transaction without writing (read commands, refusals). */
void ctl_rollback(struct ctl *c);

/* Runs sql; on failure rolls back and prints "dubanctl: <server message>". */
int ctl_run(struct ctl *c, PGresult **out, const char *sql, int n, const char *const *params);

/* Like ctl_run but prints nothing: err gets the server's message, so that the
 * caller can word it (db_last_sqlstate() tells what failed). */
int ctl_try(struct ctl *c, PGresult **out, const char *sql, int n, const char *const *params,
	    char *err, size_t errlen);

/* Runs sql that returns one row with one JSON column and loads it into *out. */
int ctl_run_json(struct ctl *c, json_t **out, const char *sql, int n, const char *const *params);

/* Finds a unit by code or else by exact name; id gets its decimal id. Unknown: 65. */
int ctl_unit_id(struct ctl *c, const char *key, char id[24]);

/* Finds a problem by ref and locks its row: id (decimal) and status. Unknown: 65. */
int ctl_problem_id(struct ctl *c, const char *ref, char id[24], char status[16]);

/* Parses a date in any parse_date() form into YYYY-MM-DD; bad: 65 naming what. */
int ctl_date(const char *s, const char *what, char out[11]);

/* Parses a whole number in [min, max]; bad: 65 naming what. */
int ctl_int(const char *s, long min, long max, const char *what, long *out);

/* Parses a list of whole numbers in [min, max] (separated by , ; 、) into a
 * PostgreSQL array literal such as {4,14,24}; an empty list is refused. */
int ctl_int_array(const char *s, long min, long max, const char *what, char *out, size_t len);

/* Refuses (65, "WHAT: too long (N > MAX)", in characters) a value longer than max characters
 * (the column limits of duban/limits.h); NULL passes. */
int ctl_check_length(const char *what, const char *value, int max);

/* Requires a non-blank option value; missing: 64 "NAME needs --OPT". */
int ctl_need_opt(const char *value, const char *command, const char *opt);

/* Output. A column of a table or CSV: the key in each row object and its header. */
struct ctl_col {
	const char *key;
	const char *header;
};

/* A JSON value as text (malloc'd): strings as they are, true/false as yes/no,
 * null as "", arrays joined with sep, objects as compact JSON. NULL: no memory. */
char *ctl_json_text(const json_t *v, const char *sep);

/* Prints rows (an array of objects) as a table with a header line, columns
 * padded to their display width (CJK counts 2), long cells (but the last
 * column's) cut at 64 columns. */
int ctl_print_table(const json_t *rows, const struct ctl_col *cols);

/* A read command's whole output: runs sql (one row, one JSON array column) in a read
 * transaction and prints the array as JSON (--json) or as a table of cols. */
int ctl_list(struct ctl *c, const struct ctl_col *cols, const char *sql, int n,
	     const char *const *params);

/* Prints rows as RFC 4180 CSV (CRLF line ends) with the headers as given. */
int ctl_print_csv(const json_t *rows, const struct ctl_col *cols, const char *sep);

/* Display width of UTF-8 text in terminal columns (East Asian wide = 2). */
size_t ctl_display_width(const char *s);

/* The problem object of SPEC §5 (shared with dubanweb: duban/ledger.h). */
#define CTL_PROBLEM_JSON LEDGER_PROBLEM_JSON

#endif
