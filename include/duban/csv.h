/* csv: streaming RFC 4180 CSV reader over a FILE* (UTF-8 with optional BOM, or GBK/GB18030
 * converted to UTF-8), with physical line numbers for error messages. */
#ifndef DUBAN_CSV_H
#define DUBAN_CSV_H

#include <stddef.h>
#include <stdio.h>

/* One record. The field strings and arrays belong to the reader and stay valid until the
 * next csv_next() or csv_close(). Fields are NUL-terminated UTF-8, untrimmed. */
struct csv_record {
    size_t nfields;
    char **fields;  /* fields[0..nfields) */
    size_t *lens;   /* byte length of each field (fields hold no NUL byte) */
    long line;      /* physical line on which the record starts (1-based) */
};

struct csv_reader;

/* Opens a reader on f (not closed by csv_close). encoding: NULL, "utf-8"/"utf8", or
 * "gbk"/"gb2312"/"gb18030" (read as GB18030). Returns NULL with errno = EINVAL for an
 * unknown encoding, or another errno on allocation/iconv failure. */
struct csv_reader *csv_open(FILE *f, const char *encoding);

/* Reads the next record. Returns 1 with *rec filled, 0 at end of file, -1 on error
 * (then csv_error()/csv_error_line() describe it; later calls return -1 again).
 * Empty physical lines (anywhere, including trailing ones) are skipped. */
int csv_next(struct csv_reader *r, struct csv_record *rec);

/* Message of the last error, without file or line, e.g. "unterminated quoted field";
 * "" if none. */
const char *csv_error(const struct csv_reader *r);

/* Physical line (1-based) the last error refers to; 0 if none or not tied to a line. */
long csv_error_line(const struct csv_reader *r);

/* Returns 1 if every field of rec is empty or only whitespace (e.g. ",,,," rows that
 * spreadsheets export after the data), else 0. */
int csv_record_blank(const struct csv_record *rec);

/* Test hook: size of the blocks read from the file (default 64 KiB, minimum 1). Call
 * before the first csv_next(). */
void csv_set_block_size(struct csv_reader *r, size_t bytes);

/* Limit of one record's size in bytes (default 16 MiB); a longer record is an error
 * (usually an unterminated quote). */
void csv_set_max_record(struct csv_reader *r, size_t bytes);

void csv_close(struct csv_reader *r);

#endif
