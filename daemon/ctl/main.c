/* dubanctl: the office's and operators' command line (SPEC §5). Parses the
 * global and command options, loads the config and clock, and dispatches. */
#include "ctl.h"
#include "duban/clock.h"
#include "duban/db.h"
#include "duban/migrate.h"

#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct command {
	const char *noun;
	const char *verb;   /* NULL: the noun alone is the command */
	ctl_command_fn fn;
};

static const struct command commands[] = {
	{"migrate", NULL, cmd_migrate},
	{"status", NULL, cmd_status},
	{"deduct", NULL, cmd_deduct},
	{"unit", "add", cmd_unit_add},
	{"unit", "import", cmd_unit_import},
	{"unit", "list", cmd_unit_list},
	{"channel", "add", cmd_channel_add},
	{"channel", "import", cmd_channel_import},
	{"channel", "list", cmd_channel_list},
	{"channel", "test", cmd_channel_test},
	{"problem", "import", cmd_problem_import},
	{"problem", "add", cmd_problem_add},
	{"problem", "milestone", cmd_problem_milestone},
	{"problem", "progress", cmd_problem_progress},
	{"problem", "apply", cmd_problem_apply},
	{"problem", "accept", cmd_problem_accept},
	{"problem", "reject", cmd_problem_reject},
	{"problem", "object", cmd_problem_object},
	{"problem", "reopen", cmd_problem_reopen},
	{"problem", "enforce", cmd_problem_enforce},
	{"problem", "show", cmd_problem_show},
	{"problem", "list", cmd_problem_list},
	{"report", "submit", cmd_report_submit},
	{"report", "list", cmd_report_list},
	{"schedule", "add", cmd_schedule_add},
	{"notice", "list", cmd_notice_list},
	{"notice", "retry", cmd_notice_retry},
	{"calendar", "import", cmd_calendar_import},
	{"export", NULL, cmd_export},
	{"policy", "show", cmd_policy_show},
	{"policy", "set", cmd_policy_set},
	{"user", "add", cmd_user_add},
	{"user", "list", cmd_user_list},
	{"user", "disable", cmd_user_disable},
	{"user", "password", cmd_user_password},
};

static const char usage_text[] =
	"usage: dubanctl [--config FILE] [--dsn DSN] [--now TIME] [--json] [--actor NAME] COMMAND ...\n"
	"  migrate | status\n"
	"  unit add CODE NAME --kind KIND [--parent CODE] | unit import FILE | unit list\n"
	"  channel add UNIT --kind KIND --url URL [--secret S] [--mention A,B] [--rate N] [--keyword W]\n"
	"  channel import FILE | channel list | channel test UNIT\n"
	"  problem import FILE [--encoding utf-8|gbk] [--dry-run]\n"
	"  problem add --ref R --title T --level L --unit U --supervisors A[,B...] --deadline D\n"
	"              [--source S] [--category C] [--location X] [--long-term]\n"
	"  problem milestone REF DATE TARGET | problem milestone REF DATE --done\n"
	"  problem progress REF PERCENT [--note TEXT]\n"
	"  problem apply REF | accept REF | reject REF --reason T | object REF --reason T\n"
	"  problem reopen REF --deadline D --reason T\n"
	"  problem enforce REF [--verified V] [--ordered N] [--penalized N] [--fine WAN]\n"
	"              [--investigated N] [--detained-admin N] [--detained-criminal N]\n"
	"              [--interviewed N] [--accountable N]\n"
	"  problem show REF | problem list [--status S] [--unit U] [--overdue] [--csv]\n"
	"  report submit UNIT SCHEDULE PERIOD | report list [--schedule S] [--period P]\n"
	"  schedule add NAME [--label 中文名称] (--days LIST [--months LIST] | --dates LIST)\n"
	"         --units CODES [--remind LIST] [--table TABLE]\n"
	"  deduct UNIT POINTS --reason T [--problem REF]\n"
	"  notice list [--status pending|sent|dead] | notice retry ID... | notice retry --dead\n"
	"  calendar import FILE | policy show | policy set KEY VALUE\n"
	"  user add NAME --role office|leader|unit [--unit CODE] --password-stdin\n"
	"  user list | user disable NAME | user password NAME --password-stdin\n"
	"  export TABLE [--period P] [--unit U] --out FILE.xlsx|FILE.csv\n"
	"         (TABLE: ledger attachment1 attachment2 bulletin closure)\n";

enum {
	OPT_CONFIG = 256, OPT_DSN, OPT_NOW, OPT_JSON, OPT_ACTOR, OPT_KIND, OPT_PARENT, OPT_URL,
	OPT_SECRET, OPT_MENTION, OPT_RATE, OPT_ENCODING, OPT_REF, OPT_TITLE, OPT_LEVEL,
	OPT_UNIT, OPT_SUPERVISORS, OPT_DEADLINE, OPT_SOURCE, OPT_CATEGORY, OPT_LOCATION,
	OPT_MEASURES, OPT_TARGET, OPT_NOTE, OPT_REASON, OPT_STATUS, OPT_DAYS, OPT_MONTHS,
	OPT_UNITS, OPT_REMIND, OPT_SCHEDULE, OPT_PERIOD, OPT_PROBLEM, OPT_DATE, OPT_LONG_TERM,
	OPT_OVERDUE, OPT_CSV, OPT_DONE, OPT_DEAD, OPT_HELP, OPT_VERSION, OPT_ROLE,
	OPT_PASSWORD_STDIN, OPT_DRY_RUN, OPT_OUT,
	OPT_VERIFIED, OPT_ORDERED, OPT_PENALIZED, OPT_FINE, OPT_INVESTIGATED, OPT_DETAINED_ADMIN,
	OPT_DETAINED_CRIMINAL, OPT_INTERVIEWED, OPT_ACCOUNTABLE, OPT_KEYWORD, OPT_LABEL,
	OPT_DATES, OPT_TABLE,
};

static const struct option long_options[] = {
	{"config", required_argument, NULL, OPT_CONFIG}, {"dsn", required_argument, NULL, OPT_DSN},
	{"now", required_argument, NULL, OPT_NOW}, {"json", no_argument, NULL, OPT_JSON},
	{"actor", required_argument, NULL, OPT_ACTOR}, {"kind", required_argument, NULL, OPT_KIND},
	{"parent", required_argument, NULL, OPT_PARENT}, {"url", required_argument, NULL, OPT_URL},
	{"secret", required_argument, NULL, OPT_SECRET},
	{"mention", required_argument, NULL, OPT_MENTION},
	{"rate", required_argument, NULL, OPT_RATE},
	{"keyword", required_argument, NULL, OPT_KEYWORD},
	{"label", required_argument, NULL, OPT_LABEL},
	{"encoding", required_argument, NULL, OPT_ENCODING},
	{"ref", required_argument, NULL, OPT_REF}, {"title", required_argument, NULL, OPT_TITLE},
	{"level", required_argument, NULL, OPT_LEVEL}, {"unit", required_argument, NULL, OPT_UNIT},
	{"supervisors", required_argument, NULL, OPT_SUPERVISORS},
	{"deadline", required_argument, NULL, OPT_DEADLINE},
	{"source", required_argument, NULL, OPT_SOURCE},
	{"category", required_argument, NULL, OPT_CATEGORY},
	{"location", required_argument, NULL, OPT_LOCATION},
	{"measures", required_argument, NULL, OPT_MEASURES},
	{"target", required_argument, NULL, OPT_TARGET},
	{"note", required_argument, NULL, OPT_NOTE}, {"reason", required_argument, NULL, OPT_REASON},
	{"status", required_argument, NULL, OPT_STATUS}, {"days", required_argument, NULL, OPT_DAYS},
	{"months", required_argument, NULL, OPT_MONTHS},
	{"units", required_argument, NULL, OPT_UNITS}, {"remind", required_argument, NULL, OPT_REMIND},
	{"schedule", required_argument, NULL, OPT_SCHEDULE},
	{"period", required_argument, NULL, OPT_PERIOD},
	{"problem", required_argument, NULL, OPT_PROBLEM}, {"date", required_argument, NULL, OPT_DATE},
	{"dates", required_argument, NULL, OPT_DATES},
	{"table", required_argument, NULL, OPT_TABLE},
	{"long-term", no_argument, NULL, OPT_LONG_TERM}, {"overdue", no_argument, NULL, OPT_OVERDUE},
	{"csv", no_argument, NULL, OPT_CSV}, {"done", no_argument, NULL, OPT_DONE},
	{"dead", no_argument, NULL, OPT_DEAD}, {"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{"role", required_argument, NULL, OPT_ROLE},
	{"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"out", required_argument, NULL, OPT_OUT},
	{"verified", required_argument, NULL, OPT_VERIFIED},
	{"ordered", required_argument, NULL, OPT_ORDERED},
	{"penalized", required_argument, NULL, OPT_PENALIZED},
	{"fine", required_argument, NULL, OPT_FINE},
	{"investigated", required_argument, NULL, OPT_INVESTIGATED},
	{"detained-admin", required_argument, NULL, OPT_DETAINED_ADMIN},
	{"detained-criminal", required_argument, NULL, OPT_DETAINED_CRIMINAL},
	{"interviewed", required_argument, NULL, OPT_INTERVIEWED},
	{"accountable", required_argument, NULL, OPT_ACCOUNTABLE},
	{NULL, 0, NULL, 0},
};

int ctl_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("dubanctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int ctl_db_error_code(void)
{
	const char *state = db_last_sqlstate();

	if (state[0] == '\0' || strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0)
		return EX_UNAVAILABLE;
	if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0 ||
	    strncmp(state, "P0", 2) == 0 || strncmp(state, "42501", 5) == 0)
		return EX_DATAERR;
	return EX_SOFTWARE;
}

int ctl_need_args(struct ctl *c, int n, const char *usage)
{
	if (c->argc == n)
		return 0;
	fprintf(stderr, "dubanctl: usage: dubanctl %s\n", usage);
	return EX_USAGE;
}

int ctl_print_json(struct json_t *value)
{
	int rc;

	if (value == NULL)
		return ctl_fail(EX_SOFTWARE, "out of memory");
	rc = json_dumpf(value, stdout, JSON_INDENT(2));
	json_decref(value);
	if (rc != 0 || fputc('\n', stdout) == EOF)
		return ctl_fail(EX_IOERR, "cannot write output");
	return 0;
}

PGconn *ctl_db(struct ctl *c)
{
	char err[512];
	const char *dsn = c->dsn != NULL ? c->dsn : c->cfg.dsn;

	if (c->conn != NULL)
		return c->conn;
	c->conn = db_connect(dsn, err, sizeof(err));
	if (c->conn == NULL)
		ctl_fail(EX_UNAVAILABLE, "database unavailable: %s", err);
	return c->conn;
}

static void set_default_actor(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *user = getenv("SUDO_USER");

	if (user == NULL || *user == '\0')
		user = pw != NULL ? pw->pw_name : "unknown";
	db_set_actor(user);
}

static int parse_options(struct ctl *c, int argc, char **argv)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_CONFIG: c->config_file = optarg; break;
		case OPT_DSN: c->dsn = optarg; break;
		case OPT_NOW: c->now = optarg; break;
		case OPT_JSON: c->json = true; break;
		case OPT_ACTOR: db_set_actor(optarg); break;
		case OPT_KIND: c->kind = optarg; break;
		case OPT_PARENT: c->parent = optarg; break;
		case OPT_URL: c->url = optarg; break;
		case OPT_SECRET: c->secret = optarg; break;
		case OPT_MENTION: c->mention = optarg; break;
		case OPT_RATE: c->rate = optarg; break;
		case OPT_KEYWORD: c->keyword = optarg; break;
		case OPT_LABEL: c->label = optarg; break;
		case OPT_ENCODING: c->encoding = optarg; break;
		case OPT_REF: c->ref = optarg; break;
		case OPT_TITLE: c->title = optarg; break;
		case OPT_LEVEL: c->level = optarg; break;
		case OPT_UNIT: c->unit = optarg; break;
		case OPT_SUPERVISORS: c->supervisors = optarg; break;
		case OPT_DEADLINE: c->deadline = optarg; break;
		case OPT_SOURCE: c->source = optarg; break;
		case OPT_CATEGORY: c->category = optarg; break;
		case OPT_LOCATION: c->location = optarg; break;
		case OPT_MEASURES: c->measures = optarg; break;
		case OPT_TARGET: c->target = optarg; break;
		case OPT_NOTE: c->note = optarg; break;
		case OPT_REASON: c->reason = optarg; break;
		case OPT_STATUS: c->status = optarg; break;
		case OPT_DAYS: c->days = optarg; break;
		case OPT_MONTHS: c->months = optarg; break;
		case OPT_UNITS: c->units = optarg; break;
		case OPT_REMIND: c->remind = optarg; break;
		case OPT_SCHEDULE: c->schedule = optarg; break;
		case OPT_PERIOD: c->period = optarg; break;
		case OPT_PROBLEM: c->problem = optarg; break;
		case OPT_DATE: c->date = optarg; break;
		case OPT_DATES: c->dates = optarg; break;
		case OPT_TABLE: c->table = optarg; break;
		case OPT_LONG_TERM: c->long_term = true; break;
		case OPT_OVERDUE: c->overdue = true; break;
		case OPT_CSV: c->csv = true; break;
		case OPT_DONE: c->done = true; break;
		case OPT_DEAD: c->dead = true; break;
		case OPT_ROLE: c->role = optarg; break;
		case OPT_PASSWORD_STDIN: c->password_stdin = true; break;
		case OPT_DRY_RUN: c->dry_run = true; break;
		case OPT_OUT: c->out = optarg; break;
		case OPT_VERIFIED: c->verified = optarg; break;
		case OPT_ORDERED: c->ordered = optarg; break;
		case OPT_PENALIZED: c->penalized = optarg; break;
		case OPT_FINE: c->fine = optarg; break;
		case OPT_INVESTIGATED: c->investigated = optarg; break;
		case OPT_DETAINED_ADMIN: c->detained_admin = optarg; break;
		case OPT_DETAINED_CRIMINAL: c->detained_criminal = optarg; break;
		case OPT_INTERVIEWED: c->interviewed = optarg; break;
		case OPT_ACCOUNTABLE: c->accountable = optarg; break;
		case OPT_HELP: fputs(usage_text, stdout); exit(0);
		case OPT_VERSION: printf("dubanctl %s\n", DUBAN_VERSION); exit(0);
		default: fputs(usage_text, stderr); return EX_USAGE;
		}
	}
	return 0;
}

static const struct command *find_command(int argc, char **argv, int *used)
{
	if (argc < 1)
		return NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *cmd = &commands[i];
		if (strcmp(cmd->noun, argv[0]) != 0)
			continue;
		if (cmd->verb == NULL) {
			*used = 1;
			return cmd;
		}
		if (argc >= 2 && strcmp(cmd->verb, argv[1]) == 0) {
			*used = 2;
			return cmd;
		}
	}
	return NULL;
}

static int load_environment(struct ctl *c)
{
	char err[512];
	bool must_exist;
	const char *path = config_path(c->config_file, &must_exist);

	if (config_load(&c->cfg, path, must_exist, err, sizeof(err)) != 0)
		return ctl_fail(EX_CONFIG, "%s", err);
	if (clock_init(c->now, err, sizeof(err)) != 0)
		return ctl_fail(EX_USAGE, "bad --now/DUBAN_NOW: %s", err);
	db_set_timezone(c->cfg.timezone);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl c;
	const struct command *cmd;
	int used = 0, rc;

	memset(&c, 0, sizeof(c));
	set_default_actor();
	rc = parse_options(&c, argc, argv);
	if (rc != 0)
		return rc;
	cmd = find_command(argc - optind, argv + optind, &used);
	if (cmd == NULL) {
		if (argc - optind > 0)
			fprintf(stderr, "dubanctl: unknown command '%s%s%s'\n", argv[optind],
				argc - optind > 1 ? " " : "", argc - optind > 1 ? argv[optind + 1] : "");
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	c.argc = argc - optind - used;
	c.argv = argv + optind + used;
	rc = load_environment(&c);
	if (rc == 0)
		rc = cmd->fn(&c);
	if (c.conn != NULL)
		PQfinish(c.conn);
	config_free(&c.cfg);
	return rc;
}
