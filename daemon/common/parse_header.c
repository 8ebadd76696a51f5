/* parse_header: the import's column headers (Chinese and English names, notes in
 * parentheses, stars and full-width spaces ignored) to columns, and a column's name. */
#include "duban/parse.h"
#include "parse_text.h"

#include <string.h>

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
