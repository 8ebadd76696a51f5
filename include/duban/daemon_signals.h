/* duband's signals as libevent signal events (so handlers may do real work): SIGTERM and
 * SIGINT stop gracefully (a second one exits at once), SIGHUP reloads the configuration;
 * SIGPIPE is ignored. */
#ifndef DUBAN_DAEMON_SIGNALS_H
#define DUBAN_DAEMON_SIGNALS_H

struct duband;
struct signals;

struct signals *signals_setup(struct duband *d);
void signals_free(struct signals *s);

#endif
