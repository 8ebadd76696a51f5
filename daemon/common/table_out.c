/* table_out: the statutory-table writer's front (format by extension, temporary file
 * renamed into place on success, cell checks) and its CSV backend (UTF-8 with BOM,
 * RFC 4180 quoting, CRLF). The XLSX backend is table_xlsx.c. */
#include "table_backend.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAB_CSV_BUFFER (256 * 1024)

struct tab_out {
	enum tab_format format;
	char *path, *tmp;
	const struct tab_col *cols;
	int ncols;
	long rows;
	FILE *csv;               /* CSV: the temporary file */
	char *csvbuf;            /* its stdio buffer */
	struct tab_xlsx *xlsx;   /* XLSX: the workbook */
};

static void tab_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tab_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

enum tab_format tab_format_of(const char *path)
{
	size_t n = strlen(path);

	if (n > 4 && strcasecmp(path + n - 4, ".csv") == 0)
		return TAB_FORMAT_CSV;
	if (n > 5 && strcasecmp(path + n - 5, ".xlsx") == 0)
		return TAB_FORMAT_XLSX;
	return TAB_FORMAT_NONE;
}

int tab_parse_date(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int n = 0, leap;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", y, m, d, &n) != 3 || n != 10)
		return -1;
	if (*y < 1900 || *y > 9999 || *m < 1 || *m > 12 || *d < 1)
		return -1;
	leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
	return *d <= mdays[*m - 1] + (*m == 2 && leap) ? 0 : -1;
}

int tab_parse_number(const char *s, double *out)
{
	char *end;

	if (*s == '\0')
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return *end == '\0' && errno == 0 && isfinite(*out) ? 0 : -1;
}

/* Checks that a non-empty cell fits its column's type. */
static int tab_check_cell(const struct tab_col *col, const char *v, char *err, size_t errlen)
{
	int y, m, d;
	double x;

	switch (col->type) {
	case TAB_TEXT:
		return 0;
	case TAB_DATE:
		if (tab_parse_date(v, &y, &m, &d) == 0)
			return 0;
		break;
	case TAB_INT:
	case TAB_WAN:
	case TAB_RATE:
	case TAB_DECIMAL:
		if (tab_parse_number(v, &x) == 0)
			return 0;
		break;
	}
	tab_err(err, errlen, "column %s: '%s' is not a %s", col->header, v,
		col->type == TAB_DATE ? "date" : "number");
	return -1;
}

/* Writes s as one CSV field, quoted when it holds a comma, quote or line break. */
static void tab_csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

/* A CSV cell as written: rates as percentages with one decimal, others as given. */
static void tab_csv_cell(FILE *f, const struct tab_col *col, const char *v)
{
	double x;

	if (col->type == TAB_RATE && tab_parse_number(v, &x) == 0) {
		fprintf(f, "%.1f%%", x * 100.0);
		return;
	}
	tab_csv_field(f, v);
}

static int tab_csv_line(struct tab_out *t, const char *const *cells, int header,
			char *err, size_t errlen)
{
	for (int i = 0; i < t->ncols; i++) {
		const char *v = header ? t->cols[i].header : cells[i];

		if (i > 0)
			putc(',', t->csv);
		if (v == NULL || *v == '\0')
			continue;
		if (header)
			tab_csv_field(t->csv, v);
		else
			tab_csv_cell(t->csv, &t->cols[i], v);
	}
	fputs("\r\n", t->csv);
	if (ferror(t->csv)) {
		tab_err(err, errlen, "cannot write %s: %s", t->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int tab_open_csv(struct tab_out *t, int fd, char *err, size_t errlen)
{
	t->csv = fdopen(fd, "wb");
	if (t->csv == NULL) {
		tab_err(err, errlen, "cannot write %s: %s", t->path, strerror(errno));
		close(fd);
		return -1;
	}
	t->csvbuf = malloc(TAB_CSV_BUFFER);
	if (t->csvbuf != NULL)
		setvbuf(t->csv, t->csvbuf, _IOFBF, TAB_CSV_BUFFER);
	fputs("\xEF\xBB\xBF", t->csv);
	return tab_csv_line(t, NULL, 1, err, errlen);
}

/* Creates the temporary file beside path; returns its descriptor or -1. */
static int tab_make_tmp(struct tab_out *t, char *err, size_t errlen)
{
	size_t n = strlen(t->path) + 16;
	int fd;

	t->tmp = malloc(n);
	if (t->tmp == NULL) {
		tab_err(err, errlen, "out of memory");
		return -1;
	}
	snprintf(t->tmp, n, "%s.tmp-XXXXXX", t->path);
	fd = mkstemp(t->tmp);
	if (fd >= 0) {
		mode_t mask = umask(0);

		umask(mask);
		(void)fchmod(fd, 0666 & ~mask);   /* as a plain create would make it */
	}
	if (fd < 0) {
		tab_err(err, errlen, "cannot create %s: %s", t->tmp, strerror(errno));
		free(t->tmp);
		t->tmp = NULL;
	}
	return fd;
}

static void tab_free(struct tab_out *t)
{
	if (t->tmp != NULL)
		unlink(t->tmp);
	free(t->tmp);
	free(t->path);
	free(t->csvbuf);
	free(t);
}

struct tab_out *tab_open(const char *path, const char *sheet, const struct tab_col *cols,
			 int ncols, char *err, size_t errlen)
{
	struct tab_out *t;
	int fd, rc;

	if (tab_format_of(path) == TAB_FORMAT_NONE) {
		tab_err(err, errlen, "%s: the file name must end in .xlsx or .csv", path);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->path = strdup(path)) == NULL) {
		free(t);
		tab_err(err, errlen, "out of memory");
		return NULL;
	}
	t->format = tab_format_of(path);
	t->cols = cols;
	t->ncols = ncols;
	fd = tab_make_tmp(t, err, errlen);
	if (fd < 0) {
		tab_free(t);
		return NULL;
	}
	if (t->format == TAB_FORMAT_CSV) {
		rc = tab_open_csv(t, fd, err, errlen);
	} else {
		close(fd);
		t->xlsx = tab_xlsx_open(t->tmp, sheet, cols, ncols, err, errlen);
		rc = t->xlsx == NULL ? -1 : 0;
	}
	if (rc != 0) {
		tab_abort(t);
		return NULL;
	}
	return t;
}

int tab_row(struct tab_out *t, const char *const *cells, int total, char *err, size_t errlen)
{
	for (int i = 0; i < t->ncols; i++)
		if (cells[i] != NULL && cells[i][0] != '\0' &&
		    tab_check_cell(&t->cols[i], cells[i], err, errlen) != 0)
			return -1;
	t->rows++;
	if (t->format == TAB_FORMAT_CSV)
		return tab_csv_line(t, cells, 0, err, errlen);
	return tab_xlsx_row(t->xlsx, t->rows, cells, total, err, errlen);
}

long tab_rows(const struct tab_out *t)
{
	return t->rows;
}

int tab_close(struct tab_out *t, char *err, size_t errlen)
{
	int rc = 0;

	if (t->format == TAB_FORMAT_CSV) {
		if (fflush(t->csv) != 0 || fsync(fileno(t->csv)) != 0) {
			tab_err(err, errlen, "cannot write %s: %s", t->path, strerror(errno));
			rc = -1;
		}
		if (fclose(t->csv) != 0 && rc == 0) {
			tab_err(err, errlen, "cannot write %s: %s", t->path, strerror(errno));
			rc = -1;
		}
		t->csv = NULL;
	} else {
		rc = tab_xlsx_close(t->xlsx, err, errlen);
		t->xlsx = NULL;
	}
	if (rc == 0 && rename(t->tmp, t->path) != 0) {
		tab_err(err, errlen, "cannot create %s: %s", t->path, strerror(errno));
		rc = -1;
	}
	if (rc == 0) {
		free(t->tmp);
		t->tmp = NULL;
	}
	tab_free(t);
	return rc;
}

void tab_abort(struct tab_out *t)
{
	char ignore[256];

	if (t == NULL)
		return;
	if (t->csv != NULL)
		fclose(t->csv);
	if (t->xlsx != NULL)
		tab_xlsx_close(t->xlsx, ignore, sizeof(ignore));
	tab_free(t);
}
