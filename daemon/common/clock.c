/* The duban clock: a fixed offset from the real clock, set once at start. */
#include "duban/clock.h"
#include "duban/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double pinned_offset;
static int pinned;

double clock_real(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (double)time(NULL);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int clock_init(const char *iso, char *err, size_t errlen)
{
	time_t t;

	if (iso == NULL)
		iso = getenv("DUBAN_NOW");
	if (iso == NULL || *iso == '\0') {
		pinned = 0;
		pinned_offset = 0;
		return 0;
	}
	if (parse_iso_time(iso, &t, err, errlen) != 0)
		return -1;
	pinned = 1;
	pinned_offset = (double)t - clock_real();
	return 0;
}

double clock_now(void)
{
	return clock_real() + pinned_offset;
}

int clock_is_pinned(void)
{
	return pinned;
}

void clock_format(double t, char *buf, size_t len)
{
	time_t secs = (time_t)t;
	long usec = (long)((t - (double)secs) * 1e6);
	struct tm tm;
	char base[32];

	if (usec < 0)
		usec = 0;
	if (usec > 999999)
		usec = 999999;
	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ld+00:00", base, usec);
}

int clock_local_date(double t, const char *tz, char *buf, size_t len)
{
	const char *old = getenv("TZ");
	char *saved = old != NULL ? strdup(old) : NULL;
	time_t secs = (time_t)t;
	struct tm tm;
	int ok;

	if ((old != NULL && saved == NULL) || len < 11 || tz == NULL ||
	    setenv("TZ", tz, 1) != 0) {
		free(saved);
		return -1;
	}
	tzset();
	ok = localtime_r(&secs, &tm) != NULL;
	if (saved != NULL)
		ok = setenv("TZ", saved, 1) == 0 && ok;
	else
		ok = unsetenv("TZ") == 0 && ok;
	tzset();
	free(saved);
	if (!ok || strftime(buf, len, "%Y-%m-%d", &tm) != 10)
		return -1;
	return 0;
}
