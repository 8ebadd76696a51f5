/* The console's read-only API besides the ledger (SPEC §10): GET /api/units (dubanctl unit
 * list's shape), GET /api/bulletin?period= (the bulletin as the sweep made and sent it), and
 * GET /api/dashboard (counts by status and level, overdue by unit, the next 30 days' deadlines;
 * the dashboard's reporting duties come from GET /api/reports, api_reports.c). */
#include "web.h"
#include "duban/ledger.h"

#include <stdlib.h>
#include <string.h>

void web_api_units(struct web_job *j, PGconn *conn)
{
	json_t *v;

	if (!web_auth_session(j, conn) || !web_begin(j, conn, NULL, NULL) ||
	    (v = web_sql_json(j, conn, ledger_units_sql, 0, NULL)) == NULL)
		return;
	web_rollback(conn);
	web_reply_json(j, 200, v);
}

/* The bulletin of a period (NULL: the latest), read from a notice the bulletin sweep made for
 * the office or leadership (each carries the whole body: the units; a unit's own line does
 * not), and the periods there are. */
static const char bulletin_sql[] =
	"SELECT json_build_object("
	" 'bulletin', (SELECT n.payload - 'recipient' - 'recipient_name' - 'role' - 'type'"
	"   FROM duban.notices n JOIN duban.units ru ON ru.id = n.unit_id"
	"   AND ru.kind IN ('office', 'leadership') WHERE n.type = 'bulletin'"
	"   AND ($1::text IS NULL OR n.payload->>'period' = $1)"
	"   ORDER BY n.payload->>'day' DESC, n.id LIMIT 1),"
	" 'periods', coalesce((SELECT json_agg(x.period ORDER BY x.day DESC) FROM"
	"   (SELECT DISTINCT n.payload->>'period' AS period, n.payload->>'day' AS day"
	"    FROM duban.notices n JOIN duban.units ru ON ru.id = n.unit_id"
	"    AND ru.kind IN ('office', 'leadership') WHERE n.type = 'bulletin') x), '[]'))";

void web_api_bulletin(struct web_job *j, PGconn *conn)
{
	char *period = web_query_param(j->query, "period");
	const char *params[1] = { period != NULL && period[0] != '\0' ? period : NULL };
	json_t *v, *b;

	if (!web_auth_session(j, conn) || !web_begin(j, conn, NULL, NULL) ||
	    (v = web_sql_json(j, conn, bulletin_sql, 1, params)) == NULL)
		goto done;
	web_rollback(conn);
	b = json_object_get(v, "bulletin");
	if (b == NULL || json_is_null(b)) {
		json_decref(v);
		web_reply_error(j, 404, "not_found", params[0] != NULL ? "没有 %.20s 的通报"
				: "还没有通报%.0s", params[0] != NULL ? params[0] : "");
		goto done;
	}
	if (json_object_set(b, "periods", json_object_get(v, "periods")) != 0) {
		json_decref(v);
		web_reply_error(j, 500, "internal", "内部错误");
		goto done;
	}
	json_incref(b);
	json_decref(v);
	web_reply_json(j, 200, b);
done:
	free(period);
}

static const char dashboard_sql[] =
	"SELECT json_build_object("
	" 'today', duban.today(),"
	" 'by_status', (SELECT json_object_agg(s.status, coalesce(c.n, 0)) FROM"
	"   unnest(ARRAY['rectifying', 'applied', 'publicizing', 'closed']) s(status)"
	"   LEFT JOIN (SELECT status, count(*) AS n FROM duban.problems GROUP BY status) c"
	"   ON c.status = s.status),"
	" 'by_level', (SELECT coalesce(json_agg(json_build_object('level', l.level, 'open', l.open,"
	"   'closed', l.closed) ORDER BY array_position(ARRAY['central', 'provincial',"
	"   'municipal', 'district'], l.level)), '[]') FROM (SELECT level,"
	"   count(*) FILTER (WHERE status <> 'closed') AS open,"
	"   count(*) FILTER (WHERE status = 'closed') AS closed FROM duban.problems GROUP BY level) l),"
	" 'overdue_total', (SELECT count(*) FROM duban.problems p WHERE p.status = 'rectifying'"
	"   AND p.ladder_due < duban.today()),"
	" 'overdue_by_unit', (SELECT coalesce(json_agg(json_build_object('unit', u.code,"
	"   'name', u.name, 'overdue', o.n) ORDER BY o.n DESC, u.code), '[]') FROM"
	"   (SELECT p.unit_id, count(*) AS n FROM duban.problems p WHERE p.status = 'rectifying'"
	"    AND p.ladder_due < duban.today() GROUP BY p.unit_id ORDER BY count(*) DESC"
	"    LIMIT 20) o JOIN duban.units u ON u.id = o.unit_id),"
	" 'due_soon', (SELECT coalesce(json_agg(json_build_object('ref', d.ref, 'title', d.title,"
	"   'unit', d.code, 'unit_name', d.name, 'due', d.ladder_due, 'progress', d.progress)"
	"   ORDER BY d.ladder_due, d.ref), '[]') FROM (SELECT p.ref, p.title, u.code, u.name,"
	"   p.ladder_due, p.progress FROM duban.problems p JOIN duban.units u ON u.id = p.unit_id"
	"   WHERE p.status = 'rectifying' AND p.ladder_due >= duban.today()"
	"   AND p.ladder_due <= duban.today() + 30 ORDER BY p.ladder_due, p.ref LIMIT 100) d))";

void web_api_dashboard(struct web_job *j, PGconn *conn)
{
	json_t *v;

	if (!web_auth_session(j, conn) || !web_begin(j, conn, NULL, NULL) ||
	    (v = web_sql_json(j, conn, dashboard_sql, 0, NULL)) == NULL)
		return;
	web_rollback(conn);
	web_reply_json(j, 200, v);
}
