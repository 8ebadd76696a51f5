/* xlsx_part: the .xlsx reader's access to archive members — each part streamed from
 * libzip into libxml2's xmlTextReader, never past its declared size (capped), with the
 * parser's errors captured, DTDs refused and external entities never loaded — and the
 * helpers for reading elements, attributes and rich text. */
#include "xlsx_internal.h"

#include <libxml/parserInternals.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int xbuf_add(struct xbuf *b, const char *s, size_t n)
{
	if (n > b->limit || b->n + n + 1 > b->limit)
		return -1;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap > 0 ? b->cap : 256;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		if (cap > b->limit)
			cap = b->limit;
		p = realloc(b->p, cap);
		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

int xlsx_fail(struct xlsx_reader *r, long line, const char *fmt, ...)
{
	va_list ap;

	if (r->err[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->err_line = line;
	return -1;
}

/* Nothing outside the archive is ever read: every external entity or DTD is refused. */
static xmlParserInputPtr xpart_no_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static void xpart_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* Keeps the parser's first error as the part's error. */
static void xpart_on_error(void *arg, xmlErrorPtr e)
{
	struct xpart *p = arg;
	size_t n;

	if (p->failed || e == NULL || e->level < XML_ERR_ERROR)
		return;
	p->failed = 1;
	snprintf(p->err, p->errlen, "%s: malformed XML at line %d: %s", p->name, e->line,
		 e->message != NULL ? e->message : "error");
	n = strlen(p->err);
	if (n > 0 && p->err[n - 1] == '\n')
		p->err[n - 1] = '\0';
}

/* Whether buf (after the previous read's tail) holds "<!DOCTYPE" or "<!ENTITY": no
 * workbook part has a DTD, so one is refused before the parser reads it. */
static int xpart_has_dtd(struct xpart *p, const char *buf, size_t n)
{
	static const char *const words[] = {"<!DOCTYPE", "<!ENTITY"};
	char joint[32];
	size_t k = n < 15 ? n : 15;

	for (int i = 0; i < 2; i++)
		if (memmem(buf, n, words[i], strlen(words[i])) != NULL)
			return 1;
	memcpy(joint, p->tail, p->ntail);
	memcpy(joint + p->ntail, buf, k);
	for (int i = 0; i < 2; i++)
		if (memmem(joint, p->ntail + k, words[i], strlen(words[i])) != NULL)
			return 1;
	if (n >= 15) {
		memcpy(p->tail, buf + n - 15, 15);
		p->ntail = 15;
	} else {
		size_t keep = p->ntail + n > 15 ? 15 : p->ntail + n;

		memcpy(p->tail, joint + p->ntail + n - keep, keep);
		p->ntail = keep;
	}
	return 0;
}

/* Feeds the parser from the archive, refusing bytes past the declared size. */
static int xpart_input(void *ctx, char *buf, int len)
{
	struct xpart *p = ctx;
	zip_int64_t got;

	got = zip_fread(p->zf, buf, (zip_uint64_t)len);
	if (got < 0) {
		if (!p->failed)
			snprintf(p->err, p->errlen, "%s: cannot be read: %s", p->name,
				 zip_error_strerror(zip_file_get_error(p->zf)));
		p->failed = 1;
		return -1;
	}
	p->done += (uint64_t)got;
	if (p->done > p->declared) {
		if (!p->failed)
			snprintf(p->err, p->errlen, "%s: inflates to more than the %llu bytes it "
				 "declares (a damaged file or a zip bomb)", p->name,
				 (unsigned long long)p->declared);
		p->failed = 1;
		return -1;
	}
	if (xpart_has_dtd(p, buf, (size_t)got)) {
		if (!p->failed)
			snprintf(p->err, p->errlen, "%s: has a DTD (<!DOCTYPE>), which no workbook "
				 "has: refused", p->name);
		p->failed = 1;
		return -1;
	}
	return (int)got;
}

static int xpart_input_close(void *ctx)
{
	(void)ctx;
	return 0;
}

int xpart_open(struct xlsx_reader *r, struct xpart *p, const char *name, uint64_t limit)
{
	zip_stat_t st;
	zip_int64_t idx;

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->err = r->err;
	p->errlen = sizeof(r->err);
	xmlSetExternalEntityLoader(xpart_no_entity);
	xmlSetGenericErrorFunc(NULL, xpart_quiet);
	idx = zip_name_locate(r->zip, name, ZIP_FL_NOCASE);
	if (idx < 0)
		return xlsx_fail(r, 0, "the workbook has no part %s", name);
	if (zip_stat_index(r->zip, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
		return xlsx_fail(r, 0, "%s: cannot be read: %s", name,
				 zip_strerror(r->zip));
	if (st.size > limit)
		return xlsx_fail(r, 0, "%s: inflates to %llu bytes, more than the %llu allowed "
				 "(a zip bomb?)", name, (unsigned long long)st.size,
				 (unsigned long long)limit);
	p->declared = st.size;
	p->zf = zip_fopen_index(r->zip, (zip_uint64_t)idx, 0);
	if (p->zf == NULL)
		return xlsx_fail(r, 0, "%s: cannot be read: %s (an encrypted workbook? save "
				 "it without a password)", name, zip_strerror(r->zip));
	p->xr = xmlReaderForIO(xpart_input, xpart_input_close, p, NULL, NULL,
			       XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
	if (p->xr == NULL) {
		zip_fclose(p->zf);
		p->zf = NULL;
		return xlsx_fail(r, 0, "%s: cannot start the XML reader", name);
	}
	xmlTextReaderSetStructuredErrorHandler(p->xr, xpart_on_error, p);
	return 0;
}

int xpart_read(struct xlsx_reader *r, struct xpart *p)
{
	int rc;

	if (p->failed)
		return -1;
	rc = xmlTextReaderRead(p->xr);
	if (rc < 0 || p->failed) {
		p->failed = 1;
		return xlsx_fail(r, 0, "%s: malformed XML", p->name);
	}
	if (rc == 1 && xmlTextReaderNodeType(p->xr) == XML_READER_TYPE_DOCUMENT_TYPE) {
		p->failed = 1;
		return xlsx_fail(r, 0, "%s: has a DTD (<!DOCTYPE>), which no workbook has: "
				 "refused", p->name);
	}
	if (rc == 1 && xmlTextReaderNodeType(p->xr) == XML_READER_TYPE_ENTITY_REFERENCE) {
		p->failed = 1;
		return xlsx_fail(r, 0, "%s: uses an XML entity, which no workbook does: "
				 "refused", p->name);
	}
	return rc;
}

void xpart_close(struct xpart *p)
{
	if (p->xr != NULL)
		xmlFreeTextReader(p->xr);
	if (p->zf != NULL)
		zip_fclose(p->zf);
	p->xr = NULL;
	p->zf = NULL;
}

int xnode_is(struct xpart *p, const char *s)
{
	const xmlChar *n = xmlTextReaderConstLocalName(p->xr);

	return n != NULL && strcmp((const char *)n, s) == 0;
}

char *xnode_attr(struct xpart *p, const char *local)
{
	char *found = NULL;

	if (xmlTextReaderMoveToFirstAttribute(p->xr) != 1)
		return NULL;
	do {
		const xmlChar *n = xmlTextReaderConstLocalName(p->xr);

		if (n != NULL && strcmp((const char *)n, local) == 0) {
			const xmlChar *v = xmlTextReaderConstValue(p->xr);

			found = strdup(v != NULL ? (const char *)v : "");
			break;
		}
	} while (xmlTextReaderMoveToNextAttribute(p->xr) == 1);
	xmlTextReaderMoveToElement(p->xr);
	return found;
}

/* Whether the node is text that belongs to a cell's value. */
static int xnode_is_text(int type)
{
	return type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
	       type == XML_READER_TYPE_WHITESPACE ||
	       type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
}

int xnode_rich_text(struct xlsx_reader *r, struct xpart *p, struct xbuf *out)
{
	int depth = xmlTextReaderDepth(p->xr), in_t = 0, skip_depth = -1;

	if (xmlTextReaderIsEmptyElement(p->xr))
		return 0;
	for (;;) {
		int rc = xpart_read(r, p), type, d;

		if (rc <= 0)
			return rc == 0 ? xlsx_fail(r, 0, "%s: ends inside a string", p->name) : -1;
		type = xmlTextReaderNodeType(p->xr);
		d = xmlTextReaderDepth(p->xr);
		if (type == XML_READER_TYPE_END_ELEMENT && d == depth)
			return 0;
		if (type == XML_READER_TYPE_ELEMENT && skip_depth < 0) {
			if (xnode_is(p, "rPh") && !xmlTextReaderIsEmptyElement(p->xr))
				skip_depth = d;
			else if (xnode_is(p, "t") && !xmlTextReaderIsEmptyElement(p->xr))
				in_t = d;
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (d == skip_depth)
				skip_depth = -1;
			else if (d == in_t)
				in_t = 0;
		} else if (in_t > 0 && skip_depth < 0 && xnode_is_text(type)) {
			const xmlChar *v = xmlTextReaderConstValue(p->xr);
			size_t n = v != NULL ? strlen((const char *)v) : 0;

			if (xbuf_add(out, (const char *)v, n) != 0)
				return xlsx_fail(r, 0, "%s: a string is larger than allowed "
						 "(%zu bytes)", p->name, out->limit);
		}
	}
}

static int xhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Writes code point u (< 0x10000) as UTF-8 at o; returns its length. */
static size_t xutf8(char *o, unsigned u)
{
	if (u < 0x80) {
		o[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		o[0] = (char)(0xC0 | (u >> 6));
		o[1] = (char)(0x80 | (u & 0x3F));
		return 2;
	}
	o[0] = (char)(0xE0 | (u >> 12));
	o[1] = (char)(0x80 | ((u >> 6) & 0x3F));
	o[2] = (char)(0x80 | (u & 0x3F));
	return 3;
}

size_t xlsx_unescape(char *s, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		if (i + 7 <= n && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_' &&
		    xhex(s[i + 2]) >= 0 && xhex(s[i + 3]) >= 0 && xhex(s[i + 4]) >= 0 &&
		    xhex(s[i + 5]) >= 0) {
			unsigned u = (unsigned)(xhex(s[i + 2]) << 12 | xhex(s[i + 3]) << 8 |
						xhex(s[i + 4]) << 4 | xhex(s[i + 5]));

			if (u != 0 && (u < 0xD800 || u > 0xDFFF)) {
				o += xutf8(s + o, u);   /* never longer than the 7 bytes read */
				i += 7;
				continue;
			}
		}
		s[o++] = s[i++];
	}
	s[o] = '\0';
	return o;
}
