/* SIGHUP: read the configuration file again into a new struct and swap it in only when valid,
 * with RELOADING=1/READY=1 around it and a warning for keys that need a restart. */
#ifndef DUBAN_DAEMON_RELOAD_H
#define DUBAN_DAEMON_RELOAD_H

struct duband;

void reload_config(struct duband *d);

#endif
