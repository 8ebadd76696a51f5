/* dubanctl output of JSON rows for people and spreadsheets: aligned tables that
 * measure Chinese text by display width, and RFC 4180 CSV. */
#include "ctl_util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CELL_MAX_WIDTH 64

/* Joins the elements of an array as text with sep between them. */
static char *join_array(const json_t *arr, const char *sep)
{
	size_t i, len = 1, pos = 0;
	json_t *e;
	char **parts = calloc(json_array_size(arr) + 1, sizeof(*parts));
	char *out = NULL;

	if (parts == NULL)
		return NULL;
	json_array_foreach(arr, i, e) {
		parts[i] = ctl_json_text(e, sep);
		if (parts[i] == NULL)
			goto done;
		len += strlen(parts[i]) + strlen(sep);
	}
	out = malloc(len);
	if (out == NULL)
		goto done;
	out[0] = '\0';
	for (i = 0; i < json_array_size(arr); i++) {
		pos += (size_t)snprintf(out + pos, len - pos, "%s%s", i > 0 ? sep : "", parts[i]);
	}
done:
	for (i = 0; i < json_array_size(arr); i++)
		free(parts[i]);
	free(parts);
	return out;
}

char *ctl_json_text(const json_t *v, const char *sep)
{
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING: return strdup(json_string_value(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(buf);
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%g", json_real_value(v));
		return strdup(buf);
	case JSON_TRUE: return strdup("yes");
	case JSON_FALSE: return strdup("no");
	case JSON_NULL: return strdup("");
	case JSON_ARRAY: return join_array(v, sep);
	default: return json_dumps(v, JSON_COMPACT);
	}
}

/* Decodes one UTF-8 sequence at s; returns its length (1 for invalid bytes). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
		return 2;
	}
	if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
		return 3;
	}
	if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
	    (s[3] & 0xC0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
		      ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
		return 4;
	}
	*cp = 0xFFFD;
	return 1;
}

static int is_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
	       (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	       (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
	       (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	       (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

size_t ctl_display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;
	uint32_t cp;

	while (*p != '\0') {
		p += utf8_next(p, &cp);
		w += is_wide(cp) ? 2 : 1;
	}
	return w;
}

/* Makes text fit one table cell (takes s, returns the cell or NULL): control
 * characters become spaces; unless last, text wider than CELL_MAX_WIDTH is cut
 * on a character boundary and marked with "…". */
static char *fit_cell(char *s, bool last)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0, keep;
	uint32_t cp;
	char *t;

	if (s == NULL)
		return NULL;
	for (char *q = s; *q != '\0'; q++)
		if ((unsigned char)*q < 0x20)
			*q = ' ';
	if (last || ctl_display_width(s) <= CELL_MAX_WIDTH)
		return s;
	for (;;) {
		size_t n = utf8_next(p, &cp);
		w += is_wide(cp) ? 2 : 1;
		if (w > CELL_MAX_WIDTH - 1)
			break;
		p += n;
	}
	keep = (size_t)(p - (const unsigned char *)s);
	t = malloc(keep + 4);
	if (t != NULL) {
		memcpy(t, s, keep);
		memcpy(t + keep, "\xE2\x80\xA6", 4);
	}
	free(s);
	return t;
}

/* Text of every cell, row-major, headers first; NULL when out of memory. */
static char **table_cells(const json_t *rows, const struct ctl_col *cols, size_t ncols)
{
	size_t nrows = json_array_size(rows), i, k;
	char **cells = calloc((nrows + 1) * ncols, sizeof(*cells));

	if (cells == NULL)
		return NULL;
	for (k = 0; k < ncols; k++)
		if ((cells[k] = strdup(cols[k].header)) == NULL)
			goto oom;
	for (i = 0; i < nrows; i++) {
		for (k = 0; k < ncols; k++) {
			json_t *v = json_object_get(json_array_get(rows, i), cols[k].key);
			char **cell = &cells[(i + 1) * ncols + k];
			*cell = fit_cell(v != NULL ? ctl_json_text(v, ",") : strdup(""),
					 k + 1 == ncols);
			if (*cell == NULL)
				goto oom;
		}
	}
	return cells;
oom:
	for (i = 0; i < (nrows + 1) * ncols; i++)
		free(cells[i]);
	free(cells);
	return NULL;
}

static void print_row(char **cells, const size_t *width, size_t ncols)
{
	for (size_t k = 0; k < ncols; k++) {
		fputs(cells[k], stdout);
		if (k + 1 < ncols)
			printf("%*s", (int)(width[k] - ctl_display_width(cells[k]) + 2), "");
	}
	fputc('\n', stdout);
}

int ctl_print_table(const json_t *rows, const struct ctl_col *cols)
{
	size_t ncols = 0, nrows = json_array_size(rows), i, k;
	size_t *width;
	char **cells;

	while (cols[ncols].key != NULL)
		ncols++;
	cells = table_cells(rows, cols, ncols);
	width = calloc(ncols, sizeof(*width));
	if (cells == NULL || width == NULL) {
		free(width);
		free(cells);
		return ctl_fail(EX_SOFTWARE, "out of memory");
	}
	for (i = 0; i <= nrows; i++)
		for (k = 0; k < ncols; k++) {
			size_t w = ctl_display_width(cells[i * ncols + k]);
			width[k] = w > width[k] ? w : width[k];
		}
	for (i = 0; i <= nrows; i++)
		print_row(cells + i * ncols, width, ncols);
	for (i = 0; i < (nrows + 1) * ncols; i++)
		free(cells[i]);
	free(cells);
	free(width);
	return fflush(stdout) == 0 ? 0 : ctl_fail(EX_IOERR, "cannot write output");
}

/* Writes one CSV field, quoted when it holds a comma, quote, CR or LF. */
static void csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	fputc('"', stdout);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', stdout);
		fputc(*s, stdout);
	}
	fputc('"', stdout);
}

int ctl_print_csv(const json_t *rows, const struct ctl_col *cols, const char *sep)
{
	size_t i, k;
	json_t *row;

	for (k = 0; cols[k].key != NULL; k++) {
		fputs(k > 0 ? "," : "", stdout);
		csv_field(cols[k].header);
	}
	fputs("\r\n", stdout);
	json_array_foreach(rows, i, row) {
		for (k = 0; cols[k].key != NULL; k++) {
			json_t *v = json_object_get(row, cols[k].key);
			char *text = v != NULL ? ctl_json_text(v, sep) : strdup("");
			if (text == NULL)
				return ctl_fail(EX_SOFTWARE, "out of memory");
			fputs(k > 0 ? "," : "", stdout);
			csv_field(text);
			free(text);
		}
		fputs("\r\n", stdout);
	}
	return fflush(stdout) == 0 ? 0 : ctl_fail(EX_IOERR, "cannot write output");
}

int ctl_list(struct ctl *c, const struct ctl_col *cols, const char *sql, int n,
	     const char *const *params)
{
	json_t *rows;
	int rc = ctl_begin(c, NULL, NULL);

	if (rc != 0)
		return rc;
	rc = ctl_run_json(c, &rows, sql, n, params);
	ctl_rollback(c);
	if (rc != 0)
		return rc;
	if (c->json)
		return ctl_print_json(rows);
	rc = ctl_print_table(rows, cols);
	json_decref(rows);
	return rc;
}
