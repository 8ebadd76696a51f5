/* xlsx: streaming reader of the first sheet of an .xlsx workbook (Office Open XML) as
 * rows of text cells, through libzip and libxml2's xmlTextReader. Cells come out as the
 * office sees them: shared and inline strings, numbers in their shortest form, date cells
 * as YYYY-MM-DD, percentage cells as "60%", booleans TRUE/FALSE.
 *
 * Hostile files are refused with a clear error, in bounded memory and time: every part
 * is read at most up to its declared uncompressed size, which must be within the caps
 * below (a zip bomb is refused before it is inflated); the shared strings are capped in
 * number and bytes; no DTD, no entity and nothing outside the archive is ever loaded. */
#ifndef DUBAN_XLSX_H
#define DUBAN_XLSX_H

#include "duban/csv.h"

#include <stddef.h>

#define XLSX_MAX_SHEET_BYTES (3ULL << 30)    /* the sheet part, uncompressed */
#define XLSX_MAX_SST_PART (2ULL << 30)       /* the shared strings part, uncompressed */
#define XLSX_MAX_META_BYTES (64ULL << 20)    /* workbook, relationships, styles */
#define XLSX_MAX_SST_COUNT (16L << 20)       /* shared strings */
#define XLSX_MAX_SST_TEXT (512L << 20)       /* bytes of shared string text */
#define XLSX_MAX_COLUMNS 16384               /* column XFD */
#define XLSX_MAX_ROWS 1048576
#define XLSX_MAX_ROW_BYTES (16L << 20)       /* text of one row */

struct xlsx_reader;

/* Whether path names an .xlsx file (by its extension, case-insensitive). */
int xlsx_is_xlsx_name(const char *path);

/* Opens the workbook at path and prepares its first sheet (reading the workbook, its
 * relationships, styles and shared strings). Returns NULL with the reason in err. */
struct xlsx_reader *xlsx_open(const char *path, char *err, size_t errlen);

/* Reads the next row of the sheet into *rec (fields up to the row's last cell; missing
 * cells are ""; rec->line is the sheet's row number). Strings stay valid until the next
 * call. Returns 1, 0 at the end of the sheet, -1 on error (see xlsx_error()). */
int xlsx_next(struct xlsx_reader *r, struct csv_record *rec);

/* The last error, without file name; "" if none. */
const char *xlsx_error(const struct xlsx_reader *r);

/* The sheet row the last error refers to, 0 if none. */
long xlsx_error_line(const struct xlsx_reader *r);

void xlsx_close(struct xlsx_reader *r);

#endif
