/* xlsx_book: what the .xlsx reader needs before the first row — the package and workbook
 * relationships (which part is the first sheet, the styles, the shared strings), the
 * date system (1900 or 1904), which cell styles show dates or percentages, and the
 * shared strings table (capped in count and bytes). */
#include "xlsx_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define XLSX_MAX_XF 65536
#define XLSX_MAX_NUMFMT 4096

/* The archive path of a relationship's target, resolved against the directory of the
 * part whose relationships they are ("xl/" for "xl/workbook.xml"). malloc'd. */
static char *xlsx_resolve(const char *base_dir, const char *target)
{
	size_t n = strlen(base_dir) + strlen(target) + 1;
	char *out = malloc(n), *seg;

	if (out == NULL)
		return NULL;
	if (target[0] == '/') {
		snprintf(out, n, "%s", target + 1);
		return out;
	}
	snprintf(out, n, "%s", base_dir);
	while (strncmp(target, "../", 3) == 0) {
		size_t len = strlen(out);

		if (len > 0)
			out[len - 1] = '\0';     /* drop the trailing '/' */
		seg = strrchr(out, '/');
		if (seg != NULL)
			seg[1] = '\0';
		else
			out[0] = '\0';
		target += 3;
	}
	strncat(out, target, n - strlen(out) - 1);
	return out;
}

/* The directory of a part path, with its trailing '/' ("" at the top). */
static char *xlsx_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, path, n);
		d[n] = '\0';
	}
	return d;
}

static int xlsx_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* What a relationships part leads to: the target by id (want_id) and by type suffix. */
struct xrels_want {
	const char *id;          /* or NULL */
	const char *types[3];    /* type suffixes, e.g. "/styles" */
	char *found_id;          /* the target of id */
	char *found[3];          /* the target of each type */
};

static int xlsx_rels_entry(struct xpart *p, const char *dir, struct xrels_want *w)
{
	char *id = xnode_attr(p, "Id"), *type = xnode_attr(p, "Type");
	char *target = xnode_attr(p, "Target"), *mode = xnode_attr(p, "TargetMode");
	int rc = 0;

	if (target != NULL && (mode == NULL || strcmp(mode, "External") != 0)) {
		if (w->id != NULL && id != NULL && strcmp(id, w->id) == 0 && w->found_id == NULL)
			rc |= (w->found_id = xlsx_resolve(dir, target)) == NULL;
		for (int i = 0; i < 3 && type != NULL; i++)
			if (w->types[i] != NULL && w->found[i] == NULL &&
			    xlsx_ends_with(type, w->types[i]))
				rc |= (w->found[i] = xlsx_resolve(dir, target)) == NULL;
	}
	free(id);
	free(type);
	free(target);
	free(mode);
	return rc ? -1 : 0;
}

/* Reads the relationships of the part at owner (e.g. "xl/workbook.xml"; "" for the
 * package). A missing relationships part leaves everything not found. */
static int xlsx_rels(struct xlsx_reader *r, const char *owner, struct xrels_want *w)
{
	char *dir = xlsx_dir_of(owner), *name;
	const char *base = strrchr(owner, '/') != NULL ? strrchr(owner, '/') + 1 : owner;
	struct xpart p;
	int rc;
	size_t n;

	if (dir == NULL)
		return xlsx_fail(r, 0, "out of memory");
	n = strlen(dir) + strlen(base) + 16;
	name = malloc(n);
	if (name == NULL) {
		free(dir);
		return xlsx_fail(r, 0, "out of memory");
	}
	snprintf(name, n, "%s_rels/%s.rels", dir, base);
	if (zip_name_locate(r->zip, name, ZIP_FL_NOCASE) < 0) {
		free(name);
		free(dir);
		return 0;
	}
	rc = xpart_open(r, &p, name, XLSX_MAX_META_BYTES);
	while (rc == 0 && (rc = xpart_read(r, &p)) == 1) {
		rc = 0;
		if (xmlTextReaderNodeType(p.xr) == XML_READER_TYPE_ELEMENT &&
		    xnode_is(&p, "Relationship") && xlsx_rels_entry(&p, dir, w) != 0)
			rc = xlsx_fail(r, 0, "out of memory");
	}
	xpart_close(&p);
	free(name);
	free(dir);
	return rc < 0 ? -1 : 0;
}

/* The relationship id of the first sheet, and the date system. */
static int xlsx_workbook(struct xlsx_reader *r, const char *path, char **sheet_rid)
{
	struct xpart p;
	int rc = xpart_open(r, &p, path, XLSX_MAX_META_BYTES);

	while (rc == 0 && *sheet_rid == NULL && (rc = xpart_read(r, &p)) == 1) {
		rc = 0;
		if (xmlTextReaderNodeType(p.xr) != XML_READER_TYPE_ELEMENT)
			continue;
		if (xnode_is(&p, "workbookPr")) {
			char *v = xnode_attr(&p, "date1904");

			r->date1904 = v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
			free(v);
		} else if (xnode_is(&p, "sheet")) {
			*sheet_rid = xnode_attr(&p, "id");
			if (*sheet_rid == NULL)
				rc = xlsx_fail(r, 0, "%s: the first sheet has no relationship id",
					       path);
		}
	}
	xpart_close(&p);
	if (rc >= 0 && *sheet_rid == NULL)
		return xlsx_fail(r, 0, "the workbook has no sheet");
	return rc < 0 ? -1 : 0;
}

/* Whether a custom number format shows a date (y, d, 年, 月, 日 outside quotes,
 * brackets and escapes) or a percentage. */
static enum xlsx_numkind xlsx_format_kind(const char *code)
{
	int quoted = 0, bracket = 0, date = 0, percent = 0;

	for (const char *s = code; *s != '\0'; s++) {
		if (*s == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted)
			continue;
		if (*s == '\\' && s[1] != '\0') {
			s++;
			continue;
		}
		if (*s == '[')
			bracket = 1;
		else if (*s == ']')
			bracket = 0;
		else if (bracket)
			continue;
		else if (*s == ';')
			break;      /* the positive section decides */
		else if (tolower((unsigned char)*s) == 'y' || tolower((unsigned char)*s) == 'd' ||
			 strncmp(s, "年", 3) == 0 || strncmp(s, "月", 3) == 0 ||
			 strncmp(s, "日", 3) == 0)
			date = 1;
		else if (*s == '%')
			percent = 1;
	}
	return date ? XN_DATE : percent ? XN_PERCENT : XN_GENERAL;
}

/* Excel's built-in formats that show dates (14-17, 22, and the East Asian 27-36, 50-58)
 * or percentages (9, 10). */
static enum xlsx_numkind xlsx_builtin_kind(long id)
{
	if ((id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) ||
	    (id >= 50 && id <= 58))
		return XN_DATE;
	if (id == 9 || id == 10)
		return XN_PERCENT;
	return XN_GENERAL;
}

struct xfmt {
	long id[XLSX_MAX_NUMFMT];
	unsigned char kind[XLSX_MAX_NUMFMT];
	int n;
};

static enum xlsx_numkind xlsx_fmt_kind(const struct xfmt *f, long id)
{
	for (int i = 0; i < f->n; i++)
		if (f->id[i] == id)
			return (enum xlsx_numkind)f->kind[i];
	return xlsx_builtin_kind(id);
}

static int xlsx_style_element(struct xlsx_reader *r, struct xpart *p, struct xfmt *f,
			      int in_cellxfs)
{
	if (xnode_is(p, "numFmt") && f->n < XLSX_MAX_NUMFMT) {
		char *id = xnode_attr(p, "numFmtId"), *code = xnode_attr(p, "formatCode");

		if (id != NULL && code != NULL) {
			f->id[f->n] = atol(id);
			f->kind[f->n++] = (unsigned char)xlsx_format_kind(code);
		}
		free(id);
		free(code);
	} else if (in_cellxfs && xnode_is(p, "xf")) {
		char *id = xnode_attr(p, "numFmtId");

		if (r->nxf >= XLSX_MAX_XF)
			return xlsx_fail(r, 0, "%s: more than %d cell styles", p->name, XLSX_MAX_XF);
		r->xf_kind[r->nxf++] = (unsigned char)xlsx_fmt_kind(f, id != NULL ? atol(id) : 0);
		free(id);
	}
	return 0;
}

/* Which cell styles (cellXfs) show dates or percentages. */
static int xlsx_styles(struct xlsx_reader *r)
{
	struct xfmt *f;
	struct xpart p;
	int rc, in_cellxfs = 0;

	if (r->styles_path == NULL)
		return 0;
	f = calloc(1, sizeof(*f));
	r->xf_kind = calloc(XLSX_MAX_XF, 1);
	if (f == NULL || r->xf_kind == NULL) {
		free(f);
		return xlsx_fail(r, 0, "out of memory");
	}
	rc = xpart_open(r, &p, r->styles_path, XLSX_MAX_META_BYTES);
	while (rc == 0 && (rc = xpart_read(r, &p)) == 1) {
		int type = xmlTextReaderNodeType(p.xr);

		rc = 0;
		if (type == XML_READER_TYPE_ELEMENT && xnode_is(&p, "cellXfs"))
			in_cellxfs = !xmlTextReaderIsEmptyElement(p.xr);
		else if (type == XML_READER_TYPE_END_ELEMENT && xnode_is(&p, "cellXfs"))
			in_cellxfs = 0;
		else if (type == XML_READER_TYPE_ELEMENT)
			rc = xlsx_style_element(r, &p, f, in_cellxfs);
	}
	xpart_close(&p);
	free(f);
	return rc < 0 ? -1 : 0;
}

static int xlsx_sst_push(struct xlsx_reader *r, size_t start)
{
	if (r->nsst >= (size_t)XLSX_MAX_SST_COUNT)
		return xlsx_fail(r, 0, "%s: more than %ld shared strings (refused)", r->sst_path,
				 (long)XLSX_MAX_SST_COUNT);
	if (r->nsst == r->sst_cap) {
		size_t cap = r->sst_cap > 0 ? r->sst_cap * 2 : 1024;
		uint32_t *o = realloc(r->sst_off, cap * sizeof(*o));

		if (o == NULL)
			return xlsx_fail(r, 0, "out of memory");
		r->sst_off = o;
		r->sst_cap = cap;
	}
	r->sst_off[r->nsst++] = (uint32_t)start;
	return 0;
}

/* One <si>: its text appended to the table, NUL-terminated. */
static int xlsx_sst_item(struct xlsx_reader *r, struct xpart *p)
{
	struct xbuf *b = &r->sst_text;
	size_t start = b->n;

	if (xnode_rich_text(r, p, b) != 0)
		return -1;
	b->n = start + xlsx_unescape(b->p + start, b->n - start);
	if (xbuf_add(b, "", 1) != 0)
		return xlsx_fail(r, 0, "%s: the shared strings pass %ld bytes (refused)",
				 r->sst_path, (long)XLSX_MAX_SST_TEXT);
	return xlsx_sst_push(r, start);
}

static int xlsx_shared_strings(struct xlsx_reader *r)
{
	struct xpart p;
	int rc;

	r->sst_text.limit = (size_t)XLSX_MAX_SST_TEXT;
	if (r->sst_path == NULL)
		return 0;
	rc = xpart_open(r, &p, r->sst_path, XLSX_MAX_SST_PART);
	while (rc == 0 && (rc = xpart_read(r, &p)) == 1) {
		rc = 0;
		if (xmlTextReaderNodeType(p.xr) == XML_READER_TYPE_ELEMENT && xnode_is(&p, "si")) {
			if (xbuf_add(&r->sst_text, "", 0) != 0)
				rc = xlsx_fail(r, 0, "out of memory");
			else
				rc = xlsx_sst_item(r, &p);
		}
	}
	xpart_close(&p);
	return rc < 0 ? -1 : 0;
}

int xlsx_book_load(struct xlsx_reader *r)
{
	struct xrels_want pkg = {.types = {"/officeDocument", NULL, NULL}};
	struct xrels_want book = {.types = {"/sharedStrings", "/styles", NULL}};
	char *workbook, *rid = NULL;
	int rc;

	if (xlsx_rels(r, "", &pkg) != 0) {
		free(pkg.found[0]);   /* found before the relationships part turned out bad */
		return -1;
	}
	workbook = pkg.found[0] != NULL ? pkg.found[0] : strdup("xl/workbook.xml");
	if (workbook == NULL)
		return xlsx_fail(r, 0, "out of memory");
	rc = xlsx_workbook(r, workbook, &rid);
	book.id = rid;
	if (rc == 0)
		rc = xlsx_rels(r, workbook, &book);
	free(workbook);
	free(rid);
	r->sheet_path = book.found_id;
	r->sst_path = book.found[0];
	r->styles_path = book.found[1];
	if (rc != 0)
		return -1;
	if (r->sheet_path == NULL)
		return xlsx_fail(r, 0, "the workbook does not say where its first sheet is");
	if (xlsx_styles(r) != 0 || xlsx_shared_strings(r) != 0)
		return -1;
	return 0;
}
