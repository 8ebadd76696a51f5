/* dubanctl problem enforce REF [--verified V] [--ordered N] [--penalized N] [--fine WAN]
 * [--investigated N] [--detained-admin N] [--detained-criminal N] [--interviewed N]
 * [--accountable N]: the enforcement figures of seed 003's attachment 2 for one problem
 * (SPEC §4). Only the figures given change; the history records before → after. */
#include "ctl_util.h"
#include "duban/parse.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"problem enforce REF [--verified 属实|部分属实|不属实] [--ordered N] [--penalized N]"
	" [--fine WAN] [--investigated N] [--detained-admin N] [--detained-criminal N]"
	" [--interviewed N] [--accountable N]";

#define ENFORCE_COUNTS 7

/* The count options in the order of the UPDATE's parameters $4 … $10. */
static const char *const count_names[ENFORCE_COUNTS] = {
	"ordered", "penalized", "investigated", "detained-admin", "detained-criminal",
	"interviewed", "accountable",
};

struct enforce_values {
	const char *verified;            /* canonical word or NULL */
	char fine[32];
	int has_fine;
	char counts[ENFORCE_COUNTS][16];
	const char *count_param[ENFORCE_COUNTS];
};

static int enforce_parse(struct ctl *c, struct enforce_values *v)
{
	const char *const given[ENFORCE_COUNTS] = {
		c->ordered, c->penalized, c->investigated, c->detained_admin,
		c->detained_criminal, c->interviewed, c->accountable,
	};
	char err[256];
	int any = 0;

	memset(v, 0, sizeof(*v));
	if (c->verified != NULL) {
		if (parse_verified(c->verified, &v->verified, err, sizeof(err)) != 0)
			return ctl_fail(EX_DATAERR, "--verified: %s", err);
		if (v->verified == NULL)
			return ctl_fail(EX_DATAERR, "--verified is empty (属实, 部分属实 or 不属实)");
		any = 1;
	}
	if (c->fine != NULL) {
		if (parse_wan(c->fine, v->fine, sizeof(v->fine), err, sizeof(err)) != 0)
			return ctl_fail(EX_DATAERR, "--fine: %s", err);
		v->has_fine = any = 1;
	}
	for (int i = 0; i < ENFORCE_COUNTS; i++) {
		long n;

		if (given[i] == NULL)
			continue;
		if (parse_count(given[i], &n, err, sizeof(err)) != 0)
			return ctl_fail(EX_DATAERR, "--%s: %s", count_names[i], err);
		snprintf(v->counts[i], sizeof(v->counts[i]), "%ld", n);
		v->count_param[i] = v->counts[i];
		any = 1;
	}
	if (!any)
		return ctl_fail(EX_USAGE, "usage: dubanctl %s (give at least one figure)", usage);
	return 0;
}

static int enforce_write(struct ctl *c, const char *id, const struct enforce_values *v,
			 json_t **out)
{
	const char *params[11] = {id, v->verified, v->has_fine ? v->fine : NULL};

	for (int i = 0; i < ENFORCE_COUNTS; i++)
		params[3 + i] = v->count_param[i];
	return ctl_run_json(c, out,
		"UPDATE duban.problems SET verified = coalesce($2, verified),"
		" fine = coalesce($3::numeric, fine), ordered = coalesce($4::int, ordered),"
		" penalized = coalesce($5::int, penalized),"
		" investigated = coalesce($6::int, investigated),"
		" detained_admin = coalesce($7::int, detained_admin),"
		" detained_criminal = coalesce($8::int, detained_criminal),"
		" interviewed = coalesce($9::int, interviewed),"
		" accountable = coalesce($10::int, accountable)"
		" WHERE id = $1::bigint"
		" RETURNING json_build_object('ref', ref, 'verified', verified, 'ordered', ordered,"
		" 'penalized', penalized, 'fine', trim_scale(fine), 'investigated', investigated,"
		" 'detained_admin', detained_admin, 'detained_criminal', detained_criminal,"
		" 'interviewed', interviewed, 'accountable', accountable)", 10, params);
}

static void enforce_print(const json_t *o)
{
	const json_t *verified = json_object_get(o, "verified");

	printf("problem %s: 核实 %s, 责令整改 %lld 家, 立案处罚 %lld 家, 罚款 %g 万元, "
	       "立案侦查 %lld 件, 拘留 行政 %lld 人 刑事 %lld 人, 约谈 %lld 人, 问责 %lld 人\n",
	       json_string_value(json_object_get(o, "ref")),
	       json_is_string(verified) ? json_string_value(verified) : "未核实",
	       (long long)json_integer_value(json_object_get(o, "ordered")),
	       (long long)json_integer_value(json_object_get(o, "penalized")),
	       json_number_value(json_object_get(o, "fine")),
	       (long long)json_integer_value(json_object_get(o, "investigated")),
	       (long long)json_integer_value(json_object_get(o, "detained_admin")),
	       (long long)json_integer_value(json_object_get(o, "detained_criminal")),
	       (long long)json_integer_value(json_object_get(o, "interviewed")),
	       (long long)json_integer_value(json_object_get(o, "accountable")));
}

int cmd_problem_enforce(struct ctl *c)
{
	struct enforce_values v;
	char id[24], status[16];
	json_t *row = NULL;
	int rc;

	if ((rc = ctl_need_args(c, 1, usage)) != 0 || (rc = enforce_parse(c, &v)) != 0)
		return rc;
	if ((rc = ctl_begin(c, "enforce", NULL)) != 0 ||
	    (rc = ctl_problem_id(c, c->argv[0], id, status)) != 0 ||
	    (rc = enforce_write(c, id, &v, &row)) != 0 || (rc = ctl_commit(c)) != 0) {
		json_decref(row);
		return rc;
	}
	if (c->json)
		return ctl_print_json(row);
	enforce_print(row);
	json_decref(row);
	return 0;
}
