/* table_xlsx: the XLSX backend of table_out, on libxlsxwriter in constant-memory mode
 * (each row goes to a temporary file as it is written): one sheet, a bold frozen header
 * row, column widths, dates as date cells, 万元 as #,##0.00, rates as 0.0%, scores as 0.0,
 * integers as numbers, a bold 合计 row. */
#include "table_backend.h"

#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

enum { FMT_TEXT, FMT_INT, FMT_DATE, FMT_WAN, FMT_RATE, FMT_DECIMAL, FMT_COUNT };

struct tab_xlsx {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	const struct tab_col *cols;
	int ncols;
	lxw_format *header;
	lxw_format *fmt[2][FMT_COUNT];   /* [bold][type] */
};

static const char *const tab_num_formats[FMT_COUNT] = {
	[FMT_TEXT] = NULL, [FMT_INT] = "0", [FMT_DATE] = "yyyy-mm-dd",
	[FMT_WAN] = "#,##0.00", [FMT_RATE] = "0.0%", [FMT_DECIMAL] = "0.0",
};

static int tab_fmt_of(enum tab_type type)
{
	switch (type) {
	case TAB_INT: return FMT_INT;
	case TAB_DATE: return FMT_DATE;
	case TAB_WAN: return FMT_WAN;
	case TAB_RATE: return FMT_RATE;
	case TAB_DECIMAL: return FMT_DECIMAL;
	case TAB_TEXT: break;
	}
	return FMT_TEXT;
}

static int tab_xlsx_formats(struct tab_xlsx *x)
{
	x->header = workbook_add_format(x->wb);
	if (x->header == NULL)
		return -1;
	format_set_bold(x->header);
	format_set_align(x->header, LXW_ALIGN_CENTER);
	format_set_align(x->header, LXW_ALIGN_VERTICAL_CENTER);
	format_set_text_wrap(x->header);
	for (int bold = 0; bold < 2; bold++)
		for (int f = 0; f < FMT_COUNT; f++) {
			lxw_format *fm = workbook_add_format(x->wb);

			if (fm == NULL)
				return -1;
			if (bold)
				format_set_bold(fm);
			if (tab_num_formats[f] != NULL)
				format_set_num_format(fm, tab_num_formats[f]);
			if (f == FMT_TEXT)
				format_set_align(fm, LXW_ALIGN_VERTICAL_TOP);
			x->fmt[bold][f] = fm;
		}
	return 0;
}

static int tab_xlsx_header(struct tab_xlsx *x, char *err, size_t errlen)
{
	lxw_error e;

	for (int i = 0; i < x->ncols; i++) {
		const struct tab_col *c = &x->cols[i];

		e = worksheet_set_column(x->ws, (lxw_col_t)i, (lxw_col_t)i, c->width,
					 x->fmt[0][tab_fmt_of(c->type)]);
		if (e == LXW_NO_ERROR)
			e = worksheet_write_string(x->ws, 0, (lxw_col_t)i, c->header, x->header);
		if (e != LXW_NO_ERROR) {
			snprintf(err, errlen, "cannot write the header: %s", lxw_strerror(e));
			return -1;
		}
	}
	worksheet_freeze_panes(x->ws, 1, 0);
	return 0;
}

struct tab_xlsx *tab_xlsx_open(const char *tmp_path, const char *sheet,
			       const struct tab_col *cols, int ncols, char *err, size_t errlen)
{
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL,
				    .use_zip64 = LXW_TRUE};
	struct tab_xlsx *x = calloc(1, sizeof(*x));

	if (x == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->cols = cols;
	x->ncols = ncols;
	x->wb = workbook_new_opt(tmp_path, &opt);
	if (x->wb == NULL) {
		snprintf(err, errlen, "cannot create the workbook");
		free(x);
		return NULL;
	}
	x->ws = workbook_add_worksheet(x->wb, sheet);
	if (x->ws == NULL || tab_xlsx_formats(x) != 0) {
		snprintf(err, errlen, "cannot create the sheet '%s'", sheet);
		tab_xlsx_close(x, err + strlen(err), errlen - strlen(err));
		return NULL;
	}
	if (tab_xlsx_header(x, err, errlen) != 0) {
		size_t n = strlen(err);

		tab_xlsx_close(x, err + n, errlen - n);
		return NULL;
	}
	return x;
}

static lxw_error tab_xlsx_cell(struct tab_xlsx *x, lxw_row_t row, lxw_col_t col,
			       const char *v, int bold)
{
	const struct tab_col *c = &x->cols[col];
	lxw_format *fm = x->fmt[bold != 0][tab_fmt_of(c->type)];
	lxw_datetime dt = {0};
	double num;

	switch (c->type) {
	case TAB_DATE:
		if (tab_parse_date(v, &dt.year, &dt.month, &dt.day) != 0)
			return LXW_ERROR_PARAMETER_VALIDATION;
		return worksheet_write_datetime(x->ws, row, col, &dt, fm);
	case TAB_INT:
	case TAB_WAN:
	case TAB_RATE:
	case TAB_DECIMAL:
		if (tab_parse_number(v, &num) != 0)
			return LXW_ERROR_PARAMETER_VALIDATION;
		return worksheet_write_number(x->ws, row, col, num, fm);
	case TAB_TEXT:
		break;
	}
	return worksheet_write_string(x->ws, row, col, v, fm);
}

int tab_xlsx_row(struct tab_xlsx *x, long row, const char *const *cells, int total,
		 char *err, size_t errlen)
{
	if (row >= LXW_ROW_MAX) {
		snprintf(err, errlen, "more than %d rows do not fit in an Excel sheet: export "
			 "to .csv", LXW_ROW_MAX - 1);
		return -1;
	}
	for (int i = 0; i < x->ncols; i++) {
		lxw_error e;

		if (cells[i] == NULL || cells[i][0] == '\0')
			continue;
		e = tab_xlsx_cell(x, (lxw_row_t)row, (lxw_col_t)i, cells[i], total);
		if (e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED) {
			snprintf(err, errlen, "row %ld, column %s: longer than the 32,767 "
				 "characters an Excel cell holds: export to .csv", row,
				 x->cols[i].header);
			return -1;
		}
		if (e != LXW_NO_ERROR) {
			snprintf(err, errlen, "row %ld, column %s: %s", row, x->cols[i].header,
				 lxw_strerror(e));
			return -1;
		}
	}
	return 0;
}

int tab_xlsx_close(struct tab_xlsx *x, char *err, size_t errlen)
{
	lxw_error e = workbook_close(x->wb);

	free(x);
	if (e != LXW_NO_ERROR) {
		snprintf(err, errlen, "cannot write the workbook: %s", lxw_strerror(e));
		return -1;
	}
	return 0;
}
