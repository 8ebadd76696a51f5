/* dubanctl user add/list/disable/password: the console's users (SPEC §5, §10). Passwords are
 * read from standard input and stored only as argon2id hashes; disabling a user or setting a
 * new password ends the user's sessions at once (and lifts a login lock-out). */
#include "ctl_util.h"
#include "duban/db.h"
#include "duban/password.h"

#include <stdio.h>
#include <string.h>

static int check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64 || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				       "0123456789_.@-") != n)
		return ctl_fail(EX_DATAERR, "user name '%s': use 1-64 letters, digits, _ . @ -", name);
	return 0;
}

static int check_role(struct ctl *c)
{
	if (c->role == NULL)
		return ctl_fail(EX_USAGE, "user add needs --role office|leader|unit");
	if (strcmp(c->role, "office") != 0 && strcmp(c->role, "leader") != 0 &&
	    strcmp(c->role, "unit") != 0)
		return ctl_fail(EX_DATAERR, "unknown role '%s' (office, leader, unit)", c->role);
	if (strcmp(c->role, "unit") == 0 && c->unit == NULL)
		return ctl_fail(EX_USAGE, "a user of role unit needs --unit CODE");
	return 0;
}

/* Reads the password (--password-stdin is required: never on the command line) and hashes it. */
static int read_hash(struct ctl *c, const char *cmd, char hash[PASSWORD_HASH_LEN])
{
	char buf[PASSWORD_MAX_LEN + 2], err[256];
	int rc = 0;

	if (!c->password_stdin)
		return ctl_fail(EX_USAGE, "%s needs --password-stdin (the password on standard input)",
				cmd);
	if (password_read(stdin, buf, sizeof(buf), err, sizeof(err)) != 0)
		rc = ctl_fail(EX_DATAERR, "%s", err);
	else if (password_hash(buf, hash, err, sizeof(err)) != 0)
		rc = ctl_fail(EX_SOFTWARE, "%s", err);
	memset(buf, 0, sizeof(buf));
	return rc;
}

int cmd_user_add(struct ctl *c)
{
	char hash[PASSWORD_HASH_LEN], unit_id[24], err[512];
	const char *params[4];
	PGresult *r;
	int rc;

	if ((rc = ctl_need_args(c, 1, "user add NAME --role office|leader|unit [--unit CODE] "
				"--password-stdin")) != 0 ||
	    (rc = check_name(c->argv[0])) != 0 || (rc = check_role(c)) != 0 ||
	    (rc = read_hash(c, "user add", hash)) != 0 || (rc = ctl_begin(c, "user-add", NULL)) != 0)
		return rc;
	if (c->unit != NULL && (rc = ctl_unit_id(c, c->unit, unit_id)) != 0)
		return rc;
	params[0] = c->argv[0];
	params[1] = c->role;
	params[2] = c->unit != NULL ? unit_id : NULL;
	params[3] = hash;
	rc = ctl_try(c, &r, "INSERT INTO duban.users (name, role, unit_id, hash)"
			    " VALUES ($1, $2, $3::int, $4)", 4, params, err, sizeof(err));
	if (rc != 0 && strcmp(db_last_sqlstate(), "23505") == 0)
		return ctl_fail(EX_DATAERR, "user %s already exists", c->argv[0]);
	if (rc != 0)
		return ctl_fail(rc, "%s", err);
	PQclear(r);
	if ((rc = ctl_commit(c)) != 0)
		return rc;
	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:s, s:s?}", "name", c->argv[0], "role",
						c->role, "unit", c->unit));
	printf("user %s (%s%s%s) added\n", c->argv[0], c->role, c->unit != NULL ? ", " : "",
	       c->unit != NULL ? c->unit : "");
	return 0;
}

int cmd_user_list(struct ctl *c)
{
	static const struct ctl_col cols[] = {
		{"name", "NAME"}, {"role", "ROLE"}, {"unit", "UNIT"}, {"disabled", "DISABLED"},
		{"locked_until", "LOCKED UNTIL"}, {"sessions", "SESSIONS"}, {NULL, NULL},
	};
	int rc;

	if ((rc = ctl_need_args(c, 0, "user list")) != 0)
		return rc;
	return ctl_list(c, cols,
			"SELECT coalesce(json_agg(json_build_object('name', us.name, 'role', us.role,"
			" 'unit', un.code, 'disabled', us.disabled,"
			" 'locked_until', CASE WHEN us.locked_until > duban.now()"
			"   THEN date_trunc('second', us.locked_until) END,"
			" 'sessions', (SELECT count(*) FROM duban.sessions s WHERE s.user_id = us.id"
			"   AND s.expires_at > duban.now())) ORDER BY us.name), '[]')"
			" FROM duban.users us LEFT JOIN duban.units un ON un.id = us.unit_id", 0, NULL);
}

/* Runs sql ($1 name [, $2 hash]) that must touch the user, then ends the user's sessions. */
static int update_user(struct ctl *c, const char *action, const char *sql, const char *hash)
{
	const char *params[2] = { c->argv[0], hash };
	PGresult *r;
	int rc;

	if ((rc = ctl_begin(c, action, NULL)) != 0 ||
	    (rc = ctl_run(c, &r, sql, hash != NULL ? 2 : 1, params)) != 0)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		ctl_rollback(c);
		return ctl_fail(EX_DATAERR, "no user named %s", c->argv[0]);
	}
	PQclear(r);
	if ((rc = ctl_run(c, &r, "DELETE FROM duban.sessions WHERE user_id ="
				 " (SELECT id FROM duban.users WHERE name = $1)", 1, params)) != 0)
		return rc;
	PQclear(r);
	return ctl_commit(c);
}

int cmd_user_disable(struct ctl *c)
{
	int rc;

	if ((rc = ctl_need_args(c, 1, "user disable NAME")) != 0 ||
	    (rc = update_user(c, "user-disable",
			      "UPDATE duban.users SET disabled = true WHERE name = $1 RETURNING id",
			      NULL)) != 0)
		return rc;
	if (c->json)
		return ctl_print_json(json_pack("{s:s, s:b}", "name", c->argv[0], "disabled", 1));
	printf("user %s disabled; sessions ended\n", c->argv[0]);
	return 0;
}

int cmd_user_password(struct ctl *c)
{
	char hash[PASSWORD_HASH_LEN];
	int rc;

	if ((rc = ctl_need_args(c, 1, "user password NAME --password-stdin")) != 0 ||
	    (rc = read_hash(c, "user password", hash)) != 0 ||
	    (rc = update_user(c, "user-password",
			      "WITH f AS (DELETE FROM duban.login_failures WHERE user_id ="
			      " (SELECT id FROM duban.users WHERE name = $1))"
			      " UPDATE duban.users SET hash = $2, locked_until = NULL WHERE name = $1"
			      " RETURNING id", hash)) != 0)
		return rc;
	if (c->json)
		return ctl_print_json(json_pack("{s:s}", "name", c->argv[0]));
	printf("user %s: password set; sessions ended\n", c->argv[0]);
	return 0;
}
