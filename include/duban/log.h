/* Logging (SPEC §9): syslog with ident duband, one line per event as
 * key=value pairs; in the foreground also to stderr. Never a secret. */
#ifndef DUBAN_LOG_H
#define DUBAN_LOG_H
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

void log_open(const char *ident, int facility, int level, bool to_stderr);
void log_set_level(int level);
void log_close(void);

/* Logs one event: fmt should produce key=value pairs, e.g.
 * log_event(LOG_INFO, "event=sweep notices=%d ms=%.1f", n, ms). */
void log_event(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copies url with its secrets redacted: the query string values and any
 * path segment that looks like a token become "***"; userinfo is removed.
 * Example: https://oapi.dingtalk.com/robot/send?access_token=*** */
void log_redact_url(const char *url, char *out, size_t outlen);

/* Writes v into out as a key=value-safe value: quoted when it contains
 * spaces, quotes or '=', newlines escaped. */
void log_quote(const char *v, char *out, size_t outlen);

#endif
