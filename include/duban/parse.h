/* parse: value parsers shared by the CSV importers and dubanctl (dates, levels, booleans,
 * statuses, progress, lists, unit kinds, ledger header names, periods, ISO 8601 times). */
#ifndef DUBAN_PARSE_H
#define DUBAN_PARSE_H

#include <stddef.h>
#include <time.h>

/* Every parser returns 0 on success, or -1 with a short English message (no file, line or
 * column; e.g. "no such date: 2026-02-30") written to err[0..errlen) when err is not NULL.
 * Input is UTF-8; surrounding whitespace (ASCII, U+3000, U+00A0) is ignored. */

/* Dates: 2026-03-31, 2026-3-1, 2026/3/31, 2026.3.31, 2026年3月31日; an all-zero time part
 * (" 00:00" or " 0:00:00", as spreadsheets export) is tolerated. */
int parse_date(const char *s, int *y, int *m, int *d, char *err, size_t errlen);
/* Writes "YYYY-MM-DD" (needs 11 bytes). Returns 0, or -1 if buf is too small. */
int parse_format_date(char *buf, size_t len, int y, int m, int d);
int parse_is_leap(int y);
int parse_days_in_month(int y, int m); /* 0 for a bad month */

/* Problem level → "central", "provincial", "municipal" or "district" (static string).
 * Accepts those (case-insensitive) and 中央/国家/国家级, 省级/省, 市级/市, 区级/区/县级/县. */
int parse_level(const char *s, const char **out, char *err, size_t errlen);

/* yes/no, true/false, 1/0, y/n (case-insensitive), 是/否. Empty → *out = def. */
int parse_bool(const char *s, int def, int *out, char *err, size_t errlen);

/* Import status → "rectifying" (rectifying, 正在办理, 阶段办结, empty) or "closed"
 * (closed, 已办结); anything else is refused with the list of allowed values. */
int parse_status(const char *s, const char **out, char *err, size_t errlen);

/* Whether an import status is 阶段办结 (also "stage_done"): a long-term problem whose
 * current stage target is met (SPEC §6). */
int parse_status_stage_done(const char *s);

/* 属实 / 部分属实 / 不属实 (also true/partly/false, yes/no) → that Chinese word (static).
 * Empty → *out = NULL (not verified yet). */
int parse_verified(const char *s, const char **out, char *err, size_t errlen);

/* An enforcement count (firms, cases, persons): a whole number 0–1000000; "80.0" is 80.
 * Empty is an error (callers decide what an empty cell means first). */
int parse_count(const char *s, long *out, char *err, size_t errlen);

/* A fine in 万元: a decimal number ≥ 0 with at most 4 decimals, at most 99999999, an optional
 * 万元/万 after it, e.g. "12.5", "3 万元". out gets it normalised ("12.5"; needs 32 bytes).
 * Empty is an error. */
int parse_wan(const char *s, char *out, size_t outlen, char *err, size_t errlen);

/* Progress: whole number 0–100, optionally "80.0", optionally followed by % or ％.
 * Empty is an error (callers decide what an empty cell means first). */
int parse_progress(const char *s, int *out, char *err, size_t errlen);

/* Splits a list on ; ； 、 , ， and line breaks, trims each item, drops empty ones.
 * On success *out is a NULL-terminated array of malloc'd strings (free with
 * parse_list_free) and *n (if not NULL) its length; an empty input gives an empty array.
 * Fails only when out of memory. */
int parse_list(const char *s, char ***out, size_t *n, char *err, size_t errlen);
void parse_list_free(char **list);

/* Unit kind → "town", "street", "park", "department", "office" or "leadership".
 * Also 镇/乡/乡镇, 街道, 园区, 部门/区直部门, 整改办/领导小组办公室, 领导小组. */
int parse_unit_kind(const char *s, const char **out, char *err, size_t errlen);

/* Columns of the problem ledger CSV (SPEC §6). */
enum parse_col {
    PARSE_COL_UNKNOWN = 0,
    PARSE_COL_REF,
    PARSE_COL_LEVEL,
    PARSE_COL_SOURCE,
    PARSE_COL_CATEGORY,
    PARSE_COL_TITLE,
    PARSE_COL_LOCATION,
    PARSE_COL_UNIT,
    PARSE_COL_SUPERVISORS,
    PARSE_COL_DEADLINE,
    PARSE_COL_LONG_TERM,
    PARSE_COL_MEASURES,
    PARSE_COL_TARGET,
    PARSE_COL_STATUS,
    PARSE_COL_CLOSED_ON,
    PARSE_COL_PROGRESS,
    PARSE_COL_CONTACT,
    PARSE_COL_VERIFIED,
    PARSE_COL_ORDERED,
    PARSE_COL_PENALIZED,
    PARSE_COL_FINE,
    PARSE_COL_INVESTIGATED,
    PARSE_COL_DETAINED_ADMIN,
    PARSE_COL_DETAINED_CRIMINAL,
    PARSE_COL_INTERVIEWED,
    PARSE_COL_ACCOUNTABLE,
    PARSE_COL_COUNT
};

/* Maps a header cell (English, case-insensitive, or Chinese; whitespace, a BOM, a '*'
 * required-marker and parenthesised notes such as （验收） or (%) are ignored) to its
 * column, or PARSE_COL_UNKNOWN. */
enum parse_col parse_header_column(const char *name);
/* English name of a column ("ref", "long_term", ...); "unknown" for PARSE_COL_UNKNOWN. */
const char *parse_col_name(enum parse_col col);

/* Reporting periods. */
enum parse_period_kind { PARSE_PERIOD_MONTH, PARSE_PERIOD_QUARTER, PARSE_PERIOD_DATE };
struct parse_period {
    enum parse_period_kind kind;
    int year;
    int num; /* month 1–12 (MONTH, DATE) or quarter 1–4 (QUARTER) */
    int day; /* DATE only, else 0 */
};
/* "2026-03" (month), "2026-Q1" (quarter, q allowed), or any parse_date() form (date). */
int parse_period(const char *s, struct parse_period *out, char *err, size_t errlen);
/* Writes "2026-03", "2026-Q1" or "2026-03-10". Returns 0, or -1 if buf is too small. */
int parse_format_period(char *buf, size_t len, const struct parse_period *p);

/* ISO 8601 time with a mandatory offset: 2026-03-09T09:00:00+08:00, ...Z, a space instead
 * of T, seconds and fraction optional, offset as +08, +0800 or +08:00 → UTC time_t. */
int parse_iso_time(const char *s, time_t *out, char *err, size_t errlen);

#endif
