/* dubanctl channel import FILE: loads units' webhooks from CSV (unit, kind, url, secret,
 * mention ;-separated, rate, keyword) all or nothing, upserting on (unit, url). Secrets and URLs
 * (which carry tokens) are never repeated in messages. */
#include "import.h"
#include "duban/limits.h"
#include "duban/db.h"
#include "duban/parse.h"
#include "duban/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { CH_UNIT, CH_KIND, CH_URL, CH_SECRET, CH_MENTION, CH_RATE, CH_KEYWORD, CH_NCOLS };

static const char usage[] = "channel import FILE [--encoding utf-8|gbk]";

static const char *const unit_words[] = {"unit", "单位", "单位编码", "单位名称", "责任单位", NULL};
static const char *const kind_words[] = {"kind", "类型", "渠道", "渠道类型", "平台", NULL};
static const char *const url_words[] = {"url", "webhook", "地址", "网址", "链接", "webhook地址",
					NULL};
static const char *const secret_words[] = {"secret", "密钥", "加签密钥", "签名密钥", NULL};
static const char *const mention_words[] = {"mention", "mentions", "提醒", "提醒人", "@", "at",
					    NULL};
static const char *const rate_words[] = {"rate", "速率", "频率", "每分钟条数", NULL};
static const char *const keyword_words[] = {"keyword", "关键词", "自定义关键词", NULL};

static const struct imp_column channel_cols[CH_NCOLS] = {
	[CH_UNIT] = {"unit", "单位", 1, unit_words},
	[CH_KIND] = {"kind", "类型", 1, kind_words},
	[CH_URL] = {"url", "地址", 1, url_words, DUBAN_MAX_URL},
	[CH_SECRET] = {"secret", "密钥", 0, secret_words},
	[CH_MENTION] = {"mention", "提醒", 0, mention_words},
	[CH_RATE] = {"rate", "速率", 0, rate_words},
	[CH_KEYWORD] = {"keyword", "关键词", 0, keyword_words},
};

static const struct {
	const char *word, *kind;
} kinds[] = {
	{"json", "json"},         {"wecom", "wecom"},       {"企业微信", "wecom"},
	{"企微", "wecom"},        {"dingtalk", "dingtalk"}, {"钉钉", "dingtalk"},
	{"feishu", "feishu"},     {"飞书", "feishu"},       {"lark", "feishu"},
	{"slack", "slack"},
};

static const char stage_sql[] =
	"CREATE TEMP TABLE imp_channels (line int NOT NULL, unit_id int, kind text, url text,"
	" secret text, mention text[], rate int, keyword text) ON COMMIT DROP";

static const char dup_sql[] =
	"SELECT line, format('this unit''s URL appears twice: already on line %s', first),"
	" count(*) OVER () FROM (SELECT line, min(line) OVER (PARTITION BY unit_id, url) AS first"
	" FROM pg_temp.imp_channels WHERE unit_id IS NOT NULL AND url IS NOT NULL) d"
	" WHERE line > first ORDER BY line LIMIT " IMP_SQL_ERROR_LIMIT;

/* Optional columns an existing channel takes from the file when the file has them. */
static const struct {
	int col;
	const char *name;
} update_cols[] = {
	{CH_SECRET, "secret"}, {CH_MENTION, "mention"}, {CH_RATE, "rate"}, {CH_KEYWORD, "keyword"},
};

static void row_unit(struct imp *im, const struct imp_units *units)
{
	char *v = imp_cell(im, CH_UNIT), show[64];
	long id = imp_units_find(units, v);

	if (*v == '\0')
		imp_error(im, im->rec.line, CH_UNIT, "empty: every channel belongs to a unit");
	else if (id == 0)
		imp_error(im, im->rec.line, CH_UNIT, "unknown unit \"%s\" (neither the code nor the "
			  "exact name of a unit)", imp_quote(show, sizeof(show), v));
	if (id == 0)
		imp_put_null(im);
	else
		imp_put_long(im, id);
}

static void row_kind(struct imp *im)
{
	char *v = imp_cell(im, CH_KIND), show[64];

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcasecmp(v, kinds[i].word) == 0) {
			imp_put_raw(im, kinds[i].kind);
			return;
		}
	}
	imp_error(im, im->rec.line, CH_KIND, "unknown channel kind \"%s\" (allowed: json, "
		  "wecom/企业微信, dingtalk/钉钉, feishu/飞书, slack)", imp_quote(show, sizeof(show), v));
	imp_put_null(im);
}

/* The row's kind for checking its mentions (json, which mentions nobody, when unknown). */
static enum render_kind row_kind_of(struct imp *im)
{
	char *v = imp_cell(im, CH_KIND);
	enum render_kind kind = RENDER_JSON;

	for (size_t i = 0; v != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcasecmp(v, kinds[i].word) == 0 && render_kind_parse(kinds[i].kind, &kind) == 0)
			break;
	return kind;
}

/* http:// or https:// and then at least one character, none of them blank. */
static int url_ok(const char *s)
{
	size_t k = strncmp(s, "https://", 8) == 0 ? 8 : (strncmp(s, "http://", 7) == 0 ? 7 : 0);

	if (k == 0 || s[k] == '\0')
		return 0;
	for (s += k; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

static void row_url(struct imp *im)
{
	char *v = imp_cell(im, CH_URL);

	if (url_ok(v)) {
		imp_put_text(im, v);
		return;
	}
	imp_error(im, im->rec.line, CH_URL, *v == '\0' ? "empty: every channel needs its webhook URL"
		  : "not a webhook URL (http:// or https://, without blanks)");
	imp_put_null(im);
}

/* Appends list as a PostgreSQL array literal of quoted strings to out. */
static void mention_literal(char **list, char *out)
{
	char *o = out;

	*o++ = '{';
	for (size_t i = 0; list[i] != NULL; i++) {
		if (i > 0)
			*o++ = ',';
		*o++ = '"';
		for (const char *p = list[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				*o++ = '\\';
			*o++ = *p;
		}
		*o++ = '"';
	}
	*o++ = '}';
	*o = '\0';
}

static void row_mention(struct imp *im)
{
	char *v = imp_cell(im, CH_MENTION), **list, *lit, msg[256];
	size_t n;

	if (v == NULL) {
		imp_put_null(im);
		return;
	}
	if (parse_list(v, &list, &n, msg, sizeof(msg)) != 0) {
		imp_error(im, im->rec.line, CH_MENTION, "%s", msg);
		imp_put_null(im);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *why = render_mention_refusal(row_kind_of(im), list[i]);

		if (why != NULL) {
			imp_error(im, im->rec.line, CH_MENTION, "%s: %s", list[i], why);
			imp_put_null(im);
			parse_list_free(list);
			return;
		}
	}
	lit = malloc(2 * strlen(v) + 3 * n + 3);
	if (lit == NULL) {
		imp_error(im, im->rec.line, CH_MENTION, "out of memory");
		imp_put_null(im);
	} else {
		mention_literal(list, lit);
		imp_put_text(im, lit);
	}
	free(lit);
	parse_list_free(list);
}

static void row_rate(struct imp *im)
{
	char *v = imp_cell(im, CH_RATE), *end, show[64];
	long rate;

	if (v == NULL || *v == '\0') {
		imp_put_null(im);
		return;
	}
	rate = *v >= '0' && *v <= '9' ? strtol(v, &end, 10) : 0;
	if (rate < 1 || rate > 100000 || *end != '\0') {
		imp_error(im, im->rec.line, CH_RATE, "invalid rate \"%s\" (messages a minute, a whole"
			  " number from 1; empty for the kind's default)",
			  imp_quote(show, sizeof(show), v));
		imp_put_null(im);
		return;
	}
	imp_put_long(im, rate);
}

/* The robot's keyword: one word or phrase of at most 64 bytes; empty for none. */
static void row_keyword(struct imp *im)
{
	char *v = imp_cell(im, CH_KEYWORD);

	if (v == NULL || *v == '\0') {
		imp_put_null(im);
		return;
	}
	if (strlen(v) > 64 || strpbrk(v, "\r\n\t") != NULL) {
		imp_error(im, im->rec.line, CH_KEYWORD, "a keyword is one word or phrase of at most 64 bytes");
		imp_put_null(im);
		return;
	}
	imp_put_text(im, v);
}

static int channel_row(struct imp *im, const struct imp_units *units)
{
	char *secret = imp_cell(im, CH_SECRET);

	imp_put_long(im, im->rec.line);
	row_unit(im, units);
	row_kind(im);
	row_url(im);
	imp_put_text(im, secret != NULL && *secret != '\0' ? secret : NULL);
	row_mention(im);
	row_rate(im);
	row_keyword(im);
	return imp_copy_row_end(im);
}

static int channel_check(struct imp *im, PGconn *conn, char *err, size_t errlen)
{
	return imp_sql_errors(im, conn, dup_sql, 0, NULL, CH_URL, err, errlen);
}

/* The upsert, counting added and updated rows. */
static int channel_apply(struct imp *im, PGconn *conn, long *added, long *updated, char *err,
			 size_t errlen)
{
	char sql[2048], set[256] = "kind = EXCLUDED.kind", old[128] = "c.kind",
	     new[160] = "EXCLUDED.kind";
	PGresult *r;

	for (size_t i = 0; i < sizeof(update_cols) / sizeof(update_cols[0]); i++) {
		const char *n = update_cols[i].name;
		if (!imp_has(im, update_cols[i].col))
			continue;
		snprintf(set + strlen(set), sizeof(set) - strlen(set), ", %s = EXCLUDED.%s", n, n);
		snprintf(old + strlen(old), sizeof(old) - strlen(old), ", c.%s", n);
		snprintf(new + strlen(new), sizeof(new) - strlen(new), ", EXCLUDED.%s", n);
	}
	snprintf(sql, sizeof(sql),
		 "WITH w AS (INSERT INTO duban.channels AS c (unit_id, kind, url, secret, mention,"
		 " rate, keyword) SELECT unit_id, kind, url, secret, coalesce(mention, '{}'), rate,"
		 " keyword"
		 " FROM pg_temp.imp_channels ORDER BY line ON CONFLICT (unit_id, url) DO UPDATE"
		 " SET %s WHERE (%s) IS DISTINCT FROM (%s) RETURNING xmax = 0 AS added)"
		 " SELECT count(*) FILTER (WHERE added), count(*) FILTER (WHERE NOT added) FROM w",
		 set, old, new);
	r = db_query(conn, sql, 0, NULL, err, errlen);
	if (r == NULL)
		return -1;
	*added = atol(PQgetvalue(r, 0, 0));
	*updated = atol(PQgetvalue(r, 0, 1));
	PQclear(r);
	return 0;
}

static const struct imp_kind channel_kind = {
	.usage = usage,
	.cols = channel_cols,
	.ncols = CH_NCOLS,
	.units = 1,
	.stage_sql = stage_sql,
	.copy_sql = "COPY pg_temp.imp_channels FROM STDIN",
	.row = channel_row,
	.check = channel_check,
	.apply = channel_apply,
};

int cmd_channel_import(struct ctl *c)
{
	return imp_run(c, &channel_kind);
}
