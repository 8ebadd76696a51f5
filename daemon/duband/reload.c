/* Configuration reload on SIGHUP: parse into a fresh struct, keep the running one when the
 * file is bad, keep the running database.dsn and http.listen (they need a restart), apply the
 * rest (log level and facility, poll interval; delivery settings are read at each use). */
#include "duban/daemon_reload.h"
#include "duban/daemon_core.h"
#include "duban/daemon_sdnotify.h"
#include "duban/daemon_sweep.h"
#include "duban/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reload_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Keeps the running value of a key that only takes effect at start. */
static void reload_keep(const char *key, char **running, char **fresh, bool warn)
{
	char *tmp;

	if (reload_same(*running, *fresh))
		return;
	if (warn)
		log_event(LOG_WARNING, "event=reload key=%s changed=1 applied=0 "
			  "note=\"needs a restart of duband\"", key);
	tmp = *fresh;
	*fresh = *running;
	*running = tmp;
}

void reload_config(struct duband *d)
{
	struct duban_config fresh;
	char err[1024], q[1100];

	sdnotify_reloading();
	if (config_load(&fresh, d->config_file, d->config_must_exist, err, sizeof(err)) != 0) {
		log_quote(err, q, sizeof(q));
		d->metrics.reload_errors++;
		log_event(LOG_ERR, "event=reload ok=0 error=%s note=\"running configuration kept\"", q);
		sdnotify_ready();
		duband_status(d);
		return;
	}
	/* A --dsn given at start overrides the file anyway: no warning then. */
	reload_keep("database.dsn", &d->cfg.dsn, &fresh.dsn, d->dsn_override == NULL);
	reload_keep("http.listen", &d->cfg.http_listen, &fresh.http_listen, true);
	if (fresh.log_facility != d->cfg.log_facility) {
		log_close();
		log_open("duband", fresh.log_facility, fresh.log_level, d->foreground);
	} else {
		log_set_level(fresh.log_level);
	}
	/* --once has no sweep timer: never arm one. */
	if (!d->once && fresh.poll_interval != d->cfg.poll_interval &&
	    sweep_set_interval(d->sweep, fresh.poll_interval) != 0)
		log_event(LOG_ERR, "event=reload error=\"cannot re-arm the sweep timer\"");
	config_free(&d->cfg);
	d->cfg = fresh;
	d->metrics.reloads++;
	log_event(LOG_INFO, "event=reload ok=1 file=%s poll_interval=%d window=%02d:%02d-%02d:%02d "
		  "concurrency=%d timeout=%d max_attempts=%d", d->config_file, d->cfg.poll_interval,
		  d->cfg.window_start / 60, d->cfg.window_start % 60, d->cfg.window_end / 60,
		  d->cfg.window_end % 60, d->cfg.concurrency, d->cfg.timeout, d->cfg.max_attempts);
	sdnotify_ready();
	duband_status(d);
}
