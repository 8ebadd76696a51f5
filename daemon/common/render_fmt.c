/* Official Chinese dates and periods, day arithmetic on local dates, and per-kind markup
 * (bold, links, escaping, coloured tags) for the message renderers. */
#include "duban/render_fmt.h"

#include <stdlib.h>
#include <string.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static long fmt_civil_days(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Parses "YYYY-MM-DD" into its parts; 0 or -1. */
static int fmt_parse_date(const char *s, int *y, int *m, int *d)
{
	if (s == NULL || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	*y = atoi(s);
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*m < 1 || *m > 12 || *d < 1 || *d > 31)
		return -1;
	return s[10] == '\0' || s[10] == 'T' || s[10] == ' ' ? 0 : -1;
}

int fmt_date_days(const char *s, long *out)
{
	int y, m, d;

	if (fmt_parse_date(s, &y, &m, &d) != 0)
		return -1;
	*out = fmt_civil_days(y, m, d);
	return 0;
}

int fmt_days_between(const char *a, const char *b, long *out)
{
	long da, db;

	if (fmt_date_days(a, &da) != 0 || fmt_date_days(b, &db) != 0)
		return -1;
	*out = db - da;
	return 0;
}

void fmt_date(FILE *f, const char *iso)
{
	int y, m, d;

	if (iso == NULL)
		return;
	if (fmt_parse_date(iso, &y, &m, &d) != 0) {
		fputs(iso, f);
		return;
	}
	fprintf(f, "%d年%d月%d日", y, m, d);
}

void fmt_period(FILE *f, const char *p)
{
	static const char *const quarter[] = {"一", "二", "三", "四"};
	size_t n = p != NULL ? strlen(p) : 0;
	int y, m, d;

	if (p == NULL)
		return;
	if (fmt_parse_date(p, &y, &m, &d) == 0) {
		fmt_date(f, p);
		return;
	}
	if (n == 7 && p[4] == '-' && p[5] >= '0' && p[5] <= '1' && p[6] >= '0' && p[6] <= '9' &&
	    atoi(p) > 0 && atoi(p + 5) >= 1 && atoi(p + 5) <= 12) {
		fprintf(f, "%d年%d月", atoi(p), atoi(p + 5));
		return;
	}
	if (n == 7 && p[4] == '-' && p[5] == 'Q' && p[6] >= '1' && p[6] <= '4' && atoi(p) > 0) {
		fprintf(f, "%d年第%s季度", atoi(p), quarter[p[6] - '1']);
		return;
	}
	fputs(p, f);
}

void fmt_rate(FILE *f, double r)
{
	double frac;

	if (r <= 1.0)
		r *= 100.0;
	frac = r - (double)(long long)r;
	if (frac < 0.05 || frac > 0.95)
		fprintf(f, "%.0f%%", r);
	else
		fprintf(f, "%.1f%%", r);
}

void fmt_put(FILE *f, const struct fmt_markup *m, const char *s)
{
	if (s == NULL)
		return;
	if (!m->escape_amp) {
		fputs(s, f);
		return;
	}
	for (; *s != '\0'; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else
			fputc(*s, f);
	}
}

void fmt_link(FILE *f, const struct fmt_markup *m, const char *text, const char *url)
{
	if (url == NULL || *url == '\0') {
		fmt_put(f, m, text);
		return;
	}
	switch (m->links) {
	case 1:
		fputs("[", f);
		fmt_put(f, m, text);
		fprintf(f, "](%s)", url);
		break;
	case 2:
		fprintf(f, "<%s|", url);
		fmt_put(f, m, text);
		fputs(">", f);
		break;
	default:
		fmt_put(f, m, text);
		fprintf(f, "（%s）", url);
		break;
	}
}

void fmt_tag(FILE *f, const struct fmt_markup *m, const char *name, enum fmt_tone tone)
{
	const char *colour = tone == FMT_URGENT ? "warning" : tone == FMT_GOOD ? "info" : NULL;

	if (m->colour_tags && colour != NULL)
		fprintf(f, "<font color=\"%s\">", colour);
	/* bold inside the brackets: CommonMark-style parsers (DingTalk, Feishu) do not close
	 * "**" between a punctuation mark and a letter, as in **【督办】**问题 */
	fprintf(f, "【%s%s%s】", m->bold_on, name, m->bold_off);
	if (m->colour_tags && colour != NULL)
		fputs("</font>", f);
}
