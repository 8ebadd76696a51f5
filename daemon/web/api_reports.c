/* GET /api/reports?period=YYYY-MM: the reporting duties due in a month (default: this month)
 * for the dashboard — each schedule's period due then, its due day, how many units it obliges,
 * how many have submitted (and how many of those late), the units that have not, and the table
 * sent to the office on the due day (schedule add --table; null: none). Who owes
 * what is duban.report_duty (sql/46_reports.sql), the rule the reminder and missed sweep uses. */
#include "web.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char reports_sql[] =
	"SELECT jsonb_build_object('month', to_char(m.first, 'YYYY-MM'), 'today', duban.today(),"
	" 'duties', coalesce((SELECT jsonb_agg(jsonb_build_object('schedule', sd.schedule,"
	"   'kind', sd.kind, 'label', sd.label, 'period', sd.period, 'due', sd.due,"
	"   'obliged', x.obliged, 'submitted', x.submitted, 'late', x.late,"
	"   'missing', x.missing, 'table', (SELECT s.table_name FROM duban.schedules s"
	"     WHERE s.name = sd.schedule)) ORDER BY sd.due, sd.schedule)"
	"  FROM duban.schedule_dues(m.first, (m.first + interval '1 month - 1 day')::date) sd"
	"  CROSS JOIN LATERAL (SELECT count(*) AS obliged, count(d.submitted_at) AS submitted,"
	"   count(*) FILTER (WHERE d.late) AS late,"
	"   coalesce(jsonb_agg(jsonb_build_object('unit', u.code, 'name', u.name)"
	"     || CASE WHEN d.problems IS NULL THEN '{}'::jsonb"
	"        ELSE jsonb_build_object('problems', to_jsonb(d.problems)) END ORDER BY u.code)"
	"     FILTER (WHERE d.submitted_at IS NULL), '[]') AS missing"
	"   FROM duban.report_duty(sd.schedule, sd.period, sd.due) d"
	"   JOIN duban.units u ON u.id = d.unit_id) x), '[]'))"
	" FROM (SELECT coalesce(to_date($1, 'YYYY-MM'),"
	"  date_trunc('month', duban.today())::date) AS first) m";

/* A month YYYY-MM with a month 01..12. */
static bool month_valid(const char *s)
{
	if (strlen(s) != 7 || s[4] != '-')
		return false;
	for (int i = 0; i < 7; i++)
		if (i != 4 && !isdigit((unsigned char)s[i]))
			return false;
	return (s[5] == '0' && s[6] >= '1') || (s[5] == '1' && s[6] <= '2');
}

void web_api_reports(struct web_job *j, PGconn *conn)
{
	char *period = web_query_param(j->query, "period");
	const char *params[1] = { period != NULL && period[0] != '\0' ? period : NULL };
	json_t *v;

	if (!web_auth_session(j, conn))
		goto done;
	if (params[0] != NULL && !month_valid(params[0])) {
		web_reply_error(j, 400, "bad_request", "period 应为月份,如 2026-03");
		goto done;
	}
	if (!web_begin(j, conn, NULL, NULL) ||
	    (v = web_sql_json(j, conn, reports_sql, 1, params)) == NULL)
		goto done;
	web_rollback(conn);
	web_reply_json(j, 200, v);
done:
	free(period);
}
