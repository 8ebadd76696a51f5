/* Parses duband.conf with inih into struct duban_config, validating every
 * key and value; errors are reported as FILE:LINE: message. */
#include "duban/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#define DEFAULT_CONFIG DUBAN_SYSCONFDIR "/duband.conf"

const char *const config_keys[] = {
	"database.dsn", "daemon.poll_interval", "daemon.timezone", "delivery.window",
	"delivery.workdays_only", "delivery.concurrency", "delivery.timeout",
	"delivery.max_attempts", "http.listen", "log.level", "log.facility",
	"message.sender", "web.listen", "web.public_listen", "web.base_url", "web.objection_contact",
	NULL,
};

struct load_state {
	struct duban_config *cfg;
	char *err;
	size_t errlen;
	const char *file;
};

static int set_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

int config_defaults(struct duban_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->poll_interval = 60;
	cfg->window_start = 8 * 60 + 30;
	cfg->window_end = 18 * 60;
	cfg->workdays_only = true;
	cfg->concurrency = 8;
	cfg->timeout = 10;
	cfg->max_attempts = 10;
	cfg->log_level = LOG_INFO;
	cfg->log_facility = LOG_DAEMON;
	if (set_string(&cfg->timezone, "Asia/Shanghai") != 0 ||
	    set_string(&cfg->http_listen, "127.0.0.1:9187") != 0 ||
	    set_string(&cfg->message_sender, "整改办") != 0 ||
	    set_string(&cfg->web_listen, "127.0.0.1:8090") != 0 ||
	    set_string(&cfg->web_public_listen, "") != 0 || set_string(&cfg->web_base_url, "") != 0 ||
	    set_string(&cfg->web_objection_contact, "") != 0)
		return -1;
	return 0;
}

void config_free(struct duban_config *cfg)
{
	free(cfg->path);
	free(cfg->dsn);
	free(cfg->timezone);
	free(cfg->http_listen);
	free(cfg->message_sender);
	free(cfg->web_listen);
	free(cfg->web_public_listen);
	free(cfg->web_base_url);
	free(cfg->web_objection_contact);
	memset(cfg, 0, sizeof(*cfg));
}

const char *config_path(const char *cli_path, bool *explicit_path)
{
	const char *env = getenv("DUBAN_CONFIG");

	*explicit_path = true;
	if (cli_path != NULL)
		return cli_path;
	if (env != NULL && *env != '\0')
		return env;
	*explicit_path = false;
	return DEFAULT_CONFIG;
}

static int parse_int_range(const char *v, int lo, int hi, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

static int parse_bool_value(const char *v, bool *out)
{
	if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0 ||
	    strcasecmp(v, "on") == 0)
		*out = true;
	else if (strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 ||
		 strcmp(v, "0") == 0 || strcasecmp(v, "off") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

static int parse_hhmm(const char *v, int *minutes)
{
	int h, m, used = 0;

	if (sscanf(v, "%2d:%2d%n", &h, &m, &used) != 2 || h < 0 || h > 24 || m < 0 || m > 59 ||
	    (h == 24 && m != 0))
		return -1;
	*minutes = h * 60 + m;
	return used;
}

static int parse_window(const char *v, int *start, int *end)
{
	int used = parse_hhmm(v, start);

	if (used <= 0 || v[used] != '-')
		return -1;
	v += used + 1;
	used = parse_hhmm(v, end);
	if (used <= 0 || v[used] != '\0' || *end <= *start)
		return -1;
	return 0;
}

static int parse_level_name(const char *v, int *out)
{
	static const struct { const char *name; int prio; } levels[] = {
		{"debug", LOG_DEBUG}, {"info", LOG_INFO}, {"notice", LOG_NOTICE},
		{"warning", LOG_WARNING}, {"err", LOG_ERR}, {"error", LOG_ERR},
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcasecmp(v, levels[i].name) == 0) {
			*out = levels[i].prio;
			return 0;
		}
	return -1;
}

static int parse_facility_name(const char *v, int *out)
{
	static const struct { const char *name; int fac; } facilities[] = {
		{"daemon", LOG_DAEMON}, {"user", LOG_USER}, {"local0", LOG_LOCAL0},
		{"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
		{"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
		{"local7", LOG_LOCAL7},
	};

	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(v, facilities[i].name) == 0) {
			*out = facilities[i].fac;
			return 0;
		}
	return -1;
}

static int valid_timezone(const char *v)
{
	char path[512];

	if (*v == '\0' || strstr(v, "..") != NULL || v[0] == '/')
		return 0;
	if (strcmp(v, "UTC") == 0)
		return 1;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", v);
	return access(path, R_OK) == 0;
}

int config_parse_listen(const char *listen, char *host, size_t hostlen, unsigned short *port)
{
	const char *colon, *h = listen;
	size_t n;
	char *end;
	long p;

	if (*listen == '[') {
		const char *close = strchr(listen, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		h = listen + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (colon == NULL)
			return -1;
		n = (size_t)(colon - listen);
	}
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || p < 1 || p > 65535)
		return -1;
	*port = (unsigned short)p;
	return 0;
}

/* A listen key (http.listen, web.listen, web.public_listen): empty (off) or HOST:PORT. */
static const char *config_listen(char **slot, const char *v, const char *msg)
{
	char host[256];
	unsigned short port;

	if (*v != '\0' && config_parse_listen(v, host, sizeof(host), &port) != 0)
		return msg;
	return set_string(slot, v) == 0 ? NULL : "out of memory";
}

/* web.base_url: empty, or an http(s) URL without query, fragment, spaces or a trailing slash. */
static const char *config_base_url(struct duban_config *c, const char *v)
{
	const char *rest = strncmp(v, "https://", 8) == 0 ? v + 8
			   : strncmp(v, "http://", 7) == 0 ? v + 7 : NULL;

	if (*v != '\0' && (rest == NULL || *rest == '\0' || *rest == '/' ||
			    strpbrk(v, " \t?#\"'<>") != NULL || v[strlen(v) - 1] == '/'))
		return "web.base_url must be empty or an http:// or https:// address without a "
		       "query or a trailing slash (e.g. https://duban.example.gov.cn)";
	return set_string(&c->web_base_url, v) == 0 ? NULL : "out of memory";
}

/* message.sender: who the messages come from, named on their first line (1-40 bytes, one
 * line, no 【】 which would break the line's frame). */
static const char *config_sender(struct duban_config *c, const char *v)
{
	if (*v == '\0' || strlen(v) > 40 || strpbrk(v, "\r\n\t") != NULL || strstr(v, "【") != NULL ||
	    strstr(v, "】") != NULL)
		return "message.sender must be a name of 1 to 40 bytes on one line, without 【】 "
		       "(e.g. 清河区整改办)";
	return set_string(&c->message_sender, v) == 0 ? NULL : "out of memory";
}

/* Applies one key; returns NULL or the error message. */
static const char *config_apply(struct duban_config *c, const char *key, const char *v)
{
	if (strcmp(key, "database.dsn") == 0)
		return set_string(&c->dsn, v) == 0 ? NULL : "out of memory";
	if (strcmp(key, "daemon.poll_interval") == 0)
		return parse_int_range(v, 1, 86400, &c->poll_interval) == 0 ? NULL
			: "daemon.poll_interval must be an integer from 1 to 86400 (seconds)";
	if (strcmp(key, "daemon.timezone") == 0) {
		if (!valid_timezone(v))
			return "daemon.timezone is not a known time zone (e.g. Asia/Shanghai)";
		return set_string(&c->timezone, v) == 0 ? NULL : "out of memory";
	}
	if (strcmp(key, "delivery.window") == 0)
		return parse_window(v, &c->window_start, &c->window_end) == 0 ? NULL
			: "delivery.window must be HH:MM-HH:MM with the start before the end";
	if (strcmp(key, "delivery.workdays_only") == 0)
		return parse_bool_value(v, &c->workdays_only) == 0 ? NULL
			: "delivery.workdays_only must be true or false";
	if (strcmp(key, "delivery.concurrency") == 0)
		return parse_int_range(v, 1, 1024, &c->concurrency) == 0 ? NULL
			: "delivery.concurrency must be an integer from 1 to 1024";
	if (strcmp(key, "delivery.timeout") == 0)
		return parse_int_range(v, 1, 600, &c->timeout) == 0 ? NULL
			: "delivery.timeout must be an integer from 1 to 600 (seconds)";
	if (strcmp(key, "delivery.max_attempts") == 0)
		return parse_int_range(v, 1, 1000, &c->max_attempts) == 0 ? NULL
			: "delivery.max_attempts must be an integer from 1 to 1000";
	if (strcmp(key, "message.sender") == 0)
		return config_sender(c, v);
	if (strcmp(key, "http.listen") == 0)
		return config_listen(&c->http_listen, v,
				     "http.listen must be HOST:PORT (e.g. 127.0.0.1:9187) or empty (off)");
	if (strcmp(key, "web.listen") == 0)
		return config_listen(&c->web_listen, v,
				     "web.listen must be HOST:PORT (e.g. 127.0.0.1:8090) or empty (off)");
	if (strcmp(key, "web.public_listen") == 0)
		return config_listen(&c->web_public_listen, v,
				     "web.public_listen must be HOST:PORT (e.g. 0.0.0.0:8091) or empty (off)");
	if (strcmp(key, "web.base_url") == 0)
		return config_base_url(c, v);
	if (strcmp(key, "web.objection_contact") == 0)
		return set_string(&c->web_objection_contact, v) == 0 ? NULL : "out of memory";
	if (strcmp(key, "log.level") == 0)
		return parse_level_name(v, &c->log_level) == 0 ? NULL
			: "log.level must be one of debug, info, notice, warning, err";
	if (strcmp(key, "log.facility") == 0)
		return parse_facility_name(v, &c->log_facility) == 0 ? NULL
			: "log.facility must be daemon, user or local0..local7";
	return "unknown key";
}

/* Debian's inih passes no line number to handlers: the message is kept here
 * and ini_parse_string()'s return value (the bad line, as it stops on the first
 * error) is added after. */
static int config_handler(void *user, const char *section, const char *name,
			  const char *value)
{
	struct load_state *st = user;
	char key[256];
	const char *msg;

	if (st->err[0] != '\0')
		return 0; /* keep the first error */
	snprintf(key, sizeof(key), "%s.%s", section, name);
	msg = config_apply(st->cfg, key, value);
	if (msg == NULL)
		return 1;
	if (strcmp(msg, "unknown key") == 0)
		snprintf(st->err, st->errlen, "unknown key '%s'", key);
	else
		snprintf(st->err, st->errlen, "%s (got '%s')", msg, value);
	return 0;
}

/* Reads the whole file (config files are small) into a NUL-terminated buffer. */
static char *read_text(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	while (buf != NULL) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
		if (n + 1 == cap) {
			char *grown = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;

			if (grown == NULL) {
				free(buf);
				return NULL;
			}
			buf = grown;
			cap *= 2;
		}
	}
	if (buf == NULL || ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* inih as SPEC §2 wants it: no inline comments (";" is data, so "5 ; x" is a bad value), no
 * continuation lines, lines up to CONFIG_MAX_LINE, stop at the first error. */
static void inih_setup(void)
{
	ini_allow_inline_comments = false;
	ini_allow_multiline = false;
	ini_allow_no_value = false;
	ini_stop_on_first_error = true;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = CONFIG_MAX_LINE + 4;
}

/* Parses text: the line syntax first (config_lint), then the values through inih; the
 * earlier of the two errors wins. Returns 0 or -1 with "FILE:LINE: message" in err. */
static int config_parse_text(struct load_state *st, const char *text, size_t len)
{
	char lint_msg[512];
	int lint_line = config_lint(text, len, lint_msg, sizeof(lint_msg));
	int rc;

	inih_setup();
	st->err[0] = '\0';
	rc = ini_parse_string(text, config_handler, st);
	if (rc < 0) { /* -2: out of memory */
		snprintf(st->err, st->errlen, "%s: out of memory", st->file);
		return -1;
	}
	if (lint_line != 0 && (rc == 0 || lint_line <= rc)) {
		snprintf(st->err, st->errlen, "%s:%d: %s", st->file, lint_line, lint_msg);
		return -1;
	}
	if (rc != 0) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", st->err[0] != '\0' ? st->err
			 : "syntax error (expected [section] or key = value)");
		snprintf(st->err, st->errlen, "%s:%d: %s", st->file, rc, msg);
		return -1;
	}
	return 0;
}

int config_load_text(struct duban_config *cfg, const char *name, const char *text, size_t len,
		     char *err, size_t errlen)
{
	struct load_state st = { cfg, err, errlen, name };
	char *copy;
	int rc;

	if (config_defaults(cfg) != 0 || (copy = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		config_free(cfg);
		return -1;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	rc = config_parse_text(&st, copy, len);
	free(copy);
	if (rc != 0)
		config_free(cfg);
	return rc;
}

int config_load(struct duban_config *cfg, const char *path, bool must_exist,
		char *err, size_t errlen)
{
	struct load_state st = { cfg, err, errlen, path };
	FILE *f;
	char *text;
	size_t len = 0;

	if (config_defaults(cfg) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f = fopen(path, "r");
	if (f == NULL) {
		if (!must_exist && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s:0: cannot open: %s", path, strerror(errno));
		config_free(cfg);
		return -1;
	}
	text = read_text(f, &len);
	fclose(f);
	if (text == NULL) {
		snprintf(err, errlen, "%s:0: cannot read (or larger than 64 MB)", path);
		config_free(cfg);
		return -1;
	}
	if (config_parse_text(&st, text, len) != 0 || set_string(&cfg->path, path) != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "out of memory");
		free(text);
		config_free(cfg);
		return -1;
	}
	free(text);
	return 0;
}
