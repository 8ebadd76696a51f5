/* Official Chinese forms used in messages: dates (2026年3月31日), periods (2026年3月,
 * 2026年第一季度), day counts between local dates, percentages; and the markup each chat kind
 * gives to bold text, links, line breaks and coloured stage tags. */
#ifndef DUBAN_RENDER_FMT_H
#define DUBAN_RENDER_FMT_H
#include <stdbool.h>
#include <stdio.h>

/* Days since 1970-01-01 of "YYYY-MM-DD" (anything after the 10th character is ignored).
 * Returns 0 and sets *out, or -1 when s is not such a date. */
int fmt_date_days(const char *s, long *out);

/* b - a in days for two "YYYY-MM-DD" dates; 0 and *out, or -1 when either is not a date. */
int fmt_days_between(const char *a, const char *b, long *out);

/* "2026年3月31日" for "2026-03-31"; other text is written unchanged. */
void fmt_date(FILE *f, const char *iso);

/* "2026年3月" (2026-03), "2026年第一季度" (2026-Q1), "2026年3月31日" (a date), else as is. */
void fmt_period(FILE *f, const char *period);

/* A rate given as a fraction 0..1 (values above 1 read as a percentage): "62.5%" / "100%". */
void fmt_rate(FILE *f, double rate);

/* How a chat kind marks text up. */
struct fmt_markup {
	const char *bold_on, *bold_off;
	const char *br;	  /* a new line inside one notice */
	const char *sep;  /* between two notices of a digest */
	int links;	  /* 0: "text（url）", 1: markdown [text](url), 2: Slack <url|text> */
	bool escape_amp;  /* Slack: & < > as entities */
	bool colour_tags; /* WeCom: stage tags in <font color="…"> */
};

/* Writes dynamic text with the kind's escaping. */
void fmt_put(FILE *f, const struct fmt_markup *m, const char *s);

/* Writes text linked to url (url NULL or "": text alone). Text is escaped, url written as is. */
void fmt_link(FILE *f, const struct fmt_markup *m, const char *text, const char *url);

/* Tones of a stage tag: WeCom colours them ("warning" orange-red, "info" green). */
enum fmt_tone { FMT_NEUTRAL, FMT_URGENT, FMT_GOOD };

/* The stage tag 【name】 in the kind's markup: bold, coloured on WeCom by tone. */
void fmt_tag(FILE *f, const struct fmt_markup *m, const char *name, enum fmt_tone tone);

#endif
