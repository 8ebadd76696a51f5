/* parse_date: dates as offices write them (2026-03-01, 2026/3/1, 2026年3月1日, Excel's
 * 2026-03-01 00:00:00), periods (2026-03, 2026-Q1, 2026年1季度) and ISO 8601 times with offsets. */
#include "duban/parse.h"
#include "parse_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int parse_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (m < 1 || m > 12)
        return 0;
    return m == 2 && parse_is_leap(y) ? 29 : days[m - 1];
}

/* Accepts an optional all-zero time after a date: " 0:00" or " 00:00:00". */
static int parse_zero_time(const char **p, const char *end)
{
    const char *q = *p;
    int h, mi, sec = 0;
    size_t k;

    if (q == end)
        return 0;
    if ((k = parse_space_len(q, (size_t)(end - q))) == 0 && *q != 'T')
        return -1;
    q += k ? k : 1;
    if (parse_digits(&q, end, 1, 2, &h) < 0 || !parse_lit(&q, end, ":")
        || parse_digits(&q, end, 2, 2, &mi) < 0)
        return -1;
    if (parse_lit(&q, end, ":") && parse_digits(&q, end, 2, 2, &sec) < 0)
        return -1;
    if (h != 0 || mi != 0 || sec != 0)
        return -1;
    *p = q;
    return 0;
}

/* Reads Y<sep>M<sep>D or Y年M月D日 from b[0..n). Returns 0 or -1 (bad syntax). */
static int parse_date_syntax(const char *b, size_t n, int *y, int *m, int *d)
{
    const char *p = b, *end = b + n;
    char sep[2] = {0, 0};

    if (parse_digits(&p, end, 4, 4, y) < 0)
        return -1;
    if (parse_lit(&p, end, "年")) {
        if (parse_digits(&p, end, 1, 2, m) < 0 || !parse_lit(&p, end, "月")
            || parse_digits(&p, end, 1, 2, d) < 0)
            return -1;
        if (!parse_lit(&p, end, "日"))
            parse_lit(&p, end, "号");
    } else {
        if (p == end || strchr("-/.", *p) == NULL)
            return -1;
        sep[0] = *p++;
        if (parse_digits(&p, end, 1, 2, m) < 0 || !parse_lit(&p, end, sep)
            || parse_digits(&p, end, 1, 2, d) < 0)
            return -1;
    }
    if (parse_zero_time(&p, end) < 0)
        return -1;
    return p == end ? 0 : -1;
}

/* Checks that y-m-d exists; writes the error otherwise. */
static int parse_date_valid(int y, int m, int d, char *err, size_t errlen)
{
    if (y < 1900 || y > 2999)
        return parse_err(err, errlen, "year %d out of range 1900-2999", y);
    if (m < 1 || m > 12 || d < 1 || d > parse_days_in_month(y, m))
        return parse_err(err, errlen, "no such date: %04d-%02d-%02d", y, m, d);
    return 0;
}

int parse_date(const char *s, int *y, int *m, int *d, char *err, size_t errlen)
{
    const char *b;
    size_t n;
    char show[64];
    int yy, mm, dd;

    parse_trim(s, &b, &n);
    if (n == 0)
        return parse_err(err, errlen, "date is empty");
    if (parse_date_syntax(b, n, &yy, &mm, &dd) < 0) {
        if (n == 5 && strspn(b, "0123456789") == 5)
            return parse_err(err, errlen, "invalid date \"%.*s\" (a spreadsheet serial "
                                          "number? format the column as a date)", (int)n, b);
        return parse_err(err, errlen, "invalid date \"%s\" (use YYYY-MM-DD, YYYY/M/D or "
                                      "YYYY年M月D日)", parse_show(show, sizeof show, b, n));
    }
    if (parse_date_valid(yy, mm, dd, err, errlen) < 0)
        return -1;
    *y = yy;
    *m = mm;
    *d = dd;
    return 0;
}

int parse_format_date(char *buf, size_t len, int y, int m, int d)
{
    int k = snprintf(buf, len, "%04d-%02d-%02d", y, m, d);

    return k < 0 || (size_t)k >= len ? -1 : 0;
}

/* Shared tail of the "word → canonical" parsers. */

/* Reads YYYY-Qn or YYYY-MM from b[0..n); returns 0, or -1 if neither. */
static int parse_period_short(const char *b, size_t n, struct parse_period *p)
{
    const char *q = b, *end = b + n;
    int y, v;

    if (parse_digits(&q, end, 4, 4, &y) < 0 || !parse_lit(&q, end, "-"))
        return -1;
    if (q < end && (*q == 'Q' || *q == 'q')) {
        q++;
        if (parse_digits(&q, end, 1, 1, &v) < 0 || q != end || v < 1 || v > 4)
            return -1;
        p->kind = PARSE_PERIOD_QUARTER;
    } else {
        if (parse_digits(&q, end, 1, 2, &v) < 0 || q != end || v < 1 || v > 12)
            return -1;
        p->kind = PARSE_PERIOD_MONTH;
    }
    p->year = y;
    p->num = v;
    p->day = 0;
    return y >= 1900 && y <= 2999 ? 0 : -1;
}

int parse_period(const char *s, struct parse_period *out, char *err, size_t errlen)
{
    const char *b;
    size_t n;
    char show[64];
    struct parse_period p;

    parse_trim(s, &b, &n);
    if (parse_period_short(b, n, &p) == 0) {
        *out = p;
        return 0;
    }
    if (parse_date_syntax(b, n, &p.year, &p.num, &p.day) == 0) {
        if (parse_date_valid(p.year, p.num, p.day, err, errlen) < 0)
            return -1;
        p.kind = PARSE_PERIOD_DATE;
        *out = p;
        return 0;
    }
    return parse_err(err, errlen, "invalid period \"%s\" (use 2026-03, 2026-Q1 or 2026-03-10)",
                     parse_show(show, sizeof show, b, n));
}

int parse_format_period(char *buf, size_t len, const struct parse_period *p)
{
    int k;

    if (p->kind == PARSE_PERIOD_QUARTER)
        k = snprintf(buf, len, "%04d-Q%d", p->year, p->num);
    else if (p->kind == PARSE_PERIOD_MONTH)
        k = snprintf(buf, len, "%04d-%02d", p->year, p->num);
    else
        k = snprintf(buf, len, "%04d-%02d-%02d", p->year, p->num, p->day);
    return k < 0 || (size_t)k >= len ? -1 : 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long long parse_days_from_civil(int y, int m, int d)
{
    long long yy = m <= 2 ? y - 1 : y;
    long long era = (yy >= 0 ? yy : yy - 399) / 400;
    long long yoe = yy - era * 400;
    long long doy = (153LL * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

/* Consumes the T (or space) between date and time. */
static int parse_time_sep(const char **p, const char *end)
{
    if (*p == end || (**p != 'T' && **p != 't' && **p != ' '))
        return 0;
    (*p)++;
    return 1;
}

/* Reads HH:MM[:SS[.fff]] into seconds of the day; -1 on bad syntax or range. */
static int parse_clock(const char **p, const char *end, long *secs)
{
    int h, mi, s = 0;

    if (parse_digits(p, end, 2, 2, &h) < 0 || !parse_lit(p, end, ":")
        || parse_digits(p, end, 2, 2, &mi) < 0)
        return -1;
    if (parse_lit(p, end, ":")) {
        if (parse_digits(p, end, 2, 2, &s) < 0)
            return -1;
        if (parse_lit(p, end, ".") || parse_lit(p, end, ","))
            while (*p < end && **p >= '0' && **p <= '9')
                (*p)++;
    }
    if (h > 23 || mi > 59 || s > 59)
        return -1;
    *secs = h * 3600L + mi * 60L + s;
    return 0;
}

/* Reads Z or ±HH[[:]MM] into seconds east of UTC; -1 if absent, -2 if malformed. */
static int parse_offset(const char **p, const char *end, long *off)
{
    int sign, h, mi = 0;

    if (*p < end && (**p == 'Z' || **p == 'z')) {
        (*p)++;
        *off = 0;
        return 0;
    }
    if (*p == end || (**p != '+' && **p != '-'))
        return -1;
    sign = **p == '-' ? -1 : 1;
    (*p)++;
    if (parse_digits(p, end, 2, 2, &h) < 0)
        return -2;
    if (*p < end) {
        parse_lit(p, end, ":");
        if (parse_digits(p, end, 2, 2, &mi) < 0)
            return -2;
    }
    if (h > 14 || mi > 59)
        return -2;
    *off = sign * (h * 3600L + mi * 60L);
    return 0;
}

int parse_iso_time(const char *s, time_t *out, char *err, size_t errlen)
{
    const char *b, *p, *end;
    size_t n;
    char show[64];
    int y, m, d, rc;
    long secs, off;

    parse_trim(s, &b, &n);
    p = b;
    end = b + n;
    if (parse_digits(&p, end, 4, 4, &y) < 0 || !parse_lit(&p, end, "-")
        || parse_digits(&p, end, 2, 2, &m) < 0 || !parse_lit(&p, end, "-")
        || parse_digits(&p, end, 2, 2, &d) < 0 || !parse_time_sep(&p, end)
        || parse_clock(&p, end, &secs) < 0)
        return parse_err(err, errlen, "invalid time \"%s\" (use ISO 8601, e.g. "
                                      "2026-03-09T09:00:00+08:00)",
                         parse_show(show, sizeof show, b, n));
    if (p < end && *p == ' ')
        p++;
    rc = parse_offset(&p, end, &off);
    if (rc == -1)
        return parse_err(err, errlen, "time \"%s\" needs a UTC offset or Z (e.g. "
                                      "2026-03-09T09:00:00+08:00)",
                         parse_show(show, sizeof show, b, n));
    if (rc < 0 || p != end)
        return parse_err(err, errlen, "invalid UTC offset in \"%s\" (use Z, +08, +0800 or "
                                      "+08:00)", parse_show(show, sizeof show, b, n));
    if (parse_date_valid(y, m, d, err, errlen) < 0)
        return -1;
    *out = (time_t)(parse_days_from_civil(y, m, d) * 86400LL + secs - off);
    return 0;
}
