/* The ledger's JSON API (SPEC §10): GET /api/problems (filters, search, sort, keyset paging),
 * GET /api/problems/REF, and POST /api/problems/REF/{progress,apply,accept,reject,object},
 * each write one transaction through the statements dubanctl runs (duban/ledger.h), with the
 * user as actor, refused with 403 where the user's role does not allow it. */
#include "web.h"
#include "duban/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_DEFAULT 50
#define PAGE_MAX 500
#define REASON_MAX 2000

/* Sortable columns: the name in ?sort=, the column, and the cast of a cursor value. */
struct sort_key {
	const char *name;
	const char *expr;
	const char *cast;
};

static const struct sort_key sort_keys[] = {
	{ "id", "p.id", "bigint" },
	{ "ref", "p.ref", "text" },
	{ "deadline", "p.deadline", "date" },
	{ "progress", "p.progress", "smallint" },
	{ "updated", "p.updated_at", "timestamptz" },
};

static const struct sort_key *find_sort(const char *name)
{
	for (size_t i = 0; i < sizeof(sort_keys) / sizeof(sort_keys[0]); i++)
		if (strcmp(sort_keys[i].name, name) == 0)
			return &sort_keys[i];
	return NULL;
}

static bool valid_status(const char *s)
{
	static const char *const ok[] = { "rectifying", "applied", "publicizing", "closed", "open" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(s, ok[i]) == 0)
			return true;
	return false;
}

/* The list's query parameters, checked. */
struct list_args {
	char *status, *unit, *overdue, *q, *sort, *order, *limit, *after, *level, *source;
	const struct sort_key *key;
	bool desc;
	long page;
	char *after_value;   /* the cursor split: value and id */
	char *after_id;
};

static void list_args_free(struct list_args *a)
{
	free(a->status);
	free(a->unit);
	free(a->overdue);
	free(a->q);
	free(a->sort);
	free(a->order);
	free(a->limit);
	free(a->after);
	free(a->after_value);
	free(a->level);
	free(a->source);
}

/* Reads and checks the parameters; false (replied 400) when one is bad. */
static bool list_args_read(struct web_job *j, struct list_args *a)
{
	char *end;

	a->status = web_query_param(j->query, "status");
	a->unit = web_query_param(j->query, "unit");
	a->overdue = web_query_param(j->query, "overdue");
	a->q = web_query_param(j->query, "q");
	a->sort = web_query_param(j->query, "sort");
	a->order = web_query_param(j->query, "order");
	a->limit = web_query_param(j->query, "limit");
	a->after = web_query_param(j->query, "after");
	a->level = web_query_param(j->query, "level");
	a->source = web_query_param(j->query, "source");
	if (a->level != NULL && a->level[0] != '\0' && strcmp(a->level, "central") != 0 &&
	    strcmp(a->level, "provincial") != 0 && strcmp(a->level, "municipal") != 0 &&
	    strcmp(a->level, "district") != 0) {
		web_reply_error(j, 400, "bad_request", "level must be central, provincial, municipal"
				" or district");
		return false;
	}
	if (a->source != NULL && strlen(a->source) > 200) {
		web_reply_error(j, 400, "bad_request", "source is longer than 200 bytes");
		return false;
	}
	if (a->status != NULL && a->status[0] == '\0') {
		free(a->status);
		a->status = NULL;
	}
	if (a->status != NULL && !valid_status(a->status)) {
		web_reply_error(j, 400, "bad_request", "unknown status '%.40s' (rectifying, applied,"
				" publicizing, closed, open)", a->status);
		return false;
	}
	a->key = find_sort(a->sort != NULL && a->sort[0] != '\0' ? a->sort : "id");
	if (a->key == NULL) {
		web_reply_error(j, 400, "bad_request", "unknown sort (id, ref, deadline, progress,"
				" updated)");
		return false;
	}
	a->desc = a->order != NULL && strcmp(a->order, "desc") == 0;
	if (a->order != NULL && !a->desc && strcmp(a->order, "asc") != 0 && a->order[0] != '\0') {
		web_reply_error(j, 400, "bad_request", "order must be asc or desc");
		return false;
	}
	a->page = PAGE_DEFAULT;
	if (a->limit != NULL && a->limit[0] != '\0') {
		a->page = strtol(a->limit, &end, 10);
		if (*end != '\0' || a->page < 1 || a->page > PAGE_MAX) {
			web_reply_error(j, 400, "bad_request", "limit must be 1-%d", PAGE_MAX);
			return false;
		}
	}
	if (a->q != NULL && strlen(a->q) > 200) {
		web_reply_error(j, 400, "bad_request", "q is longer than 200 bytes");
		return false;
	}
	if (a->after != NULL && a->after[0] != '\0') {
		/* the cursor is "ID:VALUE" as given in X-Next-After */
		char *colon = strchr(a->after, ':');
		if (colon == NULL || colon == a->after ||
		    strspn(a->after, "0123456789") != (size_t)(colon - a->after)) {
			web_reply_error(j, 400, "bad_request", "after must be a cursor from X-Next-After");
			return false;
		}
		a->after_value = strdup(colon + 1);
		*colon = '\0';
		a->after_id = a->after;
	}
	return true;
}

/* The unit filter as a unit id (code or exact name); false (replied) when unknown. */
static bool unit_filter(struct web_job *j, PGconn *conn, const char *unit, char id[24])
{
	const char *params[1] = { unit };
	PGresult *r = web_sql(j, conn, "SELECT id FROM duban.units WHERE code = $1 OR name = $1"
				       " ORDER BY code = $1 DESC LIMIT 1", 1, params);

	if (r == NULL)
		return false;
	if (PQntuples(r) == 0) {
		PQclear(r);
		web_rollback(conn);
		web_reply_error(j, 400, "bad_request", "no unit with code or name '%.60s'", unit);
		return false;
	}
	snprintf(id, 24, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return true;
}

/* Joins the rows' JSON texts (column 0) into one array; the cursor of the last row. */
static void reply_page(struct web_job *j, PGresult *r, long page)
{
	int n = PQntuples(r);
	size_t len = 3;
	char *out, *p;

	for (int i = 0; i < n; i++)
		len += (size_t)PQgetlength(r, i, 0) + 1;
	out = malloc(len);
	if (out == NULL) {
		web_reply_error(j, 500, "internal", "内存不足");
		return;
	}
	p = out;
	*p++ = '[';
	for (int i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		memcpy(p, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0));
		p += PQgetlength(r, i, 0);
	}
	*p++ = ']';
	*p = '\0';
	if (n == page) {
		size_t clen = (size_t)PQgetlength(r, n - 1, 1) + (size_t)PQgetlength(r, n - 1, 2) + 2;
		j->next_after = malloc(clen);
		if (j->next_after != NULL)
			snprintf(j->next_after, clen, "%s:%s", PQgetvalue(r, n - 1, 1),
				 PQgetvalue(r, n - 1, 2));
	}
	web_reply(j, 200, "application/json; charset=utf-8", out, (size_t)(p - out));
}

void web_api_problems(struct web_job *j, PGconn *conn)
{
	struct list_args a;
	char sql[4096], unit_id[24], limit[24];
	const char *params[9];
	PGresult *r;
	const char *cmp;

	memset(&a, 0, sizeof(a));
	if (!web_auth_session(j, conn) || !list_args_read(j, &a) || !web_begin(j, conn, NULL, NULL))
		goto done;
	if (a.unit != NULL && a.unit[0] != '\0' && !unit_filter(j, conn, a.unit, unit_id))
		goto done;
	snprintf(limit, sizeof(limit), "%ld", a.page);
	params[0] = a.status;
	params[1] = a.unit != NULL && a.unit[0] != '\0' ? unit_id : NULL;
	params[2] = a.overdue != NULL && strcmp(a.overdue, "1") == 0 ? "true" : "false";
	params[3] = a.q != NULL && a.q[0] != '\0' ? a.q : NULL;
	params[4] = a.after_value;
	params[5] = a.after_id;
	params[6] = limit;
	params[7] = a.level != NULL && a.level[0] != '\0' ? a.level : NULL;
	params[8] = a.source != NULL && a.source[0] != '\0' ? a.source : NULL;
	cmp = a.desc ? "<" : ">";
	/* Only whitelisted fragments go into the text; every value is a parameter. The search
	 * pattern has its LIKE wildcards escaped. */
	snprintf(sql, sizeof(sql),
		 "SELECT " LEDGER_PROBLEM_JSON "::text, p.id, %s::text"
		 " FROM duban.problems p JOIN duban.units u ON u.id = p.unit_id"
		 " CROSS JOIN (SELECT '%%' || replace(replace(replace(coalesce($4::text, ''),"
		 "   '\\', '\\\\'), '%%', '\\%%'), '_', '\\_') || '%%' AS pat) q"
		 " WHERE" LEDGER_LIST_WHERE
		 " AND ($4::text IS NULL OR p.ref ILIKE q.pat OR p.title ILIKE q.pat"
		 "      OR p.location ILIKE q.pat)"
		 " AND ($8::text IS NULL OR p.level = $8) AND ($9::text IS NULL OR p.source = $9)"
		 " AND ($5::text IS NULL OR (%s, p.id) %s ($5::%s, $6::bigint))"
		 " ORDER BY %s %s, p.id %s LIMIT $7::int",
		 a.key->expr, a.key->expr, cmp, a.key->cast, a.key->expr, a.desc ? "DESC" : "ASC",
		 a.desc ? "DESC" : "ASC");
	r = web_sql(j, conn, sql, 9, params);
	if (r == NULL)
		goto done;
	web_rollback(conn);
	reply_page(j, r, a.page);
	PQclear(r);
done:
	list_args_free(&a);
}

/* The ref in /api/problems/REF[/ACTION] (malloc'd) and the action after it (or NULL). */
static char *path_ref(const char *path, const char **action)
{
	const char *ref = path + strlen("/api/problems/");
	const char *slash = strrchr(ref, '/');

	*action = slash != NULL ? slash + 1 : NULL;
	return strndup(ref, slash != NULL ? (size_t)(slash - ref) : strlen(ref));
}

/* What this user may do to a problem in its status (SPEC §10 roles). */
static bool role_allows(const struct web_user *u, const char *action, int unit_id, int lead_id)
{
	if (strcmp(u->role, "office") == 0)
		return true;
	if (strcmp(u->role, "unit") != 0 || u->unit_id == 0)
		return false;
	if (strcmp(action, "progress") == 0 || strcmp(action, "apply") == 0)
		return unit_id == u->unit_id;
	if (strcmp(action, "accept") == 0 || strcmp(action, "reject") == 0)
		return lead_id == u->unit_id;
	return false;
}

/* The actions this user may take now, for the problem page. */
static json_t *allowed_actions(const struct web_user *u, const char *status, int unit_id,
			       int lead_id)
{
	static const char *const actions[] = { "progress", "apply", "accept", "reject", "object" };
	json_t *list = json_array();

	for (size_t i = 0; list != NULL && i < sizeof(actions) / sizeof(actions[0]); i++) {
		const struct ledger_transition *t = ledger_transition(actions[i]);
		bool fits = t != NULL ? strcmp(status, t->from) == 0 : strcmp(status, "closed") != 0;
		if (fits && role_allows(u, actions[i], unit_id, lead_id))
			json_array_append_new(list, json_string(actions[i]));
	}
	return list;
}

void web_api_problem(struct web_job *j, PGconn *conn)
{
	const char *action;
	char *ref = path_ref(j->path, &action);
	const char *params[1] = { ref };
	json_error_t jerr;
	json_t *p = NULL, *extra = NULL;
	PGresult *r = NULL, *ids = NULL;

	if (ref == NULL || action != NULL) {
		bool write = action != NULL && (strcmp(action, "progress") == 0 ||
						ledger_transition(action) != NULL);
		web_reply_error(j, write ? 405 : 404, write ? "method_not_allowed" : "not_found",
				write ? "%s 需要 POST" : "没有这个页面%.0s", action != NULL ? action : "");
		goto done;
	}
	if (!web_auth_session(j, conn) || !web_begin(j, conn, NULL, NULL) ||
	    (r = web_sql(j, conn, ledger_show_sql, 1, params)) == NULL ||
	    (ids = web_sql(j, conn, "SELECT status, unit_id, supervisor_ids[1] FROM duban.problems"
				    " WHERE ref = $1", 1, params)) == NULL)
		goto done;
	web_rollback(conn);
	if (PQntuples(r) == 0 || PQntuples(ids) == 0) {
		web_reply_error(j, 404, "not_found", "没有编号为 %.60s 的问题", ref);
		goto done;
	}
	p = json_loads(PQgetvalue(r, 0, 0), 0, &jerr);
	extra = json_loads(PQgetvalue(r, 0, 1), 0, &jerr);
	if (p == NULL || extra == NULL || json_object_update(p, extra) != 0 ||
	    json_object_set_new(p, "actions", allowed_actions(&j->user, PQgetvalue(ids, 0, 0),
							      atoi(PQgetvalue(ids, 0, 1)),
							      atoi(PQgetvalue(ids, 0, 2)))) != 0) {
		web_reply_error(j, 500, "internal", "内部错误");
		goto done;
	}
	web_reply_json(j, 200, p);
	p = NULL;
done:
	json_decref(p);
	json_decref(extra);
	PQclear(r);
	PQclear(ids);
	free(ref);
}

/* The body's fields for action; false (replied 400) when missing or bad. */
static bool read_body(struct web_job *j, const char *action, json_t **body, int *percent,
		      const char **note, const char **reason)
{
	const struct ledger_transition *t = ledger_transition(action);
	json_error_t jerr;
	json_t *v;

	*body = j->body_len > 0 ? json_loadb(j->body, j->body_len, 0, &jerr) : json_object();
	if (*body == NULL || !json_is_object(*body)) {
		web_reply_error(j, 400, "bad_request", "the body must be a JSON object");
		return false;
	}
	if (strcmp(action, "progress") == 0) {
		v = json_object_get(*body, "percent");
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100) {
			web_reply_error(j, 400, "bad_request", "percent must be a whole number 0-100");
			return false;
		}
		*percent = (int)json_integer_value(v);
		v = json_object_get(*body, "note");
		*note = json_is_string(v) ? json_string_value(v) : "";
		if (v != NULL && !json_is_string(v) && !json_is_null(v)) {
			web_reply_error(j, 400, "bad_request", "note must be text");
			return false;
		}
		return true;
	}
	v = json_object_get(*body, "reason");
	*reason = json_is_string(v) ? json_string_value(v) : NULL;
	if (t->needs_reason && (*reason == NULL || (*reason)[strspn(*reason, " \t\r\n")] == '\0')) {
		web_reply_error(j, 400, "bad_request", "%s needs a reason", action);
		return false;
	}
	if (*reason != NULL && strlen(*reason) > REASON_MAX) {
		web_reply_error(j, 400, "bad_request", "reason is longer than %d bytes", REASON_MAX);
		return false;
	}
	return true;
}

static void do_progress(struct web_job *j, PGconn *conn, const char *ref, const char *id,
			int percent, const char *note)
{
	char pct[8];
	const char *params[3] = { id, pct, note };
	PGresult *r;

	snprintf(pct, sizeof(pct), "%d", percent);
	if ((r = web_sql(j, conn, ledger_progress_note_sql, 3, params)) == NULL)
		return;
	PQclear(r);
	if ((r = web_sql(j, conn, ledger_progress_set_sql, 2, params)) == NULL)
		return;
	PQclear(r);
	if (web_commit(j, conn))
		web_reply_json(j, 200, json_pack("{s:s, s:i, s:s}", "ref", ref, "progress", percent,
						 "note", note));
}

static void do_transition(struct web_job *j, PGconn *conn, const struct ledger_transition *t,
			  const char *ref)
{
	const char *params[1] = { ref };
	char status[16], date[16];
	bool dated = strcmp(t->action, "apply") == 0 || strcmp(t->action, "accept") == 0;
	PGresult *r = web_sql(j, conn, t->sql, 1, params);

	if (r == NULL)
		return;
	if (PQntuples(r) == 0) {   /* the row is locked: its status cannot have moved */
		PQclear(r);
		web_rollback(conn);
		web_reply_error(j, 500, "internal", "内部错误");
		return;
	}
	snprintf(status, sizeof(status), "%s", PQgetvalue(r, 0, 0));
	snprintf(date, sizeof(date), "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	if (web_commit(j, conn))
		web_reply_json(j, 200, json_pack("{s:s, s:s, s:s, s:s}", "ref", ref, "action",
						 t->action, "status", status,
						 dated ? "on" : "deadline", date));
}

/* Locks the problem and checks status and role; false when replied. */
static bool lock_and_check(struct web_job *j, PGconn *conn, const char *ref, const char *action,
			   char id[24])
{
	const struct ledger_transition *t = ledger_transition(action);
	const char *params[1] = { ref };
	PGresult *r = web_sql(j, conn, ledger_problem_lock_sql, 1, params);
	const char *status;
	bool ok = false;

	if (r == NULL)
		return false;
	if (PQntuples(r) == 0) {
		web_reply_error(j, 404, "not_found", "没有编号为 %.60s 的问题", ref);
	} else if (!role_allows(&j->user, action, atoi(PQgetvalue(r, 0, 2)),
				atoi(PQgetvalue(r, 0, 3)))) {
		web_reply_error(j, 403, "forbidden", "your role (%s) may not %s problem %.60s",
				j->user.role, action, ref);
	} else if (status = PQgetvalue(r, 0, 1), t != NULL && strcmp(status, t->from) != 0) {
		web_reply_error(j, 409, "conflict", "problem %.60s is %s; %s needs status %s", ref,
				status, action, t->from);
	} else if (t == NULL && strcmp(status, "closed") == 0) {
		web_reply_error(j, 409, "conflict", "problem %.60s is closed; progress needs an open"
				" problem (reopen it first)", ref);
	} else {
		snprintf(id, 24, "%s", PQgetvalue(r, 0, 0));
		ok = true;
	}
	PQclear(r);
	if (!ok)
		web_rollback(conn);
	return ok;
}

void web_api_problem_action(struct web_job *j, PGconn *conn)
{
	const char *action, *note = "", *reason = NULL;
	char *ref = path_ref(j->path, &action);
	char id[24];
	json_t *body = NULL;
	int percent = 0;
	bool known = action != NULL && (strcmp(action, "progress") == 0 ||
		     (ledger_transition(action) != NULL && strcmp(action, "reopen") != 0));

	if (ref == NULL || !known || ref[0] == '\0') {
		web_reply_error(j, 404, "not_found", "没有这个操作");
		goto done;
	}
	if (!web_auth_session(j, conn) || !web_auth_csrf(j))
		goto done;
	if (strcmp(j->user.role, "leader") == 0) {
		web_reply_error(j, 403, "forbidden", "your role (leader) may only read");
		goto done;
	}
	if (!read_body(j, action, &body, &percent, &note, &reason) ||
	    !web_begin(j, conn, action, reason) || !lock_and_check(j, conn, ref, action, id))
		goto done;
	if (strcmp(action, "progress") == 0)
		do_progress(j, conn, ref, id, percent, note);
	else
		do_transition(j, conn, ledger_transition(action), ref);
done:
	json_decref(body);
	free(ref);
}
