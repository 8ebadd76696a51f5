/* calendar_state: the one query that says how far the working-day calendar reaches and which
 * year is missing (SPEC §3; duban.calendar_state() in sql/12_calendar.sql), shared by dubanctl
 * status and the daemon's sweep. */
#include "duban/calendar_state.h"

const char calendar_state_sql[] = "SELECT until, until_days, missing FROM duban.calendar_state()";
