/* The ledger statements dubanctl and dubanweb share (see duban/ledger.h). */
#include "duban/ledger.h"

#include <stddef.h>
#include <string.h>

const char ledger_show_sql[] =
	"SELECT " LEDGER_PROBLEM_JSON ", json_build_object("
	" 'supervisor_units', (SELECT json_agg(json_build_object('code', su.code, 'name', su.name,"
	"   'lead', s.ord = 1) ORDER BY s.ord) FROM unnest(p.supervisor_ids)"
	"   WITH ORDINALITY s(id, ord) JOIN duban.units su ON su.id = s.id),"
	" 'milestones', coalesce((SELECT json_agg(json_build_object('due', m.due, 'target', m.target,"
	"   'done_on', m.done_on) ORDER BY m.due) FROM duban.milestones m"
	"   WHERE m.problem_id = p.id), '[]'),"
	" 'progress_notes', coalesce((SELECT json_agg(json_build_object('on_date', pn.on_date,"
	"   'at', date_trunc('second', pn.at), 'percent', pn.percent, 'note', pn.note,"
	"   'actor', pn.actor) ORDER BY pn.id) FROM duban.progress_notes pn"
	"   WHERE pn.problem_id = p.id), '[]'),"
	" 'history', coalesce((SELECT json_agg(json_build_object("
	"   'at', date_trunc('second', h.at), 'actor', h.actor,"
	"   'action', h.action, 'detail', h.detail) ORDER BY h.id) FROM duban.problem_history h"
	"   WHERE h.problem_id = p.id), '[]'),"
	" 'notices', coalesce((SELECT json_agg(json_build_object('id', n.id, 'type', n.type,"
	"   'stage', n.payload->>'stage', 'unit', nu.code, 'channel', n.channel_id,"
	"   'kind', ch.kind, 'status', n.status, 'attempts', n.attempts,"
	"   'created_at', date_trunc('second', n.created_at),"
	"   'sent_at', date_trunc('second', n.sent_at), 'last_error', n.last_error)"
	"   ORDER BY n.id) FROM duban.notices n JOIN duban.units nu ON nu.id = n.unit_id"
	"   LEFT JOIN duban.channels ch ON ch.id = n.channel_id WHERE n.problem_id = p.id), '[]'))"
	" FROM duban.problems p JOIN duban.units u ON u.id = p.unit_id WHERE p.ref = $1";

const char ledger_list_sql[] =
	"SELECT coalesce(json_agg(" LEDGER_PROBLEM_JSON " ORDER BY p.id), '[]')"
	" FROM duban.problems p JOIN duban.units u ON u.id = p.unit_id WHERE" LEDGER_LIST_WHERE;

static const struct ledger_transition transitions[] = {
	{ "apply", "rectifying",
	  "UPDATE duban.problems SET status = 'applied', applied_on = duban.today()"
	  " WHERE ref = $1 AND status = 'rectifying' RETURNING status, applied_on::text",
	  false, false },
	{ "accept", "applied",
	  "UPDATE duban.problems SET status = 'publicizing', accepted_on = duban.today()"
	  " WHERE ref = $1 AND status = 'applied' RETURNING status, accepted_on::text",
	  false, false },
	{ "reject", "applied",
	  "UPDATE duban.problems SET status = 'rectifying', applied_on = NULL"
	  " WHERE ref = $1 AND status = 'applied' RETURNING status, deadline::text",
	  true, false },
	{ "object", "publicizing",
	  "UPDATE duban.problems SET status = 'rectifying', applied_on = NULL, accepted_on = NULL"
	  " WHERE ref = $1 AND status = 'publicizing' RETURNING status, deadline::text",
	  true, false },
	{ "reopen", "closed",
	  "UPDATE duban.problems SET status = 'rectifying', deadline = $2::date,"
	  " applied_on = NULL, accepted_on = NULL, closed_on = NULL"
	  " WHERE ref = $1 AND status = 'closed' RETURNING status, deadline::text",
	  true, true },
};

const struct ledger_transition *ledger_transition(const char *action)
{
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if (strcmp(transitions[i].action, action) == 0)
			return &transitions[i];
	return NULL;
}

const char ledger_problem_lock_sql[] =
	"SELECT id, status, unit_id, supervisor_ids[1] FROM duban.problems WHERE ref = $1"
	" FOR UPDATE";

const char ledger_progress_note_sql[] =
	"INSERT INTO duban.progress_notes (problem_id, percent, note)"
	" VALUES ($1::bigint, $2::smallint, $3) RETURNING on_date::text";

const char ledger_progress_set_sql[] =
	"UPDATE duban.problems SET progress = $2::smallint WHERE id = $1::bigint";

const char ledger_units_sql[] =
	"SELECT coalesce(json_agg(json_build_object('code', u.code, 'name', u.name,"
	" 'kind', u.kind, 'parent', pu.code,"
	" 'channels', (SELECT count(*) FROM duban.channels ch WHERE ch.unit_id = u.id))"
	" ORDER BY u.id), '[]') FROM duban.units u"
	" LEFT JOIN duban.units pu ON pu.id = u.parent_id";
