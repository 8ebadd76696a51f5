/* dubanweb's users and sessions (SPEC §10): POST /login checks the argon2id hash on a worker
 * and opens a session stored in PostgreSQL under the SHA-256 of its cookie token; five failed
 * logins within 15 minutes lock the user for 15 minutes; a disabled user's sessions end at once
 * (the session look-up joins the user); every write needs the session's CSRF token. */
#include "web.h"
#include "duban/clock.h"
#include "duban/db.h"
#include "duban/log.h"
#include "duban/password.h"

#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCK_FAILURES "5"
#define LOCK_WINDOW "15 minutes"

/* A hash to verify against when the user is unknown, so that the answer takes as long. */
static const char dummy_hash[] =
	"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
	"0Zk1V2b7i3wC8x8oS0lQyUu2mQmMPk2VbB2f0n8qQ2E";

static void clock_text(char out[64])
{
	clock_format(clock_now(), out, 64);
}

char *web_form_field(const struct web_job *j, const char *key)
{
	if (j->content_type == NULL ||
	    strncmp(j->content_type, "application/x-www-form-urlencoded", 33) != 0)
		return NULL;
	return web_query_param(j->body, key);
}

/* Constant-time comparison of two NUL-terminated tokens. */
static bool same_token(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	unsigned char diff = n != m;

	for (size_t i = 0; i < n && i < m; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0 && n > 0;
}

bool web_auth_csrf(struct web_job *j)
{
	char *field = j->csrf == NULL ? web_form_field(j, "csrf") : NULL;
	const char *given = j->csrf != NULL ? j->csrf : field;
	bool ok = given != NULL && same_token(given, j->user.csrf);

	free(field);
	if (!ok)
		web_reply_error(j, 403, "csrf", "缺少或错误的 CSRF 令牌(X-CSRF-Token)");
	return ok;
}

static void reply_no_session(struct web_job *j)
{
	if (j->page)
		web_reply_redirect(j, "/login");
	else
		web_reply_error(j, 401, "unauthorized", "请先登录");
}

bool web_auth_session(struct web_job *j, PGconn *conn)
{
	char digest[PASSWORD_TOKEN_LEN], now[64], err[512];
	const char *params[2] = { digest, now };
	PGresult *r;

	if (j->token == NULL) {
		reply_no_session(j);
		return false;
	}
	if (conn == NULL) {
		web_reply_error(j, 503, "unavailable", "数据库暂不可用,请稍后重试");
		return false;
	}
	password_token_digest(j->token, digest);
	clock_text(now);
	r = db_query(conn,
		     "SELECT u.id, u.name, u.role, coalesce(u.unit_id, 0), coalesce(un.code, ''),"
		     " s.csrf FROM duban.sessions s JOIN duban.users u ON u.id = s.user_id"
		     " LEFT JOIN duban.units un ON un.id = u.unit_id"
		     " WHERE s.token_digest = $1 AND s.expires_at > $2::timestamptz"
		     " AND NOT u.disabled", 2, params, err, sizeof(err));
	if (r == NULL) {
		web_reply_error(j, 503, "unavailable", "数据库暂不可用,请稍后重试");
		return false;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		reply_no_session(j);
		return false;
	}
	j->user.id = atoi(PQgetvalue(r, 0, 0));
	snprintf(j->user.name, sizeof(j->user.name), "%s", PQgetvalue(r, 0, 1));
	snprintf(j->user.role, sizeof(j->user.role), "%s", PQgetvalue(r, 0, 2));
	j->user.unit_id = atoi(PQgetvalue(r, 0, 3));
	snprintf(j->user.unit, sizeof(j->user.unit), "%s", PQgetvalue(r, 0, 4));
	snprintf(j->user.csrf, sizeof(j->user.csrf), "%s", PQgetvalue(r, 0, 5));
	PQclear(r);
	return true;
}

static void set_cookie(struct web_job *j, const char *token)
{
	char buf[256];

	if (token != NULL)
		snprintf(buf, sizeof(buf), "duban_session=%s; Path=/; HttpOnly; SameSite=Strict%s",
			 token, j->w->secure_cookie ? "; Secure" : "");
	else
		snprintf(buf, sizeof(buf), "duban_session=; Path=/; HttpOnly; SameSite=Strict;"
			 " Max-Age=0%s", j->w->secure_cookie ? "; Secure" : "");
	free(j->set_cookie);
	j->set_cookie = strdup(buf);
}

/* Records a failed login in its own transaction; true when it locked the user. */
static bool record_failure(PGconn *conn, const char *user_id, const char *now)
{
	const char *params[2] = { user_id, now };
	char err[512];
	PGresult *r;
	bool locked = false;

	if (db_exec(conn, "BEGIN", 0, NULL, err, sizeof(err)) != 0)
		return false;
	if (db_exec(conn, "INSERT INTO duban.login_failures (user_id, at)"
			  " VALUES ($1::int, $2::timestamptz)", 2, params, err, sizeof(err)) != 0)
		goto fail;
	r = db_query(conn, "UPDATE duban.users SET locked_until = $2::timestamptz + interval '"
			   LOCK_WINDOW "' WHERE id = $1::int AND (SELECT count(*)"
			   " FROM duban.login_failures f WHERE f.user_id = $1::int"
			   " AND f.at > $2::timestamptz - interval '" LOCK_WINDOW "') >= " LOCK_FAILURES
			   " RETURNING id", 2, params, err, sizeof(err));
	if (r == NULL)
		goto fail;
	locked = PQntuples(r) > 0;
	PQclear(r);
	if (db_exec(conn, "COMMIT", 0, NULL, err, sizeof(err)) == 0)
		return locked;
fail:
	web_rollback(conn);
	log_event(LOG_ERR, "event=login error=\"cannot record a failure\"");
	return false;
}

/* Opens a session for user_id: the cookie and the redirect into the console. */
static void open_session(struct web_job *j, PGconn *conn, const char *user_id, const char *now)
{
	char token[PASSWORD_TOKEN_LEN], digest[PASSWORD_TOKEN_LEN], csrf[PASSWORD_TOKEN_LEN];
	char err[512];
	const char *params[4] = { digest, user_id, csrf, now };
	const char *cleanup[2] = { user_id, now };

	if (password_token(token) != 0 || password_token(csrf) != 0) {
		web_reply_error(j, 500, "internal", "no random numbers");
		return;
	}
	password_token_digest(token, digest);
	if (db_exec(conn, "BEGIN", 0, NULL, err, sizeof(err)) != 0 ||
	    db_exec(conn, "INSERT INTO duban.sessions (token_digest, user_id, csrf, created_at,"
			  " expires_at) VALUES ($1, $2::int, $3, $4::timestamptz, $4::timestamptz"
			  " + interval '12 hours')", 4, params, err, sizeof(err)) != 0 ||
	    db_exec(conn, "DELETE FROM duban.login_failures WHERE user_id = $1::int"
			  " OR at < $2::timestamptz - interval '1 day'", 2, cleanup, err,
		    sizeof(err)) != 0 ||
	    db_exec(conn, "DELETE FROM duban.sessions WHERE expires_at < $2::timestamptz"
			  " AND user_id = $1::int", 2, cleanup, err, sizeof(err)) != 0 ||
	    db_exec(conn, "COMMIT", 0, NULL, err, sizeof(err)) != 0) {
		web_rollback(conn);
		web_reply_error(j, 503, "unavailable", "数据库暂不可用,请稍后重试");
		return;
	}
	set_cookie(j, token);
	web_reply_redirect(j, "/");
}

void web_auth_login(struct web_job *j, PGconn *conn)
{
	char *name = web_form_field(j, "user"), *password = web_form_field(j, "password");
	char now[64], err[512], user_id[16] = "";
	const char *params[2] = { name, now };
	PGresult *r = NULL;
	bool ok = false, locked = false;

	if (name == NULL || password == NULL || strlen(name) > 64 ||
	    strlen(password) > PASSWORD_MAX_LEN) {
		web_reply_redirect(j, "/login?error=invalid");
		goto done;
	}
	if (conn == NULL) {
		web_reply_error(j, 503, "unavailable", "数据库暂不可用,请稍后重试");
		goto done;
	}
	clock_text(now);
	r = db_query(conn, "SELECT id, hash, disabled, coalesce(locked_until > $2::timestamptz, false)"
			   " FROM duban.users WHERE name = $1", 2, params, err, sizeof(err));
	if (r == NULL) {
		web_reply_error(j, 503, "unavailable", "数据库暂不可用,请稍后重试");
		goto done;
	}
	if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 3), "t") == 0) {
		log_event(LOG_NOTICE, "event=login user=%s result=locked", name);
		web_reply_redirect(j, "/login?error=locked");
		goto done;
	}
	if (PQntuples(r) == 1) {
		snprintf(user_id, sizeof(user_id), "%s", PQgetvalue(r, 0, 0));
		ok = password_verify(PQgetvalue(r, 0, 1), password) &&
		     strcmp(PQgetvalue(r, 0, 2), "f") == 0;
	} else {
		(void)password_verify(dummy_hash, password);
	}
	if (ok) {
		log_event(LOG_INFO, "event=login user=%s result=ok", name);
		open_session(j, conn, user_id, now);
		goto done;
	}
	if (user_id[0] != '\0')
		locked = record_failure(conn, user_id, now);
	log_event(LOG_NOTICE, "event=login user=%s result=%s", user_id[0] ? name : "(unknown)",
		  locked ? "locked" : "failed");
	web_reply_redirect(j, locked ? "/login?error=locked" : "/login?error=invalid");
done:
	PQclear(r);
	if (password != NULL)
		memset(password, 0, strlen(password));
	free(password);
	free(name);
}

void web_auth_logout(struct web_job *j, PGconn *conn)
{
	char digest[PASSWORD_TOKEN_LEN], err[512];
	const char *params[1] = { digest };

	if (!web_auth_session(j, conn) || !web_auth_csrf(j))
		return;
	password_token_digest(j->token, digest);
	if (db_exec(conn, "DELETE FROM duban.sessions WHERE token_digest = $1", 1, params, err,
		    sizeof(err)) != 0) {
		web_reply_error(j, 503, "unavailable", "数据库暂不可用,请稍后重试");
		return;
	}
	set_cookie(j, NULL);
	web_reply_redirect(j, "/login");
}

void web_api_session(struct web_job *j, PGconn *conn)
{
	if (!web_auth_session(j, conn))
		return;
	web_reply_json(j, 200, json_pack("{s:s, s:s, s:s?, s:s}", "name", j->user.name, "role",
					 j->user.role, "unit",
					 j->user.unit[0] != '\0' ? j->user.unit : NULL, "csrf",
					 j->user.csrf));
}

void web_page(struct web_job *j, PGconn *conn)
{
	const char *type, *data;
	size_t len;
	char *copy;

	if (!web_auth_session(j, conn))
		return;
	data = web_asset(j->asset, &len, &type);
	copy = data != NULL ? malloc(len) : NULL;
	if (copy == NULL) {
		web_reply_error(j, 500, "internal", "内部错误");
		return;
	}
	memcpy(copy, data, len);
	web_reply(j, 200, type, copy, len);
}
