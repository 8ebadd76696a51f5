/* How far the working-day calendar reaches (SPEC §3): the query both programs run, at the
 * duban clock's today, to warn before the calendar runs out. */
#ifndef DUBAN_CALENDAR_STATE_H
#define DUBAN_CALENDAR_STATE_H

/* One row: until (date: 31 December of the last year the calendar holds; NULL when it is
 * empty), until_days (int: days from today to until; NULL with until), missing (int: the
 * year to import — the current year when the calendar holds none of its dates, or from
 * 1 December the next year when it holds none of that; NULL when nothing is missing).
 * Needs duban.today(), i.e. the clock settings of the transaction. */
extern const char calendar_state_sql[];

#endif
