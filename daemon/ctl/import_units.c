/* dubanctl unit import FILE: loads units from CSV (code, name, kind, parent; English or
 * Chinese headers and kinds) all or nothing. A parent is a unit code, in the ledger or
 * anywhere in the same file; a unit that exists is updated, only where it differs. */
#include "import.h"
#include "duban/limits.h"
#include "duban/db.h"
#include "duban/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { U_CODE, U_NAME, U_KIND, U_PARENT, U_NCOLS };

static const char usage[] = "unit import FILE [--encoding utf-8|gbk]";

static const char *const code_words[] = {"code", "编码", "代码", "单位编码", "单位代码", NULL};
static const char *const name_words[] = {"name", "名称", "单位名称", "单位", NULL};
static const char *const kind_words[] = {"kind", "类型", "单位类型", "类别", NULL};
static const char *const parent_words[] = {"parent", "上级", "上级单位", "上级单位编码",
					   "上级编码", "parentcode", NULL};

static const struct imp_column unit_cols[U_NCOLS] = {
	[U_CODE] = {"code", "编码", 1, code_words, DUBAN_MAX_UNIT_CODE},
	[U_NAME] = {"name", "名称", 1, name_words, DUBAN_MAX_UNIT_NAME},
	[U_KIND] = {"kind", "类型", 1, kind_words},
	[U_PARENT] = {"parent", "上级单位", 0, parent_words},
};

static const char stage_sql[] =
	"CREATE TEMP TABLE imp_units (line int NOT NULL, code text, name text, kind text,"
	" parent text) ON COMMIT DROP";

/* Refs to codes twice, names twice, names of other units, unknown parents. */
static const char dup_code_sql[] =
	"SELECT line, format('unit %s appears twice: already on line %s', code, first),"
	" count(*) OVER () FROM (SELECT line, code, min(line) OVER (PARTITION BY code) AS first"
	" FROM pg_temp.imp_units WHERE code IS NOT NULL) d WHERE line > first"
	" ORDER BY line LIMIT " IMP_SQL_ERROR_LIMIT;

static const char dup_name_sql[] =
	"SELECT line, format('the name %s appears twice: already on line %s', name, first),"
	" count(*) OVER () FROM (SELECT line, name, min(line) OVER (PARTITION BY name) AS first"
	" FROM pg_temp.imp_units WHERE name IS NOT NULL) d WHERE line > first"
	" ORDER BY line LIMIT " IMP_SQL_ERROR_LIMIT;

static const char name_taken_sql[] =
	"SELECT s.line, format('the name %s already belongs to unit %s', s.name, u.code),"
	" count(*) OVER () FROM pg_temp.imp_units s JOIN duban.units u ON u.name = s.name"
	" WHERE u.code <> s.code ORDER BY s.line LIMIT " IMP_SQL_ERROR_LIMIT;

static const char parent_sql[] =
	"SELECT s.line, format('unknown parent unit %s (not a unit code in the ledger or in"
	" this file)', s.parent), count(*) OVER () FROM pg_temp.imp_units s"
	" WHERE s.parent IS NOT NULL"
	" AND NOT EXISTS (SELECT 1 FROM pg_temp.imp_units f WHERE f.code = s.parent)"
	" AND NOT EXISTS (SELECT 1 FROM duban.units u WHERE u.code = s.parent)"
	" ORDER BY s.line LIMIT " IMP_SQL_ERROR_LIMIT;

/* After the writes: units of the file that are their own ancestors. */
static const char cycle_sql[] =
	"WITH RECURSIVE up(start, id) AS ("
	"  SELECT u.id, u.parent_id FROM duban.units u"
	"  JOIN pg_temp.imp_units s ON s.code = u.code WHERE u.parent_id IS NOT NULL"
	"  UNION ALL SELECT up.start, u.parent_id FROM up JOIN duban.units u ON u.id = up.id"
	"  WHERE u.parent_id IS NOT NULL) CYCLE id SET looped USING path"
	" SELECT s.line, format('unit %s would be its own ancestor', s.code), count(*) OVER ()"
	" FROM pg_temp.imp_units s JOIN duban.units u ON u.code = s.code"
	" WHERE EXISTS (SELECT 1 FROM up WHERE up.start = u.id AND up.id = u.id)"
	" ORDER BY s.line LIMIT " IMP_SQL_ERROR_LIMIT;

static const char count_sql[] =
	"SELECT count(*) FILTER (WHERE u.id IS NULL),"
	" count(*) FILTER (WHERE u.id IS NOT NULL AND ((u.name, u.kind) IS DISTINCT FROM"
	"   (s.name, s.kind) OR ($1 AND u.parent_id IS DISTINCT FROM p.id)))"
	" FROM pg_temp.imp_units s LEFT JOIN duban.units u ON u.code = s.code"
	" LEFT JOIN duban.units p ON p.code = s.parent";

static const char upsert_sql[] =
	"INSERT INTO duban.units AS u (code, name, kind) SELECT code, name, kind"
	" FROM pg_temp.imp_units ORDER BY line"
	" ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind"
	" WHERE (u.name, u.kind) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind)";

static const char parent_update_sql[] =
	"UPDATE duban.units u SET parent_id = p.id FROM pg_temp.imp_units s"
	" LEFT JOIN duban.units p ON p.code = s.parent"
	" WHERE u.code = s.code AND u.parent_id IS DISTINCT FROM p.id";

/* Whether s is a valid unit code: [A-Za-z0-9_-]+. */
static int code_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* A code cell (the unit's own or its parent's); writes it, or NULL when empty or bad. */
static void row_code(struct imp *im, int col, int required)
{
	char *v = imp_cell(im, col);
	char show[64];

	if (v == NULL || (*v == '\0' && !required)) {
		imp_put_null(im);
		return;
	}
	if (*v == '\0')
		imp_error(im, im->rec.line, col, "empty: every unit needs a code");
	else if (!code_ok(v))
		imp_error(im, im->rec.line, col, "invalid unit code \"%s\" (letters, digits, _ and -"
			  " only)", imp_quote(show, sizeof(show), v));
	imp_put_text(im, code_ok(v) ? v : NULL);
}

static int unit_row(struct imp *im, const struct imp_units *units)
{
	char *name = imp_cell(im, U_NAME), *code = imp_cell(im, U_CODE), *parent;
	char msg[256];
	const char *kind;

	(void)units;
	imp_put_long(im, im->rec.line);
	row_code(im, U_CODE, 1);
	if (*name == '\0')
		imp_error(im, im->rec.line, U_NAME, "empty: every unit needs a name");
	imp_put_text(im, *name != '\0' ? name : NULL);
	if (parse_unit_kind(imp_cell(im, U_KIND), &kind, msg, sizeof(msg)) != 0) {
		imp_error(im, im->rec.line, U_KIND, "%s", msg);
		kind = "\\N";
	}
	imp_put_raw(im, kind);
	parent = imp_cell(im, U_PARENT);
	if (parent != NULL && *parent != '\0' && strcmp(parent, code) == 0)
		imp_error(im, im->rec.line, U_PARENT, "a unit cannot be its own parent");
	row_code(im, U_PARENT, 0);
	return imp_copy_row_end(im);
}

static int unit_check(struct imp *im, PGconn *conn, char *err, size_t errlen)
{
	if (imp_sql_errors(im, conn, dup_code_sql, 0, NULL, U_CODE, err, errlen) != 0 ||
	    imp_sql_errors(im, conn, dup_name_sql, 0, NULL, U_NAME, err, errlen) != 0 ||
	    imp_sql_errors(im, conn, name_taken_sql, 0, NULL, U_NAME, err, errlen) != 0)
		return -1;
	if (imp_has(im, U_PARENT) &&
	    imp_sql_errors(im, conn, parent_sql, 0, NULL, U_PARENT, err, errlen) != 0)
		return -1;
	return 0;
}

/* Counts what will change, then writes units and parents and checks for cycles. */
static int unit_apply(struct imp *im, PGconn *conn, long *added, long *updated, char *err,
		      size_t errlen)
{
	const char *params[1] = {imp_has(im, U_PARENT) ? "true" : "false"};
	PGresult *r = db_query(conn, count_sql, 1, params, err, errlen);

	if (r == NULL)
		return -1;
	*added = atol(PQgetvalue(r, 0, 0));
	*updated = atol(PQgetvalue(r, 0, 1));
	PQclear(r);
	if (imp_exec_count(conn, upsert_sql, 0, NULL, err, errlen) < 0)
		return -1;
	if (!imp_has(im, U_PARENT))
		return 0;
	if (imp_exec_count(conn, parent_update_sql, 0, NULL, err, errlen) < 0)
		return -1;
	return imp_sql_errors(im, conn, cycle_sql, 0, NULL, U_PARENT, err, errlen);
}

static const struct imp_kind unit_kind = {
	.usage = usage,
	.cols = unit_cols,
	.ncols = U_NCOLS,
	.stage_sql = stage_sql,
	.copy_sql = "COPY pg_temp.imp_units FROM STDIN",
	.row = unit_row,
	.check = unit_check,
	.apply = unit_apply,
};

int cmd_unit_import(struct ctl *c)
{
	return imp_run(c, &unit_kind);
}
