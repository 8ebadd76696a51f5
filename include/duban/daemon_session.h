/* What duband does with its database connection's life: on every (re)connect check the schema
 * version, LISTEN duban_wake, report READY and run a catch-up sweep; on loss mark the database
 * unavailable; on NOTIFY duban_wake from another backend sweep at once. */
#ifndef DUBAN_DAEMON_SESSION_H
#define DUBAN_DAEMON_SESSION_H
#include <stdbool.h>

struct duband;

/* pgconn hooks; arg is the struct duband. */
void session_up(void *arg, int backend_pid);
void session_down(void *arg, const char *why, bool was_up, double retry_in);
void session_notify(void *arg, const char *channel, int be_pid, const char *extra);

#endif
