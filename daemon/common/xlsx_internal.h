/* xlsx_internal: what the parts of the .xlsx reader share (xlsx_part.c: capped parts and
 * XML readers; xlsx_book.c: workbook, relationships, styles, shared strings;
 * xlsx_sheet.c: the rows). Private to the common library. */
#ifndef DUBAN_XLSX_INTERNAL_H
#define DUBAN_XLSX_INTERNAL_H
#include "duban/xlsx.h"

#include <libxml/xmlreader.h>
#include <stddef.h>
#include <stdint.h>
#include <zip.h>

/* A growing byte buffer with a hard cap. */
struct xbuf {
	char *p;
	size_t n, cap, limit;
};

/* Appends n bytes; -1 when the limit is passed or memory runs out. */
int xbuf_add(struct xbuf *b, const char *s, size_t n);

/* One part of the archive open as an XML reader. */
struct xpart {
	zip_file_t *zf;
	xmlTextReaderPtr xr;
	const char *name;
	uint64_t declared, done;
	char *err;            /* the reader's error buffer */
	size_t errlen;
	int failed;           /* an error is already in err */
	char tail[16];        /* the last bytes fed, to find "<!DOCTYPE" across reads */
	size_t ntail;
};

/* How a cell style shows numbers. */
enum xlsx_numkind { XN_GENERAL, XN_DATE, XN_PERCENT };

struct xlsx_reader {
	zip_t *zip;
	char err[512];
	long err_line;

	char *sheet_path, *sst_path, *styles_path;
	int date1904;

	unsigned char *xf_kind;          /* enum xlsx_numkind per cellXfs index */
	size_t nxf;

	struct xbuf sst_text;            /* shared strings, NUL-separated */
	uint32_t *sst_off;
	size_t nsst, sst_cap;

	struct xpart sheet;
	int sheet_open, done;
	long last_row;

	struct xbuf row_text;            /* the current row's cells, NUL-separated */
	long *cell_off;                  /* offset of each column's cell, -1: none */
	size_t ncell_cap;
	char **fields;
	size_t *lens;
	size_t fields_cap;
	struct xbuf value;               /* the current cell's raw value */
};

/* Sets r->err (and the row, 0 for none) unless an error is already there; returns -1. */
int xlsx_fail(struct xlsx_reader *r, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Opens the archive member name (located case-insensitively) as an XML reader, refusing
 * it when its declared size passes limit. 0, or -1 with r->err. */
int xpart_open(struct xlsx_reader *r, struct xpart *p, const char *name, uint64_t limit);

/* Advances the reader: 1 on a node, 0 at the end, -1 on error (r->err set; a DTD is an
 * error). */
int xpart_read(struct xlsx_reader *r, struct xpart *p);

void xpart_close(struct xpart *p);

/* The node's local name is s (namespaces ignored). */
int xnode_is(struct xpart *p, const char *s);

/* An attribute of the current element by local name, malloc'd; NULL if absent. */
char *xnode_attr(struct xpart *p, const char *local);

/* Appends the text of the current element's <t> descendants (not those under <rPh>
 * phonetic runs) to out, leaving the reader on its end. 0, or -1 with r->err. */
int xnode_rich_text(struct xlsx_reader *r, struct xpart *p, struct xbuf *out);

/* Decodes Excel's _xHHHH_ escapes in s[0..n) in place; returns the new length. */
size_t xlsx_unescape(char *s, size_t n);

/* The workbook: finds the first sheet and the styles and shared strings parts, reads
 * date1904, the cell styles and the shared strings. 0, or -1 with r->err. */
int xlsx_book_load(struct xlsx_reader *r);

#endif
