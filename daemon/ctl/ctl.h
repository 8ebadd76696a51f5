/* dubanctl's shared state: parsed global and command options, the lazily
 * opened database connection, and the output/error helpers every command uses. */
#ifndef DUBAN_CTL_H
#define DUBAN_CTL_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <sysexits.h>

#include "duban/config.h"

struct ctl {
	struct duban_config cfg;
	const char *config_file;  /* --config */
	const char *dsn;          /* --dsn (else cfg.dsn, else PG*) */
	const char *now;          /* --now (else $DUBAN_NOW) */
	bool json;                /* --json */
	PGconn *conn;             /* opened by ctl_db() */

	/* positional arguments after "NOUN VERB" (or after "migrate"/"status") */
	int argc;
	char **argv;

	/* command options; NULL/false when not given */
	const char *kind, *parent, *url, *secret, *mention, *rate, *encoding, *keyword, *label;
	const char *ref, *title, *level, *unit, *supervisors, *deadline;
	const char *source, *category, *location, *measures, *target;
	const char *note, *reason, *status, *days, *months, *units, *remind;
	const char *schedule, *period, *problem, *date, *dates, *role;
	const char *table;        /* schedule add --table */
	bool long_term, overdue, csv, done, dead, password_stdin;
	bool dry_run;             /* imports: check and apply, then roll back */
	const char *out;          /* export --out FILE */
	/* problem enforce */
	const char *verified, *ordered, *penalized, *fine, *investigated, *detained_admin;
	const char *detained_criminal, *interviewed, *accountable;
};

/* Returns the open connection, connecting on first use; on failure prints
 * the reason and returns NULL (the command then returns EX_UNAVAILABLE). */
PGconn *ctl_db(struct ctl *c);

/* Prints "dubanctl: <message>" to stderr and returns code (for `return ctl_fail(...)`). */
int ctl_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Maps a failed statement (SQLSTATE from db_last_sqlstate()) to an exit code:
 * constraint/data errors → EX_DATAERR, connection loss → EX_UNAVAILABLE, else EX_SOFTWARE. */
int ctl_db_error_code(void);

/* Requires exactly n positional arguments; else prints usage and returns EX_USAGE. */
int ctl_need_args(struct ctl *c, int n, const char *usage);

/* Prints a jansson value (stolen) to stdout as one JSON document. Returns 0 or EX_SOFTWARE. */
struct json_t;
int ctl_print_json(struct json_t *value);

/* Commands. Each returns a sysexits code. */
typedef int (*ctl_command_fn)(struct ctl *c);
int cmd_migrate(struct ctl *c);
int cmd_status(struct ctl *c);
int cmd_unit_add(struct ctl *c);
int cmd_unit_import(struct ctl *c);
int cmd_unit_list(struct ctl *c);
int cmd_channel_add(struct ctl *c);
int cmd_channel_import(struct ctl *c);
int cmd_channel_list(struct ctl *c);
int cmd_channel_test(struct ctl *c);
int cmd_problem_import(struct ctl *c);
int cmd_problem_add(struct ctl *c);
int cmd_problem_milestone(struct ctl *c);
int cmd_problem_progress(struct ctl *c);
int cmd_problem_apply(struct ctl *c);
int cmd_problem_accept(struct ctl *c);
int cmd_problem_reject(struct ctl *c);
int cmd_problem_object(struct ctl *c);
int cmd_problem_reopen(struct ctl *c);
int cmd_problem_enforce(struct ctl *c);
int cmd_problem_show(struct ctl *c);
int cmd_problem_list(struct ctl *c);
int cmd_report_submit(struct ctl *c);
int cmd_report_list(struct ctl *c);
int cmd_schedule_add(struct ctl *c);
int cmd_deduct(struct ctl *c);
int cmd_notice_list(struct ctl *c);
int cmd_notice_retry(struct ctl *c);
int cmd_calendar_import(struct ctl *c);
int cmd_policy_show(struct ctl *c);
int cmd_policy_set(struct ctl *c);
int cmd_user_add(struct ctl *c);
int cmd_user_list(struct ctl *c);
int cmd_user_disable(struct ctl *c);
int cmd_user_password(struct ctl *c);
int cmd_export(struct ctl *c);

#endif
