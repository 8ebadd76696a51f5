/* syslog(3) logging with a level filter and an optional stderr copy, plus
 * URL redaction so webhook tokens never reach a log line. */
#include "duban/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_int log_level = LOG_INFO; /* set by a reload while dubanweb's workers log */
static bool log_stderr;
static bool log_opened;
static char log_ident[32] = "duband";

static const char *prio_name(int prio)
{
	switch (prio) {
	case LOG_DEBUG: return "debug";
	case LOG_INFO: return "info";
	case LOG_NOTICE: return "notice";
	case LOG_WARNING: return "warning";
	default: return "err";
	}
}

void log_open(const char *ident, int facility, int level, bool to_stderr)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
	log_opened = true;
	log_level = level;
	log_stderr = to_stderr;
}

void log_set_level(int level)
{
	log_level = level;
}

void log_close(void)
{
	if (log_opened)
		closelog();
	log_opened = false;
}

void log_event(int prio, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (prio > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_opened)
		syslog(prio, "level=%s %s", prio_name(prio), line);
	if (log_stderr || !log_opened)
		fprintf(stderr, "%s: level=%s %s\n", log_ident, prio_name(prio), line);
}

/* A path segment is treated as a token when it is long (Slack's
 * /services/T../B../<token>, Feishu's /hook/<uuid>): whatever its letters,
 * a 16-character segment is never a word worth showing in a log. */
static bool looks_like_token(const char *seg, size_t n)
{
	(void)seg;
	return n >= 16;
}

static void append(char *out, size_t outlen, size_t *pos, const char *s, size_t n)
{
	if (*pos >= outlen)
		return;
	if (n > outlen - 1 - *pos)
		n = outlen - 1 - *pos;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
}

static void redact_query(const char *q, char *out, size_t outlen, size_t *pos)
{
	while (*q != '\0') {
		size_t keylen = strcspn(q, "=&");
		append(out, outlen, pos, q, keylen);
		q += keylen;
		if (*q == '=') {
			append(out, outlen, pos, "=***", 4);
			q += strcspn(q, "&");
		}
		if (*q == '&') {
			append(out, outlen, pos, "&", 1);
			q++;
		}
	}
}

void log_redact_url(const char *url, char *out, size_t outlen)
{
	const char *scheme_end = strstr(url, "://");
	const char *p, *host, *at;
	size_t pos = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (scheme_end == NULL) {
		append(out, outlen, &pos, "***", 3);
		return;
	}
	append(out, outlen, &pos, url, (size_t)(scheme_end + 3 - url));
	host = scheme_end + 3;
	p = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(p - host));
	if (at != NULL)
		host = at + 1; /* drop user:password@ */
	append(out, outlen, &pos, host, (size_t)(p - host));
	while (*p == '/') {
		size_t n = strcspn(p + 1, "/?#");
		append(out, outlen, &pos, "/", 1);
		if (looks_like_token(p + 1, n))
			append(out, outlen, &pos, "***", 3);
		else
			append(out, outlen, &pos, p + 1, n);
		p += 1 + n;
	}
	if (*p == '?') {
		append(out, outlen, &pos, "?", 1);
		redact_query(p + 1, out, outlen, &pos);
	}
}

void log_quote(const char *v, char *out, size_t outlen)
{
	size_t pos = 0;
	bool quote = v[0] == '\0' || strpbrk(v, " \t\"=\n\r") != NULL;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (quote)
		append(out, outlen, &pos, "\"", 1);
	for (const char *s = v; *s != '\0' && pos + 3 < outlen; s++) {
		if (*s == '"' || *s == '\\') {
			append(out, outlen, &pos, "\\", 1);
			append(out, outlen, &pos, s, 1);
		} else if (*s == '\n' || *s == '\r') {
			append(out, outlen, &pos, "\\n", 2);
		} else {
			append(out, outlen, &pos, s, 1);
		}
	}
	if (quote)
		append(out, outlen, &pos, "\"", 1);
}
