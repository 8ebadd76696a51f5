/* dubanctl notice list [--status S] / notice retry ID... | --dead: the outbox of
 * SPEC §8 and reviving notices that were given up on. */
#include "ctl_util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int cmd_notice_list(struct ctl *c)
{
	static const struct ctl_col cols[] = {
		{"id", "ID"}, {"type", "TYPE"}, {"unit", "UNIT"}, {"channel", "CHANNEL"},
		{"kind", "KIND"}, {"status", "STATUS"}, {"attempts", "ATTEMPTS"},
		{"problem", "PROBLEM"}, {"created_at", "CREATED"}, {"last_error", "LAST ERROR"},
		{NULL, NULL},
	};
	const char *params[1] = { c->status };
	int rc;

	if ((rc = ctl_need_args(c, 0, "notice list [--status pending|sent|dead]")) != 0)
		return rc;
	if (c->status != NULL && strcmp(c->status, "pending") != 0 &&
	    strcmp(c->status, "sent") != 0 && strcmp(c->status, "dead") != 0)
		return ctl_fail(EX_DATAERR, "unknown notice status '%s' (pending, sent, dead)",
				c->status);
	return ctl_list(c, cols,
			  "SELECT coalesce(json_agg(json_build_object('id', n.id, 'type', n.type,"
			  " 'unit', u.code, 'channel', n.channel_id, 'status', n.status,"
			  " 'attempts', n.attempts, 'kind', ch.kind, 'stage', n.payload->>'stage',"
			  " 'problem', p.ref, 'created_at', date_trunc('second', n.created_at),"
			  " 'next_attempt_at', date_trunc('second', n.next_attempt_at),"
			  " 'sent_at', date_trunc('second', n.sent_at),"
			  " 'last_error', n.last_error) ORDER BY n.id), '[]')"
			  " FROM duban.notices n JOIN duban.units u ON u.id = n.unit_id"
			  " LEFT JOIN duban.channels ch ON ch.id = n.channel_id"
			  " LEFT JOIN duban.problems p ON p.id = n.problem_id"
			  " WHERE $1::text IS NULL OR n.status = $1", 1, params);
}

/* Builds the {id,...} literal of the IDs given on the command line. */
static int id_array(struct ctl *c, char **out)
{
	size_t len = 3, pos = 1;
	long v;
	int rc;

	for (int i = 0; i < c->argc; i++)
		len += strlen(c->argv[i]) + 1;
	*out = malloc(len);
	if (*out == NULL)
		return ctl_fail(EX_SOFTWARE, "out of memory");
	(*out)[0] = '{';
	for (int i = 0; i < c->argc; i++) {
		if ((rc = ctl_int(c->argv[i], 1, LONG_MAX, "notice ID", &v)) != 0) {
			free(*out);
			*out = NULL;
			return rc;
		}
		pos += (size_t)snprintf(*out + pos, len - pos, "%s%ld", i > 0 ? "," : "", v);
	}
	snprintf(*out + pos, len - pos, "}");
	return 0;
}

/* Refuses IDs that name no notice (nothing is written then). */
static int check_ids(struct ctl *c, const char *ids)
{
	const char *params[1] = { ids };
	PGresult *r;
	int rc = ctl_run(c, &r, "SELECT string_agg(i::text, ', ' ORDER BY i) FROM unnest($1::bigint[]) i"
			 " WHERE NOT EXISTS (SELECT 1 FROM duban.notices n WHERE n.id = i)", 1, params);

	if (rc != 0)
		return rc;
	if (!PQgetisnull(r, 0, 0)) {
		rc = ctl_fail(EX_DATAERR, "no notice with id %s", PQgetvalue(r, 0, 0));
		ctl_rollback(c);
	}
	PQclear(r);
	return rc;
}

/* Revives the notices: *retried and *skipped (already sent) get the counts. */
static int revive(struct ctl *c, const char *ids, long *retried, long *skipped)
{
	const char *params[1] = { ids };
	PGresult *r;
	int rc = ctl_run(c, &r,
			 "WITH revived AS (UPDATE duban.notices SET status = 'pending', attempts = 0,"
			 "   next_attempt_at = duban.now()"
			 " WHERE status <> 'sent' AND CASE WHEN $1::bigint[] IS NULL"
			 "   THEN status = 'dead' ELSE id = ANY ($1::bigint[]) END RETURNING id)"
			 " SELECT (SELECT count(*) FROM revived),"
			 "  (SELECT count(*) FROM duban.notices WHERE status = 'sent'"
			 "    AND id = ANY (coalesce($1::bigint[], '{}')))", 1, params);

	if (rc != 0)
		return rc;
	*retried = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	*skipped = strtol(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	return 0;
}

int cmd_notice_retry(struct ctl *c)
{
	char *ids = NULL;
	long retried = 0, skipped = 0;
	int rc;

	if (c->dead == (c->argc > 0))
		return ctl_fail(EX_USAGE, "usage: dubanctl notice retry ID... | notice retry --dead");
	if (!c->dead && (rc = id_array(c, &ids)) != 0)
		return rc;
	rc = ctl_begin(c, "notice-retry", NULL);
	if (rc == 0 && ids != NULL)
		rc = check_ids(c, ids);
	if (rc == 0)
		rc = revive(c, ids, &retried, &skipped);
	free(ids);
	if (rc != 0 || (rc = ctl_commit(c)) != 0)
		return rc;
	if (c->json)
		return ctl_print_json(json_pack("{s:i, s:i}", "retried", (int)retried, "skipped_sent",
						(int)skipped));
	printf("%ld notice%s queued for retry", retried, retried == 1 ? "" : "s");
	if (skipped > 0)
		printf(" (%ld already sent, left alone)", skipped);
	putchar('\n');
	return 0;
}
