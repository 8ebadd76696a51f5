/* dubanweb's configuration reload on SIGHUP, like duband's: the file is read into a fresh
 * struct and swapped in only when it is valid (a bad file is logged at err and the running
 * configuration kept). Applied at once: log.level, web.base_url (the cookie's Secure flag) and
 * web.objection_contact (the public page is rendered again). Keys that take effect only at
 * start keep their running values, each logged as needing a restart: web.listen,
 * web.public_listen, database.dsn, daemon.timezone, log.facility. Runs on the loop thread
 * (which alone renders the public page); worker threads read only values a reload never
 * replaces (the dsn and the file's path keep their strings) and the atomic Secure flag. */
#include "web.h"
#include "duban/db.h"
#include "duban/log.h"

#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

static bool same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Keeps the running value of a key that takes effect only at start, and its very string even
 * when unchanged: w->dsn and the workers point into it. */
static void keep(const char *key, char **running, char **fresh, bool warn)
{
	char *tmp;

	if (warn && !same(*running, *fresh))
		log_event(LOG_WARNING, "event=reload key=%s changed=1 applied=0 "
			  "note=\"needs a restart of dubanweb\"", key);
	tmp = *fresh;
	*fresh = *running;
	*running = tmp;
}

static const char *level_name(int level)
{
	switch (level) {
	case LOG_DEBUG: return "debug";
	case LOG_INFO: return "info";
	case LOG_NOTICE: return "notice";
	case LOG_WARNING: return "warning";
	default: return "err";
	}
}

static void notify_reloading(void)
{
	struct timespec ts;
	char msg[96];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL);
	sd_notify(0, msg);
}

void web_reload(struct web *w)
{
	struct duban_config fresh;
	char err[1024], q[1100];
	bool contact_changed;

	notify_reloading();
	if (config_load(&fresh, w->config_file, w->config_must_exist, err, sizeof(err)) != 0) {
		log_quote(err, q, sizeof(q));
		log_event(LOG_ERR, "event=reload ok=0 error=%s note=\"running configuration kept\"", q);
		sd_notify(0, "READY=1\nSTATUS=serving");
		return;
	}
	/* A --dsn given at start overrides the file anyway: no warning then. */
	keep("database.dsn", &w->cfg.dsn, &fresh.dsn, w->dsn_override == NULL);
	keep("web.listen", &w->cfg.web_listen, &fresh.web_listen, true);
	keep("web.public_listen", &w->cfg.web_public_listen, &fresh.web_public_listen, true);
	keep("daemon.timezone", &w->cfg.timezone, &fresh.timezone, true);
	keep("config", &w->cfg.path, &fresh.path, false);
	if (fresh.log_facility != w->cfg.log_facility) {
		log_event(LOG_WARNING, "event=reload key=log.facility changed=1 applied=0 "
			  "note=\"needs a restart of dubanweb\"");
		fresh.log_facility = w->cfg.log_facility;
	}
	/* the more verbose level while the reload is told, so that its line is seen either way */
	log_set_level(fresh.log_level > w->cfg.log_level ? fresh.log_level : w->cfg.log_level);
	contact_changed = !same(fresh.web_objection_contact, w->cfg.web_objection_contact);
	config_free(&w->cfg);
	w->cfg = fresh;
	atomic_store(&w->secure_cookie, strncmp(w->cfg.web_base_url, "https://", 8) == 0);
	if (contact_changed)
		web_public_changed(w);
	log_quote(w->cfg.web_base_url, q, sizeof(q));
	log_event(LOG_INFO, "event=reload ok=1 file=%s log_level=%s base_url=%s secure_cookie=%d "
		  "objection_contact_changed=%d", w->config_file != NULL ? w->config_file : "-",
		  level_name(w->cfg.log_level), q, (int)atomic_load(&w->secure_cookie),
		  (int)contact_changed);
	log_set_level(w->cfg.log_level);
	sd_notify(0, "READY=1\nSTATUS=serving");
}
