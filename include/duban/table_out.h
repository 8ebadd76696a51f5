/* table_out: writes one statutory table (SPEC §11) row by row, as .xlsx (libxlsxwriter:
 * bold frozen header, column widths, real date cells, number formats for 万元 and rates)
 * or as .csv (UTF-8 with BOM, RFC 4180, CRLF). Rows are streamed: memory does not grow
 * with the number of rows. The file appears under its name only when tab_close()
 * succeeds; until then it is written to a temporary file beside it. */
#ifndef DUBAN_TABLE_OUT_H
#define DUBAN_TABLE_OUT_H

#include <stddef.h>

/* What a column holds. Cells are always given as text (as PostgreSQL prints them); the
 * type decides how the XLSX cell is typed and formatted and how CSV writes it. */
enum tab_type {
	TAB_TEXT,   /* a string */
	TAB_INT,    /* a whole number, e.g. "12" */
	TAB_DATE,   /* "YYYY-MM-DD": an XLSX date cell (yyyy-mm-dd) */
	TAB_WAN,    /* an amount in 万元, e.g. "12.5": XLSX #,##0.00; CSV as given */
	TAB_RATE,   /* a fraction, e.g. "0.75": XLSX 0.0%; CSV "75.0%" */
	TAB_DECIMAL, /* a score with one decimal, e.g. "95.5": XLSX 0.0; CSV as given */
};

struct tab_col {
	const char *header;
	enum tab_type type;
	double width;    /* XLSX column width in characters (a CJK character is 2) */
};

enum tab_format { TAB_FORMAT_NONE, TAB_FORMAT_CSV, TAB_FORMAT_XLSX };

/* The format a file name asks for by its extension (case-insensitive .csv / .xlsx). */
enum tab_format tab_format_of(const char *path);

struct tab_out;

/* Starts writing the table to path (format by extension), with sheet as the XLSX sheet
 * name, and writes its header row. Returns NULL with a message in err. */
struct tab_out *tab_open(const char *path, const char *sheet, const struct tab_col *cols,
			 int ncols, char *err, size_t errlen);

/* Writes one row: cells[0..ncols), NULL or "" for an empty cell; total: a bold 合计 row.
 * A cell that does not fit its type (e.g. a bad date) is an error, never a guess.
 * Returns 0, or -1 with a message in err (then only tab_abort() remains). */
int tab_row(struct tab_out *t, const char *const *cells, int total, char *err, size_t errlen);

/* Finishes the file and moves it to its name. Frees t. Returns 0, or -1 with err (the
 * partial file is removed). */
int tab_close(struct tab_out *t, char *err, size_t errlen);

/* Abandons the table: removes the partial file and frees t. NULL is allowed. */
void tab_abort(struct tab_out *t);

/* The number of data rows written so far (the header not counted). */
long tab_rows(const struct tab_out *t);

#endif
