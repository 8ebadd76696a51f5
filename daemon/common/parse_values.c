/* parse_values: the ledger's word and number cells (levels, booleans, statuses, verified,
 * counts, 万元 amounts, progress percentages, 、-separated lists, unit kinds). */
#include "duban/parse.h"
#include "parse_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    const char *b, *canon = "0"; /* set by parse_word() on success */
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
