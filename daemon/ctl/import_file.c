/* import_file: the driver every import shares (imp_run: open, try the kind's direct COPY,
 * else stage with COPY, check, apply, commit or report), opening an import's CSV file or
 * .xlsx workbook, finding its header row and columns by name (English or Chinese), and
 * reading trimmed cells of its data rows. */
#include "import.h"
#include "duban/limits.h"
#include "duban/db.h"
#include "duban/textconv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IMP_HEADER_SEARCH 10   /* rows looked at for the header (title rows above it) */

static char imp_empty[1];

/* Length of a blank character at p (ASCII blank, U+3000, U+00A0, BOM), 0 if none. */
static size_t imp_blank_len(const unsigned char *p)
{
	if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v' || *p == '\f')
		return 1;
	if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
		return 3;
	if (p[0] == 0xC2 && p[1] == 0xA0)
		return 2;
	if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		return 3;
	return 0;
}

char *imp_trim(char *s)
{
	size_t k, n;

	while ((k = imp_blank_len((const unsigned char *)s)) > 0)
		s += k;
	n = strlen(s);
	for (;;) {
		if (n >= 1 && imp_blank_len((const unsigned char *)s + n - 1) == 1)
			n -= 1;
		else if (n >= 2 && memcmp(s + n - 2, "\xC2\xA0", 2) == 0)
			n -= 2;
		else if (n >= 3 && (memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0 ||
				    memcmp(s + n - 3, "\xEF\xBB\xBF", 3) == 0))
			n -= 3;
		else
			break;
	}
	s[n] = '\0';
	return s;
}

/* Length of an ignorable header character or (note) at p, 0 if none. */
static size_t imp_header_skip(const char *p)
{
	size_t k = imp_blank_len((const unsigned char *)p), i;

	if (k > 0)
		return k;
	if (*p == '_' || *p == '-' || *p == '*')
		return 1;
	if (strncmp(p, "＊", 3) == 0)
		return 3;
	if (*p != '(' && strncmp(p, "（", 3) != 0)
		return 0;
	for (i = *p == '(' ? 1 : 3; p[i] != '\0'; i++) {
		if (p[i] == ')')
			return i + 1;
		if (strncmp(p + i, "）", 3) == 0)
			return i + 3;
	}
	return i;
}

/* Writes the normalised form of a header word into out: ASCII lower case, without
 * blanks, '_', '-', '*' or parenthesised notes. Returns -1 if it does not fit. */
static int imp_header_norm(const char *s, char *out, size_t outlen)
{
	size_t o = 0, k;

	while (*s != '\0') {
		if ((k = imp_header_skip(s)) > 0) {
			s += k;
			continue;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
		s++;
	}
	out[o] = '\0';
	return 0;
}

/* Column of a header cell by the columns' aliases, -1 if none. */
static int imp_match_alias(const struct imp *im, const char *cell)
{
	char want[128], have[128];

	if (imp_header_norm(cell, have, sizeof(have)) != 0 || have[0] == '\0')
		return -1;
	for (int col = 0; col < im->ncols; col++) {
		const char *const *a = im->cols[col].aliases;
		for (; a != NULL && *a != NULL; a++)
			if (imp_header_norm(*a, want, sizeof(want)) == 0 && strcmp(want, have) == 0)
				return col;
	}
	return -1;
}

static int imp_classify(const struct imp *im, imp_classify_fn classify, const char *cell)
{
	int col = classify != NULL ? classify(cell) : imp_match_alias(im, cell);

	return col >= 0 && col < im->ncols ? col : -1;
}

/* Reads the next record of the CSV file or the sheet: 1, 0 at the end, -1 on error. */
static int imp_read(struct imp *im)
{
	return im->xlsx != NULL ? xlsx_next(im->xlsx, &im->rec) : csv_next(im->csv, &im->rec);
}

static const char *imp_read_error(const struct imp *im)
{
	return im->xlsx != NULL ? xlsx_error(im->xlsx) : csv_error(im->csv);
}

static long imp_read_error_line(const struct imp *im)
{
	return im->xlsx != NULL ? xlsx_error_line(im->xlsx) : csv_error_line(im->csv);
}

/* Number of known columns the current record names. */
static int imp_known_count(struct imp *im, imp_classify_fn classify)
{
	int n = 0;

	for (size_t i = 0; i < im->rec.nfields; i++)
		if (imp_classify(im, classify, imp_trim(im->rec.fields[i])) >= 0)
			n++;
	return n;
}

/* Reads up to the header row: the first non-blank row naming a known column (rows
 * above it, such as a title row, are skipped). Returns 1 when found (in im->rec), 2 when
 * none of the first rows names a column (header_line: the first of them), 0 for an empty
 * file, -1 on a CSV error. */
static int imp_find_header(struct imp *im, imp_classify_fn classify)
{
	int seen = 0;

	while (seen < IMP_HEADER_SEARCH) {
		int rc = imp_read(im);

		if (rc <= 0)
			break;
		if (csv_record_blank(&im->rec))
			continue;
		if (seen++ == 0)
			im->header_line = im->rec.line;
		if (imp_known_count(im, classify) > 0) {
			im->header_line = im->rec.line;
			return 1;
		}
	}
	if (imp_read_error(im)[0] != '\0') {
		imp_error(im, imp_read_error_line(im), IMP_COL_NONE, "%s", imp_read_error(im));
		return -1;
	}
	return seen > 0 ? 2 : 0;
}

/* Maps the header row onto the columns; records columns named twice. */
static void imp_map_header(struct imp *im, imp_classify_fn classify)
{
	for (size_t i = 0; i < im->rec.nfields; i++) {
		const char *cell = imp_trim(im->rec.fields[i]);
		int col = imp_classify(im, classify, cell);

		if (col < 0)
			continue;
		if (im->field[col] >= 0) {
			imp_error(im, im->header_line, IMP_COL_HEADER,
				  "column '%s' names %s (%s) again: '%s' already does", cell,
				  im->cols[col].name, im->cols[col].zh, im->header[col]);
			continue;
		}
		im->header[col] = strdup(cell);
		if (im->header[col] == NULL) {
			imp_error(im, im->header_line, IMP_COL_HEADER, "out of memory");
			continue;
		}
		im->field[col] = (int)i;
	}
}

/* Records every required column the header lacks. */
static void imp_check_required(struct imp *im)
{
	for (int col = 0; col < im->ncols; col++)
		if (im->cols[col].required && im->field[col] < 0)
			imp_error(im, im->header_line, IMP_COL_HEADER,
				  "missing required column '%s' (%s)", im->cols[col].name,
				  im->cols[col].zh);
}

/* Whether the open file starts like a ZIP archive (an .xlsx saved under another name). */
static int imp_looks_zipped(FILE *f)
{
	unsigned char magic[4];
	size_t n = fread(magic, 1, sizeof(magic), f);

	rewind(f);
	return n == 4 && memcmp(magic, "PK\x03\x04", 4) == 0;
}

static int imp_open_xlsx(struct imp *im)
{
	char err[600];

	if (im->f != NULL)
		fclose(im->f);
	im->f = NULL;
	im->xlsx = xlsx_open(im->path, err, sizeof(err));
	if (im->xlsx == NULL)
		return ctl_fail(EX_DATAERR, "%s: %s", im->path, err);
	return 0;
}

static int imp_open_file(struct imp *im, const char *encoding)
{
	if (encoding != NULL && !textconv_is_utf8(encoding) &&
	    textconv_legacy_name(encoding) == NULL)
		return ctl_fail(EX_USAGE, "unknown --encoding '%s' (use utf-8 or gbk)", encoding);
	im->f = strcmp(im->path, "-") == 0 ? stdin : fopen(im->path, "rb");
	if (im->f == NULL)
		return ctl_fail(EX_NOINPUT, "cannot open %s: %s", im->path, strerror(errno));
	if (im->f != stdin && (xlsx_is_xlsx_name(im->path) || imp_looks_zipped(im->f)))
		return imp_open_xlsx(im);
	im->csv = csv_open(im->f, encoding);
	if (im->csv == NULL)
		return ctl_fail(EX_SOFTWARE, "cannot read %s: %s", im->path, strerror(errno));
	return 0;
}

int imp_open(struct imp *im, struct ctl *c, const char *usage, const char *encoding,
	     const struct imp_column *cols, int ncols, imp_classify_fn classify)
{
	int rc;

	memset(im, 0, sizeof(*im));
	im->cols = cols;
	im->ncols = ncols < IMP_MAX_COLS ? ncols : IMP_MAX_COLS;
	for (int i = 0; i < IMP_MAX_COLS; i++)
		im->field[i] = -1;
	rc = ctl_need_args(c, 1, usage);
	if (rc != 0)
		return rc;
	im->path = c->argv[0];
	rc = imp_open_file(im, encoding);
	if (rc != 0)
		return rc;
	rc = imp_find_header(im, classify);
	if (rc == 0)
		return ctl_fail(EX_DATAERR, "%s: the file is empty: it needs a header row",
				im->path);
	if (rc == 1)
		imp_map_header(im, classify);
	if (rc > 0)
		imp_check_required(im);
	return im->total_errors > 0 ? imp_report_errors(im) : 0;
}

int imp_next(struct imp *im)
{
	for (;;) {
		int rc = imp_read(im);

		if (rc < 0) {
			im->csv_failed = 1;
			imp_error(im, imp_read_error_line(im), IMP_COL_NONE, "%s", imp_read_error(im));
			return -1;
		}
		if (rc == 0)
			return 0;
		if (csv_record_blank(&im->rec))
			continue;
		im->rows++;
		return 1;
	}
}

int imp_has(const struct imp *im, int col)
{
	return col >= 0 && col < im->ncols && im->field[col] >= 0;
}

char *imp_cell(struct imp *im, int col)
{
	size_t i;

	if (!imp_has(im, col))
		return NULL;
	i = (size_t)im->field[col];
	if (i >= im->rec.nfields)
		return imp_empty;
	return imp_trim(im->rec.fields[i]);
}

const char *imp_col_label(const struct imp *im, int col)
{
	if (col == IMP_COL_HEADER)
		return "header";
	if (col < 0 || col >= im->ncols)
		return "";
	return im->header[col] != NULL ? im->header[col] : im->cols[col].name;
}

void imp_close(struct imp *im)
{
	csv_close(im->csv);
	xlsx_close(im->xlsx);
	if (im->f != NULL && im->f != stdin)
		fclose(im->f);
	for (int i = 0; i < IMP_MAX_COLS; i++)
		free(im->header[i]);
	for (size_t i = 0; i < im->nerrs; i++)
		free(im->errs[i].text);
	free(im->errs);
	free(im->buf);
	free(im->ref_hash);
	memset(im, 0, sizeof(*im));
}

/* Records every cell of the current row longer than its column's limit. */
static void imp_check_lengths(struct imp *im)
{
	for (int col = 0; col < im->ncols; col++) {
		const char *v;
		size_t n;

		if (im->cols[col].max <= 0 || (v = imp_cell(im, col)) == NULL)
			continue;
		if (limits_too_long(v, im->cols[col].max, &n))
			imp_error(im, im->rec.line, col, "too long (%zu > %d)", n,
				  im->cols[col].max);
	}
}

/* Streams every data row (from the current one when have_row) into the COPY copy_sql;
 * stop: end at the first row with an error (the COPY is then cancelled). 0, or -1 with err. */
static int imp_stream(struct imp *im, const struct imp_kind *k, PGconn *conn,
		      const char *copy_sql, int have_row, int stop, char *err, size_t errlen)
{
	struct imp_units *units = NULL;
	int rc = -1;

	if (k->units && (units = imp_units_load(conn, err, errlen)) == NULL)
		return -1;
	if (imp_copy_begin(im, conn, copy_sql, err, errlen) == 0) {
		for (int more = have_row ? 1 : imp_next(im); more > 0; more = imp_next(im)) {
			imp_check_lengths(im);
			if (k->row(im, units) != 0 || (stop && im->total_errors > 0))
				break;
		}
		rc = imp_copy_end(im, im->copy_failed || (stop && im->total_errors > 0), err,
				  errlen);
	}
	imp_units_free(units);
	return rc;
}

/* Streams every data row into the staging table. 0, or -1 with err. */
static int imp_stage(struct imp *im, const struct imp_kind *k, PGconn *conn, char *err,
		     size_t errlen)
{
	if (db_exec(conn, k->stage_sql, 0, NULL, err, errlen) != 0)
		return -1;
	return imp_stream(im, k, conn, k->copy_sql, 0, 0, err, errlen);
}

/* Tries the kind's direct path (see struct imp_kind) inside a savepoint, when its first row
 * qualifies. 1: imported; 0: not taken, or rolled back, and the file opened again at its
 * start; -1 with err. */
static int imp_try_direct(struct ctl *c, struct imp *im, const struct imp_kind *k,
			  PGconn *conn, long *added, char *err, size_t errlen)
{
	const char *copy_sql = NULL;
	int take;

	if (k->direct_begin == NULL || strcmp(im->path, "-") == 0)
		return 0;   /* standard input cannot be read twice */
	if (db_exec(conn, "SAVEPOINT imp_direct", 0, NULL, err, errlen) != 0)
		return -1;
	take = imp_next(im) > 0 ? k->direct_begin(im, conn, &copy_sql, err, errlen) : 0;
	if (take < 0)
		return -1;
	if (take > 0 && imp_stream(im, k, conn, copy_sql, 1, 1, err, errlen) == 0 &&
	    im->total_errors == 0)
		return k->direct_finish(im, conn, added, err, errlen) == 0 ? 1 : -1;
	if (db_exec(conn, "ROLLBACK TO SAVEPOINT imp_direct", 0, NULL, err, errlen) != 0)
		return -1;
	imp_close(im);
	if (imp_open(im, c, k->usage, c->encoding, k->cols, k->ncols, k->classify) != 0) {
		snprintf(err, errlen, "the file could not be read a second time");
		return -1;
	}
	return 0;
}

static int imp_transaction(struct ctl *c, struct imp *im, const struct imp_kind *k)
{
	char err[1024];
	long added = 0, updated = 0;
	int direct;
	PGconn *conn = ctl_db(c);

	if (conn == NULL)
		return EX_UNAVAILABLE;
	if (db_begin(conn, "import", NULL, err, sizeof(err)) != 0)
		return ctl_fail(ctl_db_error_code(), "%s", err);
	/* Imports compare the file with the ledger, then write the difference: two at once would
	 * both compare against the ledger as it was. Taken before the first read, this lock makes
	 * the second import wait for the first one's commit, then read its result (READ
	 * COMMITTED: every statement sees what was committed before it began). */
	if (db_exec(conn, IMP_LOCK_SQL, 0, NULL, err, sizeof(err)) != 0 ||
	    (k->setup_sql != NULL && db_exec(conn, k->setup_sql, 0, NULL, err, sizeof(err)) != 0))
		return imp_db_fail(conn, im->path, err);
	if ((direct = imp_try_direct(c, im, k, conn, &added, err, sizeof(err))) < 0 ||
	    (direct == 0 &&
	     (imp_stage(im, k, conn, err, sizeof(err)) != 0 ||
	      k->check(im, conn, err, sizeof(err)) != 0 ||
	      (im->total_errors == 0 &&
	       k->apply(im, conn, &added, &updated, err, sizeof(err)) != 0))))
		return imp_db_fail(conn, im->path, err);
	if (im->total_errors > 0) {
		db_rollback(conn);
		return imp_report_errors(im);
	}
	if (c->dry_run) {   /* everything checked and applied: undo it, report what it would do */
		db_rollback(conn);
		return imp_summary(c, im, added, updated);
	}
	if (db_commit(conn, err, sizeof(err)) != 0)
		return ctl_fail(ctl_db_error_code(), "%s: commit failed: %s", im->path, err);
	return imp_summary(c, im, added, updated);
}

int imp_run(struct ctl *c, const struct imp_kind *k)
{
	struct imp im;
	int rc = imp_open(&im, c, k->usage, c->encoding, k->cols, k->ncols, k->classify);

	if (rc == 0)
		rc = imp_transaction(c, &im, k);
	imp_close(&im);
	return rc;
}
