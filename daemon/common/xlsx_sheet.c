/* xlsx_sheet: reads the first sheet of an .xlsx workbook row by row (xlsx.h): cell
 * references to columns, cell types and styles to the text the office sees (shared and
 * inline strings, numbers, dates, percentages, booleans). */
#include "xlsx_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int xlsx_is_xlsx_name(const char *path)
{
	size_t n = strlen(path);

	return n > 5 && strcasecmp(path + n - 5, ".xlsx") == 0;
}

struct xlsx_reader *xlsx_open(const char *path, char *err, size_t errlen)
{
	struct xlsx_reader *r = calloc(1, sizeof(*r));
	int zerr = 0;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->row_text.limit = (size_t)XLSX_MAX_ROW_BYTES;
	r->value.limit = (size_t)XLSX_MAX_ROW_BYTES;
	r->zip = zip_open(path, ZIP_RDONLY, &zerr);
	if (r->zip == NULL) {
		zip_error_t ze;

		zip_error_init_with_code(&ze, zerr);
		snprintf(err, errlen, "not an .xlsx workbook (%s); an old .xls or a "
			 "password-protected workbook must be saved as .xlsx first",
			 zip_error_strerror(&ze));
		zip_error_fini(&ze);
		free(r);
		return NULL;
	}
	if (xlsx_book_load(r) != 0 ||
	    xpart_open(r, &r->sheet, r->sheet_path, XLSX_MAX_SHEET_BYTES) != 0) {
		snprintf(err, errlen, "%s", r->err);
		xlsx_close(r);
		return NULL;
	}
	r->sheet_open = 1;
	return r;
}

/* Column index of a cell reference such as "AB12" (0-based), -1 if malformed. */
static long xlsx_col_of(const char *ref)
{
	long col = 0;
	int letters = 0;

	for (; *ref >= 'A' && *ref <= 'Z'; ref++) {
		col = col * 26 + (*ref - 'A' + 1);
		if (++letters > 3)
			return -1;
	}
	return letters > 0 ? col - 1 : -1;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), and back. */
static long xlsx_days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void xlsx_civil_from_days(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* An Excel date serial as YYYY-MM-DD; -1 when it is no date Excel can show. */
static int xlsx_serial_date(const struct xlsx_reader *r, double serial, char out[16])
{
	long day, base;
	int y, m, d;

	if (!(serial >= 1.0 && serial < 2958466.0))
		return -1;
	day = (long)floor(serial);
	if (r->date1904)
		base = xlsx_days_from_civil(1904, 1, 1);
	else if (day < 60)
		base = xlsx_days_from_civil(1899, 12, 31);
	else
		base = xlsx_days_from_civil(1899, 12, 30);   /* Excel's 1900-02-29 is skipped */
	xlsx_civil_from_days(base + day, &y, &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
	return 0;
}

/* The text of a numeric cell under its style. */
static void xlsx_number_text(const struct xlsx_reader *r, const char *v, long style,
			     char *out, size_t outlen)
{
	enum xlsx_numkind kind = XN_GENERAL;
	char *end;
	double x = strtod(v, &end);

	if (*v == '\0' || *end != '\0' || !isfinite(x)) {
		snprintf(out, outlen, "%s", v);
		return;
	}
	if (style >= 0 && (size_t)style < r->nxf)
		kind = (enum xlsx_numkind)r->xf_kind[style];
	if (kind == XN_DATE && xlsx_serial_date(r, x, out) == 0)
		return;
	if (kind == XN_PERCENT)
		snprintf(out, outlen, "%.15g%%", x * 100.0);
	else
		snprintf(out, outlen, "%.15g", x);
}

struct xcell {
	long col;
	char type[8];
	long style;
	int has_value;
};

/* Stores the current cell's text (from r->value) as column col of the row. */
static int xlsx_store_cell(struct xlsx_reader *r, const struct xcell *c, const char *text,
			   size_t n)
{
	if ((size_t)c->col >= r->ncell_cap) {
		size_t cap = r->ncell_cap > 0 ? r->ncell_cap : 32;
		long *o;

		while (cap <= (size_t)c->col)
			cap *= 2;
		o = realloc(r->cell_off, cap * sizeof(*o));
		if (o == NULL)
			return xlsx_fail(r, r->last_row, "out of memory");
		for (size_t i = r->ncell_cap; i < cap; i++)
			o[i] = -1;
		r->cell_off = o;
		r->ncell_cap = cap;
	}
	r->cell_off[c->col] = (long)r->row_text.n;
	if (xbuf_add(&r->row_text, text, n) != 0 || xbuf_add(&r->row_text, "", 1) != 0)
		return xlsx_fail(r, r->last_row, "the row is larger than %ld bytes",
				 (long)XLSX_MAX_ROW_BYTES);
	return 0;
}

/* Ends a cell: converts its raw value by type and style. */
static int xlsx_end_cell(struct xlsx_reader *r, const struct xcell *c)
{
	char num[64];
	const char *text = r->value.p != NULL ? r->value.p : "";
	size_t n = r->value.n;

	if (!c->has_value)
		return 0;
	if (strcmp(c->type, "s") == 0) {
		char *end;
		long idx = strtol(text, &end, 10);

		if (*text == '\0' || *end != '\0' || idx < 0 || (size_t)idx >= r->nsst)
			return xlsx_fail(r, r->last_row, "a cell names shared string %s, which "
					 "the workbook does not have", text);
		text = r->sst_text.p + r->sst_off[idx];
		n = strlen(text);
	} else if (strcmp(c->type, "b") == 0) {
		text = strcmp(text, "1") == 0 ? "TRUE" : "FALSE";
		n = strlen(text);
	} else if (strcmp(c->type, "d") == 0) {
		n = n > 10 && text[10] == 'T' ? 10 : n;
	} else if (strcmp(c->type, "n") == 0 || c->type[0] == '\0') {
		xlsx_number_text(r, text, c->style, num, sizeof(num));
		text = num;
		n = strlen(num);
	} else if (strcmp(c->type, "inlineStr") == 0 || strcmp(c->type, "str") == 0) {
		n = xlsx_unescape(r->value.p != NULL ? r->value.p : num, n);
	}
	return xlsx_store_cell(r, c, text, n);
}

static int xlsx_start_cell(struct xlsx_reader *r, struct xcell *c, long next_col)
{
	char *ref = xnode_attr(&r->sheet, "r"), *t = xnode_attr(&r->sheet, "t");
	char *s = xnode_attr(&r->sheet, "s");

	c->col = ref != NULL ? xlsx_col_of(ref) : next_col;
	snprintf(c->type, sizeof(c->type), "%s", t != NULL ? t : "");
	c->style = s != NULL ? atol(s) : -1;
	c->has_value = 0;
	r->value.n = 0;
	free(ref);
	free(t);
	free(s);
	if (c->col < 0 || c->col >= XLSX_MAX_COLUMNS)
		return xlsx_fail(r, r->last_row, "a cell reference is not a column A to XFD");
	return 0;
}

static int xlsx_start_row(struct xlsx_reader *r)
{
	char *v = xnode_attr(&r->sheet, "r");
	long row = v != NULL ? atol(v) : r->last_row + 1;

	free(v);
	if (row <= r->last_row || row > XLSX_MAX_ROWS)
		return xlsx_fail(r, r->last_row + 1, "row number %ld is out of order or range", row);
	r->last_row = row;
	r->row_text.n = 0;
	for (size_t i = 0; i < r->ncell_cap; i++)
		r->cell_off[i] = -1;
	return xbuf_add(&r->row_text, "", 1) != 0 ? xlsx_fail(r, row, "out of memory") : 0;
}

/* Hands the finished row out as a record. */
static int xlsx_emit_row(struct xlsx_reader *r, struct csv_record *rec)
{
	size_t n = 0;

	for (size_t i = 0; i < r->ncell_cap; i++)
		if (r->cell_off[i] >= 0)
			n = i + 1;
	if (n > r->fields_cap) {
		char **f = realloc(r->fields, n * sizeof(*f));
		size_t *l;

		if (f != NULL)
			r->fields = f;
		l = f != NULL ? realloc(r->lens, n * sizeof(*l)) : NULL;
		if (l == NULL)
			return xlsx_fail(r, r->last_row, "out of memory");
		r->lens = l;
		r->fields_cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		long off = r->cell_off[i];

		/* offset 0 is the row's own empty string: a missing cell */
		r->fields[i] = r->row_text.p + (off >= 0 ? off : 0);
		r->lens[i] = strlen(r->fields[i]);
	}
	rec->nfields = n;
	rec->fields = r->fields;
	rec->lens = r->lens;
	rec->line = r->last_row;
	return 1;
}

/* Reads a <v> or <is> into r->value. */
static int xlsx_read_value(struct xlsx_reader *r, struct xcell *c, int rich)
{
	xmlChar *s;
	int rc;

	c->has_value = 1;
	r->value.n = 0;
	if (xbuf_add(&r->value, "", 0) != 0)
		return xlsx_fail(r, r->last_row, "out of memory");
	if (rich)
		return xnode_rich_text(r, &r->sheet, &r->value);
	s = xmlTextReaderReadString(r->sheet.xr);
	if (s == NULL)
		return 0;
	rc = xbuf_add(&r->value, (const char *)s, strlen((const char *)s));
	xmlFree(s);
	return rc != 0 ? xlsx_fail(r, r->last_row, "a cell is larger than allowed") : 0;
}

/* One node of the sheet. Returns 1 when a row is complete, 2 at the end of the sheet
 * data, 0 to go on, -1 on error. */
static int xlsx_sheet_node(struct xlsx_reader *r, struct xcell *c, int *in_row, int *in_cell)
{
	struct xpart *p = &r->sheet;
	int type = xmlTextReaderNodeType(p->xr), empty;

	if (type == XML_READER_TYPE_END_ELEMENT) {
		if (xnode_is(p, "c") && *in_cell) {
			*in_cell = 0;
			return xlsx_end_cell(r, c);
		}
		if (xnode_is(p, "row") && *in_row) {
			*in_row = 0;
			return 1;
		}
		return xnode_is(p, "sheetData") ? 2 : 0;
	}
	if (type != XML_READER_TYPE_ELEMENT)
		return 0;
	empty = xmlTextReaderIsEmptyElement(p->xr);
	if (xnode_is(p, "row")) {
		if (xlsx_start_row(r) != 0)
			return -1;
		*in_row = !empty;
		return empty ? 1 : 0;
	}
	if (xnode_is(p, "c") && *in_row) {
		long next = c->col + 1;

		if (xlsx_start_cell(r, c, next) != 0)
			return -1;
		*in_cell = !empty;
		return 0;
	}
	if (*in_cell && xnode_is(p, "v"))
		return xlsx_read_value(r, c, 0);
	if (*in_cell && xnode_is(p, "is"))
		return xlsx_read_value(r, c, 1);
	return 0;
}

int xlsx_next(struct xlsx_reader *r, struct csv_record *rec)
{
	struct xcell c = {.col = -1};
	int in_row = 0, in_cell = 0;

	if (r->err[0] != '\0')
		return -1;
	if (r->done)
		return 0;
	for (;;) {
		int rc = xpart_read(r, &r->sheet);

		if (rc < 0) {
			r->err_line = r->last_row;
			return -1;
		}
		if (rc == 0) {
			r->done = 1;
			return 0;
		}
		rc = xlsx_sheet_node(r, &c, &in_row, &in_cell);
		if (rc < 0)
			return -1;
		if (rc == 1)
			return xlsx_emit_row(r, rec);
		if (rc == 2) {
			r->done = 1;
			return 0;
		}
		if (!in_row)
			c.col = -1;
	}
}

const char *xlsx_error(const struct xlsx_reader *r)
{
	return r->err;
}

long xlsx_error_line(const struct xlsx_reader *r)
{
	return r->err_line;
}

void xlsx_close(struct xlsx_reader *r)
{
	if (r == NULL)
		return;
	if (r->sheet_open)
		xpart_close(&r->sheet);
	if (r->zip != NULL)
		zip_discard(r->zip);
	free(r->sheet_path);
	free(r->sst_path);
	free(r->styles_path);
	free(r->xf_kind);
	free(r->sst_text.p);
	free(r->sst_off);
	free(r->row_text.p);
	free(r->cell_off);
	free(r->fields);
	free(r->lens);
	free(r->value.p);
	free(r);
}
