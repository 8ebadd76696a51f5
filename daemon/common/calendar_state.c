/* calendar_state: the one query that says how far the working-day calendar reaches and which
 * year is missing (SPEC §3), shared by dubanctl status and the daemon's sweep. */
#include "duban/calendar_state.h"

const char calendar_state_sql[] =
	"WITH t AS (SELECT duban.today() AS today,"
	"   extract(year FROM duban.today())::int AS y,"
	"   extract(month FROM duban.today())::int AS m),"
	" c AS (SELECT make_date(extract(year FROM max(day))::int, 12, 31) AS until"
	"   FROM duban.calendar)"
	" SELECT c.until, c.until - t.today AS until_days,"
	"  CASE WHEN NOT EXISTS (SELECT FROM duban.calendar WHERE day >= make_date(t.y, 1, 1)"
	"                        AND day < make_date(t.y + 1, 1, 1)) THEN t.y"
	"       WHEN t.m = 12 AND NOT EXISTS (SELECT FROM duban.calendar"
	"        WHERE day >= make_date(t.y + 1, 1, 1) AND day < make_date(t.y + 2, 1, 1))"
	"       THEN t.y + 1 END AS missing"
	" FROM t, c";
