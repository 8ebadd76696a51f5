/* table_backend: the two writers behind table_out (CSV in table_out.c, XLSX in
 * table_xlsx.c). Private to the common library. */
#ifndef DUBAN_TABLE_BACKEND_H
#define DUBAN_TABLE_BACKEND_H
#include "duban/table_out.h"

#include <stddef.h>

struct tab_xlsx;

/* Starts an XLSX workbook at tmp_path with one sheet and its header row. */
struct tab_xlsx *tab_xlsx_open(const char *tmp_path, const char *sheet,
			       const struct tab_col *cols, int ncols, char *err, size_t errlen);

/* Writes data row number row (1-based, below the header). */
int tab_xlsx_row(struct tab_xlsx *x, long row, const char *const *cells, int total,
		 char *err, size_t errlen);

/* Writes the file and frees x (also when it fails). */
int tab_xlsx_close(struct tab_xlsx *x, char *err, size_t errlen);

/* Parses "YYYY-MM-DD" strictly (a real calendar date). 0 or -1. */
int tab_parse_date(const char *s, int *y, int *m, int *d);

/* Parses a finite decimal number (the whole string). 0 or -1. */
int tab_parse_number(const char *s, double *out);

#endif
