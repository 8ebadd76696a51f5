/* duband.conf (SPEC §2): one table of keys with defaults, range checks and
 * FILE:LINE errors; shared by duband and dubanctl. */
#ifndef DUBAN_CONFIG_H
#define DUBAN_CONFIG_H
#include <stdbool.h>
#include <stddef.h>

struct duban_config {
	char *path;              /* file read, or NULL when defaults only */
	char *dsn;               /* database.dsn; NULL = libpq defaults */
	int poll_interval;       /* daemon.poll_interval, seconds */
	char *timezone;          /* daemon.timezone */
	int window_start;        /* delivery.window start, minutes after midnight */
	int window_end;          /* delivery.window end, minutes after midnight */
	bool workdays_only;      /* delivery.workdays_only */
	int concurrency;         /* delivery.concurrency */
	int timeout;             /* delivery.timeout, seconds */
	int max_attempts;        /* delivery.max_attempts */
	char *http_listen;       /* http.listen; "" = off */
	int log_level;           /* syslog priority: LOG_DEBUG .. LOG_ERR */
	int log_facility;        /* syslog facility */
	char *message_sender;    /* message.sender: named on the first line of every message */
	char *web_listen;        /* web.listen: the console; "" = off */
	char *web_public_listen; /* web.public_listen: the public pages; "" = off */
	char *web_base_url;      /* web.base_url: "" or http(s)://host[:port][/path] */
	char *web_objection_contact; /* web.objection_contact: shown on the public pages */
};

/* Fills cfg with the SPEC §2 defaults. */
int config_defaults(struct duban_config *cfg);

/* Resolves the file to read: cli_path, else $DUBAN_CONFIG, else the default
 * /etc/duban/duband.conf. *explicit is set when the file must exist. */
const char *config_path(const char *cli_path, bool *explicit_path);

/* Loads defaults then the file at path. A missing default file means all
 * defaults. Returns 0, or -1 with "FILE:LINE: message" in err. */
int config_load(struct duban_config *cfg, const char *path, bool must_exist,
		char *err, size_t errlen);

/* Loads defaults then text (len bytes, any content) as if it were the file name: the same
 * checks and "NAME:LINE: message" errors as config_load (for the fuzz target). */
int config_load_text(struct duban_config *cfg, const char *name, const char *text, size_t len,
		     char *err, size_t errlen);

void config_free(struct duban_config *cfg);

/* Splits an http.listen value, "host:port" or "[v6]:port" (port 1..65535), into host (size
 * hostlen) and port. Returns 0 or -1 when malformed. */
int config_parse_listen(const char *listen, char *host, size_t hostlen, unsigned short *port);

/* Longest line accepted in the file, in bytes. */
#define CONFIG_MAX_LINE 8192

/* Checks the line syntax of a config file's text (len bytes) that inih would tolerate: text
 * after a section header, an unterminated header, a line that is neither [section] nor
 * key = value, a key given twice, a NUL byte, a line over CONFIG_MAX_LINE. Returns 0, or the
 * first bad line's number (from 1) with the message in msg. */
int config_lint(const char *text, size_t len, char *msg, size_t msglen);

/* Every documented key, "section.key", NULL-terminated (for docs and tests). */
extern const char *const config_keys[];

#endif
