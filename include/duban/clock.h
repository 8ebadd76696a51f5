/* The one clock of duban (SPEC §3): real time, or pinned by --now / DUBAN_NOW
 * at start and running on in real time from there. */
#ifndef DUBAN_CLOCK_H
#define DUBAN_CLOCK_H
#include <stddef.h>
#include <time.h>

/* Pins the clock to ISO 8601 TIME (with offset), or, when iso is NULL, to
 * $DUBAN_NOW if set; otherwise the clock is the real clock. Returns 0, or -1
 * when the text is not a valid time (err gets the reason). */
int clock_init(const char *iso, char *err, size_t errlen);

/* Seconds since the epoch on the duban clock (sub-second precision). */
double clock_now(void);

/* 1 when the clock is pinned. */
int clock_is_pinned(void);

/* Formats t as ISO 8601 UTC with microseconds, e.g. 2026-03-09T01:00:00.000000+00:00. */
void clock_format(double t, char *buf, size_t len);

/* The local date of t in time zone tz (an IANA name such as Asia/Shanghai) as YYYY-MM-DD
 * into buf (at least 11 bytes). Returns 0, or -1 when the date cannot be worked out. */
int clock_local_date(double t, const char *tz, char *buf, size_t len);

/* The real wall clock, for what chat platforms check: signatures, rate limits. */
double clock_real(void);

#endif
