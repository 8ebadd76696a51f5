/* import_calendar_json: reads a holiday-cn JSON file
 * ({"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},…]}) into the
 * calendar days to import, checking every entry; errors go to the import's list as
 * FILE:LINE: message (not JSON) or FILE: days[i].member: message. */
#include "import.h"
#include "duban/parse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A date of the file may lie this many years from its "year" (a New Year holiday that
 * starts on 31 December belongs to the next year's notice). */
#define CAL_JSON_YEAR_SLACK 1

/* Skips a UTF-8 byte order mark at the start of f (jansson refuses one). 0, or -1. */
static int cal_json_skip_bom(FILE *f)
{
	int c = getc(f);

	if (c == 0xEF) {
		if (getc(f) == 0xBB && getc(f) == 0xBF)
			return 0;
		return -1;
	}
	if (c != EOF && ungetc(c, f) == EOF)
		return -1;
	return 0;
}

int calendar_json_sniff(const char *path, FILE *f)
{
	const char *slash = strrchr(path, '/'), *dot = strrchr(slash != NULL ? slash : path, '.');
	int c;

	if (dot != NULL && strcasecmp(dot, ".json") == 0)
		return 1;
	if (dot != NULL && strcasecmp(dot, ".csv") == 0)
		return 0;
	while ((c = getc(f)) != EOF && isspace(c))
		;
	if (c == EOF)
		return 0;
	if (ungetc(c, f) == EOF)
		return -1;
	if (c == 0xEF)    /* a BOM: look past it on a file that can be re-read */
		return f != stdin && cal_json_skip_bom(f) == 0 && calendar_json_sniff("", f) == 1;
	return c == '{';
}

/* The date of entry i as YYYY-MM-DD in out, checked against the file's year. 0 or -1. */
static int cal_json_date(struct imp *im, size_t i, const json_t *v, long year, char out[11])
{
	char msg[256], show[64];
	int y, m, d;

	if (!json_is_string(v)) {
		imp_error(im, 0, IMP_COL_NONE, "days[%zu].date: %s", i,
			  v == NULL ? "missing" : "not a string");
		return -1;
	}
	if (parse_date(json_string_value(v), &y, &m, &d, msg, sizeof(msg)) != 0 ||
	    parse_format_date(out, 11, y, m, d) != 0) {
		imp_error(im, 0, IMP_COL_NONE, "days[%zu].date: %s", i, msg);
		return -1;
	}
	if (year > 0 && (y < year - CAL_JSON_YEAR_SLACK || y > year + CAL_JSON_YEAR_SLACK)) {
		imp_error(im, 0, IMP_COL_NONE, "days[%zu].date: %s is not in or next to year %ld",
			  i, imp_quote(show, sizeof(show), json_string_value(v)), year);
		return -1;
	}
	return 0;
}

/* Checks entry i and appends {day, workday, name} to rows. */
static void cal_json_entry(struct imp *im, size_t i, const json_t *e, long year, json_t *rows)
{
	const json_t *off = json_object_get(e, "isOffDay"), *name = json_object_get(e, "name");
	char day[11];
	int ok = 1;

	if (!json_is_object(e)) {
		imp_error(im, 0, IMP_COL_NONE, "days[%zu]: not an object", i);
		return;
	}
	if (cal_json_date(im, i, json_object_get(e, "date"), year, day) != 0)
		ok = 0;
	if (!json_is_boolean(off)) {
		imp_error(im, 0, IMP_COL_NONE, "days[%zu].isOffDay: %s", i,
			  off == NULL ? "missing" : "not true or false");
		ok = 0;
	}
	if (name != NULL && !json_is_string(name) && !json_is_null(name)) {
		imp_error(im, 0, IMP_COL_NONE, "days[%zu].name: not a string", i);
		ok = 0;
	}
	if (ok && json_array_append_new(rows, json_pack("{s:s, s:b, s:s, s:I}", "day", day,
							"workday", !json_is_true(off), "name",
							json_is_string(name) ? json_string_value(name)
									     : "",
							"entry", (json_int_t)i)) != 0)
		imp_error(im, 0, IMP_COL_NONE, "days[%zu]: out of memory", i);
}

static int cal_json_cmp_day(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "day")),
		       json_string_value(json_object_get(y, "day")));

	if (c != 0)
		return c;
	return json_integer_value(json_object_get(x, "entry")) <
	       json_integer_value(json_object_get(y, "entry")) ? -1 : 1;
}

/* Records every date given twice (as the CSV import does). */
static void cal_json_duplicates(struct imp *im, const json_t *rows)
{
	size_t n = json_array_size(rows);
	json_t **v = n > 0 ? malloc(n * sizeof(*v)) : NULL;

	if (n > 0 && v == NULL) {
		imp_error(im, 0, IMP_COL_NONE, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(rows, i);
	qsort(v, n, sizeof(*v), cal_json_cmp_day);
	for (size_t i = 1, first = 0; i < n; i++) {
		const char *day = json_string_value(json_object_get(v[i], "day"));

		if (strcmp(day, json_string_value(json_object_get(v[first], "day"))) != 0) {
			first = i;
			continue;
		}
		imp_error(im, 0, IMP_COL_NONE, "days[%" JSON_INTEGER_FORMAT "].date: %s appears twice: "
			  "already days[%" JSON_INTEGER_FORMAT "]",
			  json_integer_value(json_object_get(v[i], "entry")), day,
			  json_integer_value(json_object_get(v[first], "entry")));
	}
	free(v);
}

/* The file's "year". 0, or -1 (recorded). */
static int cal_json_year(struct imp *im, const json_t *doc, long *year)
{
	const json_t *y = json_object_get(doc, "year");

	if (!json_is_integer(y) || json_integer_value(y) < 1900 || json_integer_value(y) > 9999) {
		imp_error(im, 0, IMP_COL_NONE, "year: %s", y == NULL ? "missing"
				 : "not a year (a whole number such as 2027)");
		return -1;
	}
	*year = (long)json_integer_value(y);
	return 0;
}

json_t *calendar_json_read(struct imp *im, FILE *f)
{
	json_error_t jerr;
	json_t *doc, *rows, *days, *e;
	long year = 0;
	size_t i;

	if (cal_json_skip_bom(f) != 0) {
		imp_error(im, 1, IMP_COL_NONE, "not JSON: a broken byte order mark");
		return NULL;
	}
	doc = json_loadf(f, 0, &jerr);
	if (doc == NULL) {
		imp_error(im, jerr.line > 0 ? jerr.line : 0, IMP_COL_NONE, "not JSON: %s",
			  jerr.text);
		return NULL;
	}
	rows = json_array();
	days = json_object_get(doc, "days");
	if (rows == NULL || !json_is_object(doc)) {
		imp_error(im, 0, IMP_COL_NONE, rows == NULL ? "out of memory"
				 : "not a holiday-cn file: the top level is not an object");
		goto done;
	}
	if (cal_json_year(im, doc, &year) != 0)
		year = 0;    /* the days are still checked, but not against a year */
	if (!json_is_array(days) || json_array_size(days) == 0) {
		imp_error(im, 0, IMP_COL_NONE, "days: %s", days == NULL ? "missing"
				 : json_is_array(days) ? "empty: nothing to import" : "not an array");
		goto done;
	}
	json_array_foreach(days, i, e)
		cal_json_entry(im, i, e, year, rows);
	im->rows = (long)json_array_size(days);
	cal_json_duplicates(im, rows);
done:
	json_decref(doc);
	if (im->total_errors > 0) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}
