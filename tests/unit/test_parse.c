/* Unit tests of the value parsers (parse.c): dates, levels, booleans, statuses, progress,
 * lists, unit kinds, header names, periods and ISO 8601 times, accepted and rejected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "duban/parse.h"

static char err[200];

#define SHOW(s) ((s) ? (s) : "(null)")

static void date_ok(const char *s, int y, int m, int d)
{
    int yy = 0, mm = 0, dd = 0;

    if (parse_date(s, &yy, &mm, &dd, err, sizeof err) != 0)
        fail_msg("parse_date(\"%s\") failed: %s", SHOW(s), err);
    assert_int_equal(yy, y);
    assert_int_equal(mm, m);
    assert_int_equal(dd, d);
}

static void date_bad(const char *s, const char *needle)
{
    int y = -1, m = -1, d = -1;

    err[0] = '\0';
    if (parse_date(s, &y, &m, &d, err, sizeof err) != -1)
        fail_msg("parse_date(\"%s\") accepted", SHOW(s));
    if (strstr(err, needle) == NULL)
        fail_msg("parse_date(\"%s\"): \"%s\" lacks \"%s\"", SHOW(s), err, needle);
    assert_int_equal(y, -1); /* outputs untouched on error */
}

static void test_date_forms(void **state)
{
    (void)state;
    date_ok("2026-03-31", 2026, 3, 31);
    date_ok("2026/3/31", 2026, 3, 31);
    date_ok("2026-3-1", 2026, 3, 1);
    date_ok("2026年3月31日", 2026, 3, 31);
    date_ok("2026年03月01日", 2026, 3, 1);
    date_ok("2026年3月31", 2026, 3, 31);
    date_ok("2026.3.31", 2026, 3, 31);
    date_ok("  2026-03-31\t", 2026, 3, 31);
    date_ok("\xE3\x80\x80" "2026-03-31" "\xE3\x80\x80", 2026, 3, 31);
    date_ok("2026/3/31 0:00", 2026, 3, 31);
    date_ok("2026-03-31 00:00:00", 2026, 3, 31);
}

static void test_date_rejects(void **state)
{
    (void)state;
    date_bad("", "empty");
    date_bad("   ", "empty");
    date_bad(NULL, "empty");
    date_bad("2026-02-30", "no such date: 2026-02-30");
    date_bad("2025-02-29", "no such date");
    date_bad("2026-13-01", "no such date");
    date_bad("2026-00-10", "no such date");
    date_bad("2026-04-31", "no such date");
    date_bad("2026-4-0", "no such date");
    date_bad("1900-02-29", "no such date");
    date_bad("0026-01-01", "out of range");
    date_bad("26-3-31", "invalid date");
    date_bad("2026-3/31", "invalid date");
    date_bad("2026-03-31x", "invalid date");
    date_bad("2026-003-01", "invalid date");
    date_bad("2026年3月", "invalid date");
    date_bad("31/03/2026", "YYYY-MM-DD");
    date_bad("2026-03-31 09:30", "invalid date");
    date_bad("46112", "serial");
    date_bad("tomorrow", "invalid date \"tomorrow\"");
}

static void test_leap_years(void **state)
{
    (void)state;
    date_ok("2024-02-29", 2024, 2, 29);
    date_ok("2000-02-29", 2000, 2, 29);
    date_bad("2100-02-29", "no such date");
    assert_true(parse_is_leap(2024));
    assert_true(parse_is_leap(2000));
    assert_false(parse_is_leap(1900));
    assert_false(parse_is_leap(2026));
    assert_int_equal(parse_days_in_month(2024, 2), 29);
    assert_int_equal(parse_days_in_month(2026, 2), 28);
    assert_int_equal(parse_days_in_month(2026, 12), 31);
    assert_int_equal(parse_days_in_month(2026, 13), 0);
}

static void test_format_date(void **state)
{
    char buf[11], small[10];

    (void)state;
    assert_int_equal(parse_format_date(buf, sizeof buf, 2026, 3, 1), 0);
    assert_string_equal(buf, "2026-03-01");
    assert_int_equal(parse_format_date(small, sizeof small, 2026, 3, 1), -1);
}

static void word_ok(int (*fn)(const char *, const char **, char *, size_t), const char *s,
                    const char *want)
{
    const char *out = NULL;

    if (fn(s, &out, err, sizeof err) != 0)
        fail_msg("\"%s\" refused: %s", SHOW(s), err);
    assert_string_equal(out, want);
}

static void word_bad(int (*fn)(const char *, const char **, char *, size_t), const char *s,
                     const char *needle)
{
    const char *out = NULL;

    err[0] = '\0';
    if (fn(s, &out, err, sizeof err) != -1)
        fail_msg("\"%s\" accepted", SHOW(s));
    assert_null(out);
    if (strstr(err, needle) == NULL)
        fail_msg("\"%s\": \"%s\" lacks \"%s\"", SHOW(s), err, needle);
}

static void test_level(void **state)
{
    (void)state;
    word_ok(parse_level, "central", "central");
    word_ok(parse_level, " Provincial ", "provincial");
    word_ok(parse_level, "MUNICIPAL", "municipal");
    word_ok(parse_level, "district", "district");
    word_ok(parse_level, "中央", "central");
    word_ok(parse_level, "国家", "central");
    word_ok(parse_level, "省级", "provincial");
    word_ok(parse_level, "省", "provincial");
    word_ok(parse_level, "市级", "municipal");
    word_ok(parse_level, "市", "municipal");
    word_ok(parse_level, "区级", "district");
    word_ok(parse_level, "区", "district");
    word_bad(parse_level, "county-ish", "unknown level \"county-ish\" (allowed: central");
    word_bad(parse_level, "", "level is empty");
    word_bad(parse_level, "centrals", "unknown level");
}

static void bool_ok(const char *s, int def, int want)
{
    int out = -1;

    if (parse_bool(s, def, &out, err, sizeof err) != 0)
        fail_msg("parse_bool(\"%s\") failed: %s", SHOW(s), err);
    assert_int_equal(out, want);
}

static void test_bool(void **state)
{
    int out = 7;

    (void)state;
    bool_ok("yes", 0, 1);
    bool_ok("YES", 0, 1);
    bool_ok("true", 0, 1);
    bool_ok("1", 0, 1);
    bool_ok("y", 0, 1);
    bool_ok("是", 0, 1);
    bool_ok("no", 1, 0);
    bool_ok("False", 1, 0);
    bool_ok("0", 1, 0);
    bool_ok("N", 1, 0);
    bool_ok(" 否 ", 1, 0);
    bool_ok("", 0, 0);
    bool_ok("", 1, 1);
    bool_ok("  ", 1, 1);
    bool_ok(NULL, 1, 1);
    assert_int_equal(parse_bool("maybe", 0, &out, err, sizeof err), -1);
    assert_int_equal(out, 7);
    assert_non_null(strstr(err, "是/否"));
    assert_int_equal(parse_bool("2", 0, &out, err, sizeof err), -1);
}

static void test_status(void **state)
{
    (void)state;
    word_ok(parse_status, "rectifying", "rectifying");
    word_ok(parse_status, "Rectifying", "rectifying");
    word_ok(parse_status, "正在办理", "rectifying");
    word_ok(parse_status, "阶段办结", "rectifying");
    word_ok(parse_status, "", "rectifying");
    word_ok(parse_status, " ", "rectifying");
    word_ok(parse_status, "closed", "closed");
    word_ok(parse_status, "已办结", "closed");
    word_bad(parse_status, "applied", "allowed: rectifying, 正在办理, 阶段办结, closed, 已办结");
    word_bad(parse_status, "publicizing", "unknown status \"publicizing\"");
    word_bad(parse_status, "办结", "unknown status");
}

static void progress_ok(const char *s, int want)
{
    int out = -1;

    if (parse_progress(s, &out, err, sizeof err) != 0)
        fail_msg("parse_progress(\"%s\") failed: %s", SHOW(s), err);
    assert_int_equal(out, want);
}

static void progress_bad(const char *s, const char *needle)
{
    int out = -1;

    err[0] = '\0';
    if (parse_progress(s, &out, err, sizeof err) != -1)
        fail_msg("parse_progress(\"%s\") accepted", SHOW(s));
    assert_int_equal(out, -1);
    if (strstr(err, needle) == NULL)
        fail_msg("parse_progress(\"%s\"): \"%s\" lacks \"%s\"", SHOW(s), err, needle);
}

static void test_progress(void **state)
{
    (void)state;
    progress_ok("0", 0);
    progress_ok("80", 80);
    progress_ok("100", 100);
    progress_ok("80%", 80);
    progress_ok("80％", 80);
    progress_ok(" 80 % ", 80);
    progress_ok("80.0", 80);
    progress_ok("80.00%", 80);
    progress_ok("007", 7);
    progress_bad("", "empty");
    progress_bad("101", "out of range 0-100");
    progress_bad("1000", "invalid progress");
    progress_bad("-5", "invalid progress");
    progress_bad("80.5", "whole number");
    progress_bad("80.", "whole number");
    progress_bad(".5", "invalid progress");
    progress_bad("%", "invalid progress");
    progress_bad("eighty", "invalid progress \"eighty\"");
    progress_bad("80%%", "invalid progress");
}

/* Checks parse_list(s) against the |-joined want. */
static void list_is(const char *s, const char *want)
{
    char **list = NULL, joined[256] = "";
    size_t n = 99, count = 0;

    assert_int_equal(parse_list(s, &list, &n, err, sizeof err), 0);
    assert_non_null(list);
    for (char **p = list; *p != NULL; p++, count++) {
        if (count > 0)
            strcat(joined, "|");
        strcat(joined, *p);
    }
    assert_int_equal(n, count);
    assert_string_equal(joined, want);
    parse_list_free(list);
}

static void test_list(void **state)
{
    (void)state;
    list_is("a;b;c", "a|b|c");
    list_is("区水利局；区生态环境分局、区城管局", "区水利局|区生态环境分局|区城管局");
    list_is("a,b，c", "a|b|c");
    list_is(" a ; \xE3\x80\x80" "b\xE3\x80\x80 ;;", "a|b");
    list_is("x\ny\r\nz", "x|y|z");
    list_is("", "");
    list_is(" ;；、 ", "");
    list_is(NULL, "");
    list_is("single", "single");
    list_is("A B;C", "A B|C");
    parse_list_free(NULL);
}

static void test_unit_kind(void **state)
{
    (void)state;
    word_ok(parse_unit_kind, "town", "town");
    word_ok(parse_unit_kind, "Street", "street");
    word_ok(parse_unit_kind, "park", "park");
    word_ok(parse_unit_kind, "department", "department");
    word_ok(parse_unit_kind, "office", "office");
    word_ok(parse_unit_kind, "LEADERSHIP", "leadership");
    word_ok(parse_unit_kind, "镇", "town");
    word_ok(parse_unit_kind, "街道", "street");
    word_ok(parse_unit_kind, "园区", "park");
    word_ok(parse_unit_kind, "部门", "department");
    word_ok(parse_unit_kind, "整改办", "office");
    word_ok(parse_unit_kind, "领导小组", "leadership");
    word_bad(parse_unit_kind, "village", "unknown unit kind \"village\"");
    word_bad(parse_unit_kind, "", "unit kind is empty");
}

static void test_header_columns(void **state)
{
    static const struct {
        const char *name;
        enum parse_col col;
    } cases[] = {
        {"ref", PARSE_COL_REF},
        {"REF", PARSE_COL_REF},
        {"编号", PARSE_COL_REF},
        {"问题编号", PARSE_COL_REF},
        {"序号", PARSE_COL_UNKNOWN},
        {"level", PARSE_COL_LEVEL},
        {"层级", PARSE_COL_LEVEL},
        {"source", PARSE_COL_SOURCE},
        {"问题来源", PARSE_COL_SOURCE},
        {"category", PARSE_COL_CATEGORY},
        {"类别", PARSE_COL_CATEGORY},
        {"title", PARSE_COL_TITLE},
        {"问题", PARSE_COL_TITLE},
        {"问题描述", PARSE_COL_TITLE},
        {"问题内容", PARSE_COL_TITLE},
        {"location", PARSE_COL_LOCATION},
        {"地址", PARSE_COL_LOCATION},
        {"unit", PARSE_COL_UNIT},
        {"主体责任单位", PARSE_COL_UNIT},
        {"supervisors", PARSE_COL_SUPERVISORS},
        {"监管责任单位", PARSE_COL_SUPERVISORS},
        {"监管（验收）责任单位", PARSE_COL_SUPERVISORS},
        {"监管(验收)责任单位", PARSE_COL_SUPERVISORS},
        {"deadline", PARSE_COL_DEADLINE},
        {"整改时限", PARSE_COL_DEADLINE},
        {"完成时限", PARSE_COL_DEADLINE},
        {"整改时限（年月日）", PARSE_COL_DEADLINE},
        {"long_term", PARSE_COL_LONG_TERM},
        {"Long Term", PARSE_COL_LONG_TERM},
        {"long-term", PARSE_COL_LONG_TERM},
        {"长期", PARSE_COL_LONG_TERM},
        {"是否长期", PARSE_COL_LONG_TERM},
        {"measures", PARSE_COL_MEASURES},
        {"整改措施", PARSE_COL_MEASURES},
        {"target", PARSE_COL_TARGET},
        {"整改目标", PARSE_COL_TARGET},
        {"status", PARSE_COL_STATUS},
        {"办理状态", PARSE_COL_STATUS},
        {"closed_on", PARSE_COL_CLOSED_ON},
        {"办结日期", PARSE_COL_CLOSED_ON},
        {"办结时间", PARSE_COL_CLOSED_ON},
        {"progress", PARSE_COL_PROGRESS},
        {"整改进度", PARSE_COL_PROGRESS},
        {"整改进度(%)", PARSE_COL_PROGRESS},
        {" \xEF\xBB\xBF" "编号 ", PARSE_COL_REF},
        {"\xE3\x80\x80" "整改 措施\n", PARSE_COL_MEASURES},
        {"*编号", PARSE_COL_REF},
        {"备注", PARSE_COL_UNKNOWN},
        {"责任人", PARSE_COL_CONTACT},
        {"contact", PARSE_COL_CONTACT},
        {"是否属实", PARSE_COL_VERIFIED},
        {"责令整改(家)", PARSE_COL_ORDERED},
        {"立案处罚（家）", PARSE_COL_PENALIZED},
        {"罚款金额(万元)", PARSE_COL_FINE},
        {"立案侦查(件)", PARSE_COL_INVESTIGATED},
        {"拘留(人) 行政", PARSE_COL_DETAINED_ADMIN},
        {"拘留(人)刑事", PARSE_COL_DETAINED_CRIMINAL},
        {"detained_criminal", PARSE_COL_DETAINED_CRIMINAL},
        {"约谈(人)", PARSE_COL_INTERVIEWED},
        {"问责(人)", PARSE_COL_ACCOUNTABLE},
        {"", PARSE_COL_UNKNOWN},
        {"refs", PARSE_COL_UNKNOWN},
        {"编号编号编号编号编号编号编号编号编号编号编号编号编号编号编号编号编号编号编号编号编号编号编号",
         PARSE_COL_UNKNOWN},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (parse_header_column(cases[i].name) != cases[i].col)
            fail_msg("header \"%s\": got %d, want %d", cases[i].name,
                     (int)parse_header_column(cases[i].name), (int)cases[i].col);
    assert_int_equal(parse_header_column(NULL), PARSE_COL_UNKNOWN);
    assert_string_equal(parse_col_name(PARSE_COL_LONG_TERM), "long_term");
    assert_string_equal(parse_col_name(PARSE_COL_PROGRESS), "progress");
    assert_string_equal(parse_col_name(PARSE_COL_UNKNOWN), "unknown");
    assert_string_equal(parse_col_name(PARSE_COL_DETAINED_ADMIN), "detained_admin");
    assert_string_equal(parse_col_name(PARSE_COL_ACCOUNTABLE), "accountable");
    assert_string_equal(parse_col_name(PARSE_COL_COUNT), "unknown");
}

static void test_enforcement_values(void **state)
{
    char err[256], wan[32];
    const char *v;
    long n;

    (void)state;
    assert_int_equal(parse_status_stage_done(" 阶段办结 "), 1);
    assert_int_equal(parse_status_stage_done("正在办理"), 0);
    assert_int_equal(parse_status_stage_done(""), 0);
    word_ok(parse_verified, "属实", "属实");
    word_ok(parse_verified, "部分属实", "部分属实");
    word_ok(parse_verified, "partly", "部分属实");
    word_ok(parse_verified, "不属实", "不属实");
    assert_int_equal(parse_verified(" ", &v, err, sizeof err), 0);
    assert_null(v);
    word_bad(parse_verified, "大概", "allowed: 属实, 部分属实, 不属实");
    assert_int_equal(parse_count("3", &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(parse_count(" 12.0 ", &n, err, sizeof err), 0);
    assert_int_equal(n, 12);
    assert_int_equal(parse_count("1000000", &n, err, sizeof err), 0);
    assert_int_equal(parse_count("1000001", &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(parse_count("-1", &n, err, sizeof err), -1);
    assert_int_equal(parse_count("2.5", &n, err, sizeof err), -1);
    assert_int_equal(parse_count("", &n, err, sizeof err), -1);
    assert_int_equal(parse_wan("12.50", wan, sizeof wan, err, sizeof err), 0);
    assert_string_equal(wan, "12.5");
    assert_int_equal(parse_wan(" 3 万元", wan, sizeof wan, err, sizeof err), 0);
    assert_string_equal(wan, "3");
    assert_int_equal(parse_wan("007.0", wan, sizeof wan, err, sizeof err), 0);
    assert_string_equal(wan, "7");
    assert_int_equal(parse_wan("0.0125万", wan, sizeof wan, err, sizeof err), 0);
    assert_string_equal(wan, "0.0125");
    assert_int_equal(parse_wan("1.23456", wan, sizeof wan, err, sizeof err), -1);
    assert_non_null(strstr(err, "at most 4 decimals"));
    assert_int_equal(parse_wan("-3", wan, sizeof wan, err, sizeof err), -1);
    assert_int_equal(parse_wan("1e3", wan, sizeof wan, err, sizeof err), -1);
    assert_int_equal(parse_wan("123456789", wan, sizeof wan, err, sizeof err), -1);
    assert_int_equal(parse_wan("", wan, sizeof wan, err, sizeof err), -1);
}

static void period_ok(const char *s, enum parse_period_kind kind, int y, int num, int day,
                      const char *canon)
{
    struct parse_period p;
    char buf[16];

    if (parse_period(s, &p, err, sizeof err) != 0)
        fail_msg("parse_period(\"%s\") failed: %s", SHOW(s), err);
    assert_int_equal(p.kind, kind);
    assert_int_equal(p.year, y);
    assert_int_equal(p.num, num);
    assert_int_equal(p.day, day);
    assert_int_equal(parse_format_period(buf, sizeof buf, &p), 0);
    assert_string_equal(buf, canon);
}

static void period_bad(const char *s, const char *needle)
{
    struct parse_period p;

    err[0] = '\0';
    if (parse_period(s, &p, err, sizeof err) != -1)
        fail_msg("parse_period(\"%s\") accepted", SHOW(s));
    if (strstr(err, needle) == NULL)
        fail_msg("parse_period(\"%s\"): \"%s\" lacks \"%s\"", SHOW(s), err, needle);
}

static void test_period(void **state)
{
    (void)state;
    period_ok("2026-03", PARSE_PERIOD_MONTH, 2026, 3, 0, "2026-03");
    period_ok("2026-3", PARSE_PERIOD_MONTH, 2026, 3, 0, "2026-03");
    period_ok("2026-12", PARSE_PERIOD_MONTH, 2026, 12, 0, "2026-12");
    period_ok("2026-Q1", PARSE_PERIOD_QUARTER, 2026, 1, 0, "2026-Q1");
    period_ok(" 2026-q4 ", PARSE_PERIOD_QUARTER, 2026, 4, 0, "2026-Q4");
    period_ok("2026-03-10", PARSE_PERIOD_DATE, 2026, 3, 10, "2026-03-10");
    period_ok("2024-02-29", PARSE_PERIOD_DATE, 2024, 2, 29, "2024-02-29");
    period_bad("2026-13", "invalid period \"2026-13\" (use 2026-03, 2026-Q1 or 2026-03-10)");
    period_bad("2026-00", "invalid period");
    period_bad("2026-Q5", "invalid period");
    period_bad("2026-Q0", "invalid period");
    period_bad("2026Q1", "invalid period");
    period_bad("2026", "invalid period");
    period_bad("", "invalid period");
    period_bad("2026-02-30", "no such date");
    period_bad("2025-02-29", "no such date");
}

static void time_ok(const char *s, long long want)
{
    time_t t = 0;

    if (parse_iso_time(s, &t, err, sizeof err) != 0)
        fail_msg("parse_iso_time(\"%s\") failed: %s", SHOW(s), err);
    assert_int_equal((long long)t, want);
}

static void time_bad(const char *s, const char *needle)
{
    time_t t = 12345;

    err[0] = '\0';
    if (parse_iso_time(s, &t, err, sizeof err) != -1)
        fail_msg("parse_iso_time(\"%s\") accepted", SHOW(s));
    assert_int_equal((long long)t, 12345);
    if (strstr(err, needle) == NULL)
        fail_msg("parse_iso_time(\"%s\"): \"%s\" lacks \"%s\"", SHOW(s), err, needle);
}

static void test_iso_time(void **state)
{
    (void)state;
    /* 2026-03-09T01:00:00Z = 1773018000 */
    time_ok("2026-03-09T09:00:00+08:00", 1773018000LL);
    time_ok("2026-03-09T01:00:00Z", 1773018000LL);
    time_ok("2026-03-09t01:00:00z", 1773018000LL);
    time_ok("2026-03-09 09:00:00+08", 1773018000LL);
    time_ok("2026-03-09T09:00+0800", 1773018000LL);
    time_ok("2026-03-09T09:00:00.250+08:00", 1773018000LL);
    time_ok("2026-03-08T20:00:00-05:00", 1773018000LL);
    time_ok("2026-03-09 09:00:00 +08:00", 1773018000LL);
    time_ok("1970-01-01T00:00:00Z", 0);
    time_ok("2024-02-29T23:59:59Z", 1709251199LL);
    time_bad("2026-03-09", "invalid time");
    time_bad("2026-03-09T09:00:00", "needs a UTC offset or Z");
    time_bad("2026-03-09T09:00:00+8", "invalid UTC offset");
    time_bad("2026-03-09T09:00:00+08:00x", "invalid UTC offset");
    time_bad("2026-03-09T09:00:00+08:0", "invalid UTC offset");
    time_bad("2026-03-09T24:00:00Z", "invalid time");
    time_bad("2026-03-09T09:60:00Z", "invalid time");
    time_bad("2026-02-30T09:00:00Z", "no such date");
    time_bad("2026-3-9T09:00:00Z", "invalid time");
    time_bad("2026-03-09T09:00:00+15:00", "invalid UTC offset");
    time_bad("", "invalid time");
    time_bad("now", "invalid time");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_forms),     cmocka_unit_test(test_date_rejects),
        cmocka_unit_test(test_leap_years),     cmocka_unit_test(test_format_date),
        cmocka_unit_test(test_level),          cmocka_unit_test(test_bool),
        cmocka_unit_test(test_status),         cmocka_unit_test(test_progress),
        cmocka_unit_test(test_list),           cmocka_unit_test(test_unit_kind),
        cmocka_unit_test(test_header_columns), cmocka_unit_test(test_period),
        cmocka_unit_test(test_iso_time),       cmocka_unit_test(test_enforcement_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
