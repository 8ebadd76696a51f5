/* dubanctl channel add / channel list: the webhooks of each unit (SPEC §4).
 * Listings never show a token: URLs are redacted and secrets shown as ***. */
#include "ctl_util.h"
#include "duban/limits.h"
#include "duban/db.h"
#include "duban/log.h"
#include "duban/parse.h"
#include "duban/render.h"

#include <stdlib.h>
#include <string.h>

static const char channel_add_usage[] =
	"channel add UNIT --kind KIND --url URL [--secret S] [--mention A,B] [--rate N] [--keyword W]";

static int check_kind(const char *kind)
{
	static const char *const kinds[] = { "json", "wecom", "dingtalk", "feishu", "slack" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return 0;
	return ctl_fail(EX_DATAERR, "unknown channel kind '%s' (json, wecom, dingtalk, feishu, slack)",
			kind);
}

static int check_url(const char *url)
{
	if ((strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0) &&
	    url[strcspn(url, " \t\r\n")] == '\0' && strlen(url) > 8)
		return 0;
	return ctl_fail(EX_DATAERR, "--url must be an http:// or https:// URL without spaces");
}

/* Joins the --mention list with newlines (string_to_array splits it in SQL), each item
 * checked for the kind (Feishu cannot mention by mobile, …). */
static int mention_lines(const char *kind_name, const char *mention, char **out)
{
	char err[128], **items;
	size_t n, len = 1, pos = 0;
	enum render_kind kind;

	if (parse_list(mention != NULL ? mention : "", &items, &n, err, sizeof(err)) != 0)
		return ctl_fail(EX_SOFTWARE, "%s", err);
	for (size_t i = 0; i < n && render_kind_parse(kind_name, &kind) == 0; i++) {
		const char *why = render_mention_refusal(kind, items[i]);

		if (why != NULL) {
			int rc = ctl_fail(EX_DATAERR, "--mention %s: %s", items[i], why);

			parse_list_free(items);
			return rc;
		}
	}
	for (size_t i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	*out = malloc(len);
	if (*out == NULL) {
		parse_list_free(items);
		return ctl_fail(EX_SOFTWARE, "out of memory");
	}
	(*out)[0] = '\0';
	for (size_t i = 0; i < n; i++)
		pos += (size_t)snprintf(*out + pos, len - pos, "%s%s", i > 0 ? "\n" : "", items[i]);
	parse_list_free(items);
	return 0;
}

static int channel_insert(struct ctl *c, const char *unit_id, const char *mention,
			  const char *rate, char id[24])
{
	const char *params[7] = { unit_id, c->kind, c->url,
				  c->secret != NULL && *c->secret != '\0' ? c->secret : NULL,
				  mention, rate,
				  c->keyword != NULL && *c->keyword != '\0' ? c->keyword : NULL };
	char err[1024];
	PGresult *r;
	int rc = ctl_try(c, &r,
			 "INSERT INTO duban.channels (unit_id, kind, url, secret, mention, rate, keyword)"
			 " VALUES ($1::int, $2, $3, $4,"
			 " coalesce(string_to_array(nullif($5, ''), E'\\n'), '{}'),"
			 " $6::int, $7) RETURNING id",
			 7, params, err, sizeof(err));

	if (rc != 0 && strcmp(db_last_sqlstate(), "23505") == 0)
		return ctl_fail(EX_DATAERR, "unit %s already has a channel with this URL", c->argv[0]);
	if (rc != 0)
		return ctl_fail(rc, "%s", err);
	snprintf(id, 24, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

/* Validates the options; rate gets the --rate text or NULL. */
static int channel_add_check(struct ctl *c)
{
	long rate;
	int rc;

	if ((rc = ctl_need_args(c, 1, channel_add_usage)) != 0 ||
	    (rc = ctl_need_opt(c->kind, "channel add", "kind")) != 0 ||
	    (rc = ctl_need_opt(c->url, "channel add", "url")) != 0 ||
	    (rc = check_kind(c->kind)) != 0 || (rc = ctl_check_length("--url", c->url, DUBAN_MAX_URL)) != 0 ||
	    (rc = check_url(c->url)) != 0)
		return rc;
	if (c->keyword != NULL && (strlen(c->keyword) > 64 || strpbrk(c->keyword, "\r\n\t") != NULL))
		return ctl_fail(EX_DATAERR, "--keyword must be one word or phrase of at most 64 bytes");
	if (c->rate != NULL)
		return ctl_int(c->rate, 1, 100000, "--rate (messages a minute)", &rate);
	return 0;
}

static int channel_add_print(struct ctl *c, const char *id)
{
	char masked[2048];

	log_redact_url(c->url, masked, sizeof(masked));
	if (c->json)
		return ctl_print_json(json_pack("{s:I, s:s, s:s, s:s}", "id",
						(json_int_t)strtoll(id, NULL, 10), "unit", c->argv[0],
						"kind", c->kind, "url", masked));
	printf("channel %s added for unit %s: %s %s\n", id, c->argv[0], c->kind, masked);
	return 0;
}

int cmd_channel_add(struct ctl *c)
{
	char unit_id[24], id[24];
	char *mention = NULL;
	int rc;

	if ((rc = channel_add_check(c)) != 0 || (rc = mention_lines(c->kind, c->mention, &mention)) != 0)
		return rc;
	rc = ctl_begin(c, "channel-add", NULL);
	if (rc == 0)
		rc = ctl_unit_id(c, c->argv[0], unit_id);
	if (rc == 0)
		rc = channel_insert(c, unit_id, mention, c->rate, id);
	free(mention);
	if (rc == 0)
		rc = ctl_commit(c);
	return rc != 0 ? rc : channel_add_print(c, id);
}

/* Replaces each row's url with its redacted form. */
static int mask_urls(json_t *rows)
{
	size_t i;
	json_t *row;
	char masked[2048];

	json_array_foreach(rows, i, row) {
		const char *url = json_string_value(json_object_get(row, "url"));
		log_redact_url(url != NULL ? url : "", masked, sizeof(masked));
		if (json_object_set_new(row, "url", json_string(masked)) != 0)
			return ctl_fail(EX_SOFTWARE, "out of memory");
	}
	return 0;
}

int cmd_channel_list(struct ctl *c)
{
	static const struct ctl_col cols[] = {
		{"id", "ID"}, {"unit", "UNIT"}, {"kind", "KIND"}, {"url", "URL"},
		{"secret", "SECRET"}, {"mention", "MENTION"}, {"rate", "RATE/MIN"},
		{"keyword", "KEYWORD"}, {NULL, NULL},
	};
	const char *params[1] = { c->unit };
	json_t *rows;
	int rc;

	if ((rc = ctl_need_args(c, 0, "channel list [--unit U]")) != 0 ||
	    (rc = ctl_begin(c, NULL, NULL)) != 0)
		return rc;
	rc = ctl_run_json(c, &rows,
			  "SELECT coalesce(json_agg(json_build_object('id', ch.id, 'unit', u.code,"
			  " 'kind', ch.kind, 'url', ch.url,"
			  " 'secret', CASE WHEN ch.secret IS NOT NULL THEN '***' END,"
			  " 'mention', ch.mention, 'rate', duban.channel_rate(ch.kind, ch.rate), 'keyword', ch.keyword,"
			  " 'paused_until', date_trunc('second', ch.paused_until))"
			  " ORDER BY u.code, ch.id), '[]')"
			  " FROM duban.channels ch JOIN duban.units u ON u.id = ch.unit_id"
			  " WHERE $1::text IS NULL OR u.code = $1 OR u.name = $1", 1, params);
	ctl_rollback(c);
	if (rc == 0)
		rc = mask_urls(rows);
	if (rc == 0 && c->json)
		return ctl_print_json(rows);
	if (rc == 0)
		rc = ctl_print_table(rows, cols);
	json_decref(rows);
	return rc;
}
