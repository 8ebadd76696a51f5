/* parse: value parsers for CSV cells and command-line arguments (dates, levels, booleans,
 * statuses, progress, lists, unit kinds, header names, periods, ISO 8601 times). */
#include "duban/parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define U_IDEO_SPACE "\xE3\x80\x80" /* U+3000 */
#define U_NBSP "\xC2\xA0"
#define U_BOM "\xEF\xBB\xBF"

struct parse_alias {
    const char *word;
    const char *canon;
};

static int parse_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Length of the whitespace (or BOM) character at p[0..n), 0 if none. */
static size_t parse_space_len(const char *p, size_t n)
{
    if (n >= 1 && strchr(" \t\r\n\v\f", p[0]) != NULL && p[0] != '\0')
        return 1;
    if (n >= 3 && (memcmp(p, U_IDEO_SPACE, 3) == 0 || memcmp(p, U_BOM, 3) == 0))
        return 3;
    if (n >= 2 && memcmp(p, U_NBSP, 2) == 0)
        return 2;
    return 0;
}

/* Length of the whitespace character ending at p[n-1], 0 if none. */
static size_t parse_space_len_back(const char *p, size_t n)
{
    if (n >= 3 && parse_space_len(p + n - 3, 3) == 3)
        return 3;
    if (n >= 2 && parse_space_len(p + n - 2, 2) == 2)
        return 2;
    if (n >= 1 && parse_space_len(p + n - 1, 1) == 1)
        return 1;
    return 0;
}

/* Trims s[0..n) in place: *b and *n describe the result. */
static void parse_trim_span(const char **b, size_t *n)
{
    size_t k;

    while ((k = parse_space_len(*b, *n)) > 0) {
        *b += k;
        *n -= k;
    }
    while ((k = parse_space_len_back(*b, *n)) > 0)
        *n -= k;
}

static void parse_trim(const char *s, const char **b, size_t *n)
{
    *b = s ? s : "";
    *n = strlen(*b);
    parse_trim_span(b, n);
}

/* Copies s[0..n) for an error message, cut at 48 bytes on a character boundary. */
static const char *parse_show(char *buf, size_t len, const char *s, size_t n)
{
    size_t max = 48 < len - 4 ? 48 : len - 4;

    if (n <= max) {
        snprintf(buf, len, "%.*s", (int)n, s);
        return buf;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    snprintf(buf, len, "%.*s...", (int)max, s);
    return buf;
}

static int parse_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive (ASCII) comparison of s[0..n) with the whole of word. */
static int parse_eq(const char *s, size_t n, const char *word)
{
    if (strlen(word) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (parse_lower((unsigned char)s[i]) != parse_lower((unsigned char)word[i]))
            return 0;
    return 1;
}

static const char *parse_lookup(const struct parse_alias *t, const char *s, size_t n)
{
    for (; t->word != NULL; t++)
        if (parse_eq(s, n, t->word))
            return t->canon;
    return NULL;
}

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

/* Reads between min and max ASCII digits at *p (below end) into *v. */
static int parse_digits(const char **p, const char *end, int min, int max, int *v)
{
    int k = 0;

    *v = 0;
    while (*p < end && k < max && **p >= '0' && **p <= '9') {
        *v = *v * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    return k >= min ? 0 : -1;
}

/* Consumes the literal lit at *p if present. */
static int parse_lit(const char **p, const char *end, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
        return 0;
    *p += n;
    return 1;
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
static int parse_word(const char *s, const struct parse_alias *t, const char **out,
                      const char *what, const char *allowed, char *err, size_t errlen)
{
    const char *b, *canon;
    size_t n;
    char show[64];

    parse_trim(s, &b, &n);
    if (n == 0)
        return parse_err(err, errlen, "%s is empty (allowed: %s)", what, allowed);
    canon = parse_lookup(t, b, n);
    if (canon == NULL)
        return parse_err(err, errlen, "unknown %s \"%s\" (allowed: %s)", what,
                         parse_show(show, sizeof show, b, n), allowed);
    *out = canon;
    return 0;
}

int parse_level(const char *s, const char **out, char *err, size_t errlen)
{
    static const struct parse_alias t[] = {
        {"central", "central"},       {"中央", "central"},     {"国家", "central"},
        {"国家级", "central"},        {"中央级", "central"},   {"provincial", "provincial"},
        {"省级", "provincial"},       {"省", "provincial"},    {"municipal", "municipal"},
        {"市级", "municipal"},        {"市", "municipal"},     {"district", "district"},
        {"区级", "district"},         {"区", "district"},      {"县级", "district"},
        {"县", "district"},           {"区县级", "district"},  {NULL, NULL}};

    return parse_word(s, t, out, "level",
                      "central/中央, provincial/省级, municipal/市级, district/区级", err,
                      errlen);
}

int parse_bool(const char *s, int def, int *out, char *err, size_t errlen)
{
    static const struct parse_alias t[] = {
        {"yes", "1"}, {"y", "1"},   {"true", "1"},  {"1", "1"}, {"是", "1"}, {"no", "0"},
        {"n", "0"},   {"false", "0"}, {"0", "0"}, {"否", "0"}, {NULL, NULL}};
    const char *b, *canon;
    size_t n;

    parse_trim(s, &b, &n);
    if (n == 0) {
        *out = def;
        return 0;
    }
    if (parse_word(s, t, &canon, "yes/no value", "yes/no, true/false, 1/0, 是/否", err,
                   errlen) < 0)
        return -1;
    *out = canon[0] == '1';
    return 0;
}

int parse_status(const char *s, const char **out, char *err, size_t errlen)
{
    static const struct parse_alias t[] = {
        {"rectifying", "rectifying"}, {"正在办理", "rectifying"}, {"阶段办结", "rectifying"},
        {"stage_done", "rectifying"},
        {"closed", "closed"},         {"已办结", "closed"},       {NULL, NULL}};
    const char *b;
    size_t n;

    parse_trim(s, &b, &n);
    if (n == 0) {
        *out = "rectifying";
        return 0;
    }
    return parse_word(s, t, out, "status",
                      "rectifying, 正在办理, 阶段办结, closed, 已办结", err, errlen);
}

int parse_status_stage_done(const char *s)
{
    const char *b;
    size_t n;

    parse_trim(s, &b, &n);
    return (n == strlen("阶段办结") && memcmp(b, "阶段办结", n) == 0) ||
           (n == strlen("stage_done") && strncasecmp(b, "stage_done", n) == 0);
}

int parse_verified(const char *s, const char **out, char *err, size_t errlen)
{
    static const struct parse_alias t[] = {
        {"属实", "属实"},      {"true", "属实"},        {"yes", "属实"},
        {"是", "属实"},        {"部分属实", "部分属实"}, {"partly", "部分属实"},
        {"不属实", "不属实"},  {"false", "不属实"},     {"no", "不属实"},
        {"否", "不属实"},      {NULL, NULL}};
    const char *b;
    size_t n;

    parse_trim(s, &b, &n);
    if (n == 0) {
        *out = NULL;
        return 0;
    }
    return parse_word(s, t, out, "verification", "属实, 部分属实, 不属实", err, errlen);
}

int parse_count(const char *s, long *out, char *err, size_t errlen)
{
    const char *b, *p, *end;
    size_t n;
    char show[64];
    long v = 0;

    parse_trim(s, &b, &n);
    if (n == 0)
        return parse_err(err, errlen, "the number is empty");
    end = b + n;
    for (p = b; p < end && *p >= '0' && *p <= '9' && v <= 1000000; p++)
        v = v * 10 + (*p - '0');
    if (p < end && *p == '.' && p > b) {
        const char *z = p + 1;

        while (z < end && *z == '0')
            z++;
        if (z == end)
            p = end;
    }
    if (p == b || p != end)
        return parse_err(err, errlen, "invalid number \"%s\" (a whole number, e.g. 3)",
                         parse_show(show, sizeof show, b, n));
    if (v > 1000000)
        return parse_err(err, errlen, "number %s out of range 0-1000000",
                         parse_show(show, sizeof show, b, n));
    *out = v;
    return 0;
}

int parse_wan(const char *s, char *out, size_t outlen, char *err, size_t errlen)
{
    const char *b, *p, *end, *dot = NULL;
    size_t n, ip;
    char show[64];

    parse_trim(s, &b, &n);
    if (n >= strlen("万元") && memcmp(b + n - strlen("万元"), "万元", strlen("万元")) == 0)
        n -= strlen("万元");
    else if (n >= strlen("万") && memcmp(b + n - strlen("万"), "万", strlen("万")) == 0)
        n -= strlen("万");
    parse_trim_span(&b, &n);
    if (n == 0)
        return parse_err(err, errlen, "the amount is empty");
    end = b + n;
    for (p = b; p < end; p++) {
        if (*p == '.' && dot == NULL)
            dot = p;
        else if (*p < '0' || *p > '9')
            break;
    }
    ip = (size_t)((dot != NULL ? dot : end) - b);
    if (p != end || ip == 0 || (dot != NULL && (end - dot - 1 < 1 || end - dot - 1 > 4)))
        return parse_err(err, errlen, "invalid amount \"%s\" (万元, e.g. 12.5, at most 4 "
                         "decimals)", parse_show(show, sizeof show, b, n));
    while (ip > 1 && *b == '0') {
        b++;
        ip--;
        n--;
    }
    if (ip > 8)
        return parse_err(err, errlen, "amount %s 万元 is too large",
                         parse_show(show, sizeof show, b, n));
    while (dot != NULL && n > ip + 1 && b[n - 1] == '0')
        n--;                       /* 12.50 → 12.5 */
    if (n == ip + 1)
        n = ip;                    /* 12. or 12.0 → 12 */
    if (n + 1 > outlen)
        return parse_err(err, errlen, "amount too long");
    memcpy(out, b, n);
    out[n] = '\0';
    return 0;
}

/* Strips a trailing % or ％ (and whitespace before it) from b[0..*n). */
static void parse_strip_percent(const char *b, size_t *n)
{
    if (*n >= 1 && b[*n - 1] == '%')
        *n -= 1;
    else if (*n >= 3 && memcmp(b + *n - 3, "\xEF\xBC\x85", 3) == 0)
        *n -= 3;
    else
        return;
    parse_trim_span(&b, n);
}

int parse_progress(const char *s, int *out, char *err, size_t errlen)
{
    const char *b, *p, *end;
    size_t n;
    char show[64];
    int v;

    parse_trim(s, &b, &n);
    if (n == 0)
        return parse_err(err, errlen, "progress is empty");
    parse_strip_percent(b, &n);
    p = b;
    end = b + n;
    if (parse_digits(&p, end, 1, 3, &v) == 0 && parse_lit(&p, end, ".")) {
        const char *z = p;
        while (z < end && *z == '0')
            z++;
        if (p == end || z != end)
            return parse_err(err, errlen, "progress must be a whole number, not \"%s\"",
                             parse_show(show, sizeof show, b, n));
        p = end;
    }
    if (n == 0 || p != end || p == b)
        return parse_err(err, errlen, "invalid progress \"%s\" (a whole number 0-100, e.g. "
                                      "80 or 80%%)", parse_show(show, sizeof show, b, n));
    if (v > 100)
        return parse_err(err, errlen, "progress %d out of range 0-100", v);
    *out = v;
    return 0;
}

/* Length of the list separator at p[0..n), 0 if none. */
static size_t parse_sep_len(const char *p, size_t n)
{
    static const char *const seps[] = {"；", "，", "、"};

    if (*p == ';' || *p == ',' || *p == '\n' || *p == '\r')
        return 1;
    for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++)
        if (n >= strlen(seps[i]) && memcmp(p, seps[i], strlen(seps[i])) == 0)
            return strlen(seps[i]);
    return 0;
}

/* Appends the trimmed item b[0..n) to *list (count *cnt, capacity *cap), if not empty. */
static int parse_list_add(char ***list, size_t *cnt, size_t *cap, const char *b, size_t n)
{
    char *item;

    parse_trim_span(&b, &n);
    if (n == 0)
        return 0;
    if (*cnt + 2 > *cap) {
        size_t ncap = *cap * 2;
        char **p = realloc(*list, ncap * sizeof *p);
        if (p == NULL)
            return -1;
        *list = p;
        *cap = ncap;
    }
    item = strndup(b, n);
    if (item == NULL)
        return -1;
    (*list)[(*cnt)++] = item;
    (*list)[*cnt] = NULL;
    return 0;
}

int parse_list(const char *s, char ***out, size_t *n, char *err, size_t errlen)
{
    size_t cnt = 0, cap = 4, len, start = 0, i = 0;
    char **list = calloc(cap, sizeof *list);

    if (s == NULL)
        s = "";
    len = strlen(s);
    if (list == NULL)
        return parse_err(err, errlen, "out of memory");
    while (i <= len) {
        size_t k = i < len ? parse_sep_len(s + i, len - i) : 1;
        if (k == 0) {
            i++;
            continue;
        }
        if (parse_list_add(&list, &cnt, &cap, s + start, i - start) < 0) {
            parse_list_free(list);
            return parse_err(err, errlen, "out of memory");
        }
        i += k;
        start = i;
    }
    *out = list;
    if (n != NULL)
        *n = cnt;
    return 0;
}

void parse_list_free(char **list)
{
    if (list == NULL)
        return;
    for (char **p = list; *p != NULL; p++)
        free(*p);
    free(list);
}

int parse_unit_kind(const char *s, const char **out, char *err, size_t errlen)
{
    static const struct parse_alias t[] = {
        {"town", "town"},           {"镇", "town"},
        {"乡", "town"},             {"乡镇", "town"},
        {"street", "street"},       {"街道", "street"},
        {"park", "park"},           {"园区", "park"},
        {"department", "department"}, {"部门", "department"},
        {"区直部门", "department"}, {"office", "office"},
        {"整改办", "office"},       {"领导小组办公室", "office"},
        {"leadership", "leadership"}, {"领导小组", "leadership"},
        {NULL, NULL}};

    return parse_word(s, t, out, "unit kind",
                      "town/镇, street/街道, park/园区, department/部门, office/整改办, "
                      "leadership/领导小组",
                      err, errlen);
}

/* Normalised header names: lower-case, without spaces, '_', '-', '*' or (notes). */
static const struct {
    const char *word;
    enum parse_col col;
} parse_headers[] = {
    {"ref", PARSE_COL_REF},
    {"编号", PARSE_COL_REF},
    {"问题编号", PARSE_COL_REF},
    {"level", PARSE_COL_LEVEL},
    {"层级", PARSE_COL_LEVEL},
    {"问题层级", PARSE_COL_LEVEL},
    {"级别", PARSE_COL_LEVEL},
    {"source", PARSE_COL_SOURCE},
    {"问题来源", PARSE_COL_SOURCE},
    {"来源", PARSE_COL_SOURCE},
    {"category", PARSE_COL_CATEGORY},
    {"类别", PARSE_COL_CATEGORY},
    {"问题类别", PARSE_COL_CATEGORY},
    {"问题类型", PARSE_COL_CATEGORY},
    {"title", PARSE_COL_TITLE},
    {"问题", PARSE_COL_TITLE},
    {"问题描述", PARSE_COL_TITLE},
    {"问题内容", PARSE_COL_TITLE},
    {"问题名称", PARSE_COL_TITLE},
    {"location", PARSE_COL_LOCATION},
    {"地址", PARSE_COL_LOCATION},
    {"地点", PARSE_COL_LOCATION},
    {"问题地址", PARSE_COL_LOCATION},
    {"unit", PARSE_COL_UNIT},
    {"主体责任单位", PARSE_COL_UNIT},
    {"责任单位", PARSE_COL_UNIT},
    {"supervisors", PARSE_COL_SUPERVISORS},
    {"监管责任单位", PARSE_COL_SUPERVISORS},
    {"监管验收责任单位", PARSE_COL_SUPERVISORS},
    {"验收责任单位", PARSE_COL_SUPERVISORS},
    {"监管单位", PARSE_COL_SUPERVISORS},
    {"deadline", PARSE_COL_DEADLINE},
    {"整改时限", PARSE_COL_DEADLINE},
    {"完成时限", PARSE_COL_DEADLINE},
    {"整改期限", PARSE_COL_DEADLINE},
    {"longterm", PARSE_COL_LONG_TERM},
    {"长期", PARSE_COL_LONG_TERM},
    {"是否长期", PARSE_COL_LONG_TERM},
    {"长期整改", PARSE_COL_LONG_TERM},
    {"是否长期整改", PARSE_COL_LONG_TERM},
    {"measures", PARSE_COL_MEASURES},
    {"整改措施", PARSE_COL_MEASURES},
    {"措施", PARSE_COL_MEASURES},
    {"target", PARSE_COL_TARGET},
    {"整改目标", PARSE_COL_TARGET},
    {"目标", PARSE_COL_TARGET},
    {"status", PARSE_COL_STATUS},
    {"办理状态", PARSE_COL_STATUS},
    {"整改状态", PARSE_COL_STATUS},
    {"状态", PARSE_COL_STATUS},
    {"closedon", PARSE_COL_CLOSED_ON},
    {"办结日期", PARSE_COL_CLOSED_ON},
    {"办结时间", PARSE_COL_CLOSED_ON},
    {"销号日期", PARSE_COL_CLOSED_ON},
    {"progress", PARSE_COL_PROGRESS},
    {"整改进度", PARSE_COL_PROGRESS},
    {"进度", PARSE_COL_PROGRESS},
    {"完成进度", PARSE_COL_PROGRESS},
    {"contact", PARSE_COL_CONTACT},
    {"责任人", PARSE_COL_CONTACT},
    {"联系人", PARSE_COL_CONTACT},
    {"责任人及电话", PARSE_COL_CONTACT},
    {"责任人及联系电话", PARSE_COL_CONTACT},
    {"verified", PARSE_COL_VERIFIED},
    {"属实", PARSE_COL_VERIFIED},
    {"是否属实", PARSE_COL_VERIFIED},
    {"核实情况", PARSE_COL_VERIFIED},
    {"ordered", PARSE_COL_ORDERED},
    {"责令整改", PARSE_COL_ORDERED},
    {"penalized", PARSE_COL_PENALIZED},
    {"立案处罚", PARSE_COL_PENALIZED},
    {"fine", PARSE_COL_FINE},
    {"罚款金额", PARSE_COL_FINE},
    {"罚款", PARSE_COL_FINE},
    {"investigated", PARSE_COL_INVESTIGATED},
    {"立案侦查", PARSE_COL_INVESTIGATED},
    {"detainedadmin", PARSE_COL_DETAINED_ADMIN},
    {"拘留行政", PARSE_COL_DETAINED_ADMIN},
    {"行政拘留", PARSE_COL_DETAINED_ADMIN},
    {"detainedcriminal", PARSE_COL_DETAINED_CRIMINAL},
    {"拘留刑事", PARSE_COL_DETAINED_CRIMINAL},
    {"刑事拘留", PARSE_COL_DETAINED_CRIMINAL},
    {"interviewed", PARSE_COL_INTERVIEWED},
    {"约谈", PARSE_COL_INTERVIEWED},
    {"accountable", PARSE_COL_ACCOUNTABLE},
    {"问责", PARSE_COL_ACCOUNTABLE},
};

/* Length of an ignorable header character at p[0..n) (space, BOM, _ - * ＊), 0 if none. */
static size_t parse_header_skip(const char *p, size_t n)
{
    size_t k = parse_space_len(p, n);

    if (k > 0)
        return k;
    if (*p == '_' || *p == '-' || *p == '*')
        return 1;
    if (n >= 3 && memcmp(p, "＊", 3) == 0)
        return 3;
    return 0;
}

/* Skips a parenthesised note starting at p (ASCII or full-width parentheses); returns
 * its length, 0 if p does not open one. An unclosed note runs to the end. */
static size_t parse_header_note(const char *p, size_t n)
{
    size_t i;

    if (*p != '(' && !(n >= 3 && memcmp(p, "（", 3) == 0))
        return 0;
    i = *p == '(' ? 1 : 3;
    while (i < n) {
        if (p[i] == ')')
            return i + 1;
        if (n - i >= 3 && memcmp(p + i, "）", 3) == 0)
            return i + 3;
        i++;
    }
    return n;
}

/* Writes the normalised form of name into out (see parse_headers); -1 if too long. */
static int parse_header_norm(const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name), i = 0, o = 0, k;

    while (i < n) {
        if ((k = parse_header_skip(name + i, n - i)) > 0
            || (k = parse_header_note(name + i, n - i)) > 0) {
            i += k;
            continue;
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = (char)parse_lower((unsigned char)name[i++]);
    }
    out[o] = '\0';
    return 0;
}

enum parse_col parse_header_column(const char *name)
{
    char norm[128];

    if (name == NULL || parse_header_norm(name, norm, sizeof norm) < 0)
        return PARSE_COL_UNKNOWN;
    for (size_t i = 0; i < sizeof parse_headers / sizeof parse_headers[0]; i++)
        if (strcmp(norm, parse_headers[i].word) == 0)
            return parse_headers[i].col;
    return PARSE_COL_UNKNOWN;
}

const char *parse_col_name(enum parse_col col)
{
    static const char *const names[PARSE_COL_COUNT] = {
        "unknown",  "ref",       "level",    "source",    "category", "title",
        "location", "unit",      "supervisors", "deadline", "long_term", "measures",
        "target",   "status",    "closed_on", "progress", "contact", "verified",
        "ordered",  "penalized", "fine",     "investigated", "detained_admin",
        "detained_criminal", "interviewed", "accountable"};

    int i = (int)col;

    return i >= 0 && i < PARSE_COL_COUNT ? names[i] : "unknown";
}

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
