/* The ledger statements shared by dubanctl and dubanweb (SPEC §4, §5, §10): the problem
 * object, the show and list queries, the status transitions and the progress note. Both
 * programs run exactly these texts, so no rule or shape is written twice. */
#ifndef DUBAN_LEDGER_H
#define DUBAN_LEDGER_H
#include <stdbool.h>

/* The problem object of SPEC §5 as a json_build_object(...) expression over
 * duban.problems p joined to its main unit u. */
#define LEDGER_PROBLEM_JSON \
	"json_build_object('ref', p.ref, 'level', p.level, 'source', p.source," \
	" 'category', p.category, 'title', p.title, 'location', p.location," \
	" 'unit', u.code, 'unit_name', u.name," \
	" 'supervisors', (SELECT json_agg(su.code ORDER BY s.ord) FROM unnest(p.supervisor_ids)" \
	"   WITH ORDINALITY s(id, ord) JOIN duban.units su ON su.id = s.id)," \
	" 'deadline', p.deadline, 'long_term', p.long_term, 'measures', p.measures," \
	" 'target', p.target, 'progress', p.progress, 'status', p.status," \
	" 'applied_on', p.applied_on, 'accepted_on', p.accepted_on, 'closed_on', p.closed_on," \
	" 'stage_done', p.stage_done, 'contact', p.contact, 'verified', p.verified," \
	" 'ordered', p.ordered, 'penalized', p.penalized, 'fine', trim_scale(p.fine)," \
	" 'investigated', p.investigated, 'detained_admin', p.detained_admin," \
	" 'detained_criminal', p.detained_criminal, 'interviewed', p.interviewed," \
	" 'accountable', p.accountable," \
	" 'due', p.ladder_due," \
	" 'overdue', p.status = 'rectifying' AND p.ladder_due < duban.today()," \
	" 'stage', duban.stage_name((SELECT l.stage FROM duban.ladders l" \
	"   WHERE l.problem_id = p.id))," \
	" 'created_at', date_trunc('second', p.created_at)," \
	" 'updated_at', date_trunc('second', p.updated_at))"

/* The filters of `problem list` and GET /api/problems over p: $1 status (or 'open', NULL: any),
 * $2 main unit id (NULL: any), $3 overdue only (boolean). */
#define LEDGER_LIST_WHERE \
	" ($1::text IS NULL OR p.status = $1" \
	"        OR ($1 = 'open' AND p.status <> 'closed'))" \
	"   AND ($2::int IS NULL OR p.unit_id = $2::int)" \
	"   AND (NOT $3::boolean OR (p.status = 'rectifying' AND p.ladder_due < duban.today()))"

/* One problem: column 0 the problem object, column 1 an object of its extras (supervisor
 * units, milestones, progress notes, history, notices); $1 ref. No row: unknown ref. */
extern const char ledger_show_sql[];

/* The whole ledger under the list filters, as one JSON array (ordered by id). */
extern const char ledger_list_sql[];

/* A status transition of SPEC §4: one guarded UPDATE (no read-then-write race); history and
 * notices come from the problems triggers with the action and reason of the transaction. */
struct ledger_transition {
	const char *action;    /* apply, accept, reject, object, reopen */
	const char *from;      /* the status the transition needs */
	const char *sql;       /* $1 ref [, $2 new deadline]; RETURNING status, date */
	bool needs_reason;
	bool needs_deadline;
};

/* The transition named action, or NULL. */
const struct ledger_transition *ledger_transition(const char *action);

/* Looks up a problem and locks its row: $1 ref → id, status, main unit id, lead supervisor id. */
extern const char ledger_problem_lock_sql[];

/* A progress note: $1 problem id, $2 percent, $3 note → on_date. Then ledger_progress_set_sql
 * with the same parameters sets the problem's current progress. */
extern const char ledger_progress_note_sql[];
extern const char ledger_progress_set_sql[];

/* Every unit as one JSON array of {code, name, kind, parent, channels}. */
extern const char ledger_units_sql[];

#endif
