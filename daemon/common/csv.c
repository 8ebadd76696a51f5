/* csv: streaming RFC 4180 reader. Reads the file in large blocks (converting GBK/GB18030
 * to UTF-8 on the way), splits records and fields, validates UTF-8, counts physical lines. */
#include "duban/csv.h"
#include "duban/textconv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CSV_EOF (-1)
#define CSV_FAIL (-2)
#define CSV_BLOCK_DEFAULT ((size_t)64 * 1024)
#define CSV_MAX_RECORD_DEFAULT ((size_t)16 * 1024 * 1024)
#define CSV_MAX_FIELDS 16384
#define CSV_SLACK 16 /* room for a partial character carried between blocks */

struct csv_reader {
    FILE *f;
    struct textconv *tc; /* NULL in UTF-8 mode */
    size_t block, max_record;
    char *buf; /* decoded UTF-8; buf[pos..len) not parsed yet */
    size_t pos, len, cap;
    char *raw; /* legacy mode: raw[rpos..rlen) not converted yet */
    size_t rpos, rlen, rcap;
    int raw_eof, conv_bad, started, done, failed;
    long line; /* physical line at the parse position */
    /* the record being built */
    char *data;
    size_t dlen, dcap;
    char **fields;
    size_t *starts, *lens, nf, fcap;
    long rec_line, field_line;
    int quoted; /* the last field was quoted */
    char err[200];
    long err_line;
};

/* Records an error (first one wins) and returns -1. */
static int csv_fail(struct csv_reader *r, long line, const char *fmt, ...)
{
    va_list ap;

    if (!r->failed) {
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof r->err, fmt, ap);
        va_end(ap);
        r->err_line = line;
        r->failed = 1;
    }
    return -1;
}

struct csv_reader *csv_open(FILE *f, const char *encoding)
{
    struct csv_reader *r;

    if (f == NULL || (!textconv_is_utf8(encoding) && !textconv_legacy_name(encoding))) {
        errno = EINVAL;
        return NULL;
    }
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->f = f;
    r->block = CSV_BLOCK_DEFAULT;
    r->max_record = CSV_MAX_RECORD_DEFAULT;
    r->line = 1;
    if (!textconv_is_utf8(encoding)) {
        r->tc = textconv_open(encoding);
        if (r->tc == NULL) {
            int saved = errno;
            free(r);
            errno = saved;
            return NULL;
        }
    }
    return r;
}

void csv_set_block_size(struct csv_reader *r, size_t bytes)
{
    if (r != NULL && !r->started)
        r->block = bytes ? bytes : 1;
}

void csv_set_max_record(struct csv_reader *r, size_t bytes)
{
    if (r != NULL)
        r->max_record = bytes;
}

/* Allocates the block buffers on first use. */
static int csv_alloc_buffers(struct csv_reader *r)
{
    r->cap = (r->tc ? 2 * r->block : r->block) + CSV_SLACK;
    r->buf = malloc(r->cap);
    if (r->buf == NULL)
        return csv_fail(r, 0, "out of memory");
    if (r->tc) {
        r->rcap = r->block + CSV_SLACK;
        r->raw = malloc(r->rcap);
        if (r->raw == NULL)
            return csv_fail(r, 0, "out of memory");
    }
    return 0;
}

/* Moves the unparsed bytes of buf to its start. */
static void csv_compact(struct csv_reader *r)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
}

static int csv_read_error(struct csv_reader *r)
{
    return csv_fail(r, r->line, "read error: %s", strerror(errno));
}

/* UTF-8 mode: appends one block from the file. Returns 1, 0 at EOF, -1 on error. */
static int csv_fill_utf8(struct csv_reader *r)
{
    size_t want = r->cap - r->len, n;

    if (want > r->block)
        want = r->block;
    n = fread(r->buf + r->len, 1, want, r->f);
    if (n == 0)
        return ferror(r->f) ? csv_read_error(r) : 0;
    r->len += n;
    return 1;
}

/* Legacy mode: reads more raw bytes, keeping an unconverted tail. 1, 0 at EOF, -1. */
static int csv_read_raw(struct csv_reader *r)
{
    size_t n;

    if (r->rpos > 0) {
        memmove(r->raw, r->raw + r->rpos, r->rlen - r->rpos);
        r->rlen -= r->rpos;
        r->rpos = 0;
    }
    n = fread(r->raw + r->rlen, 1, r->rcap - r->rlen < r->block ? r->rcap - r->rlen : r->block,
              r->f);
    if (n == 0) {
        if (ferror(r->f))
            return csv_read_error(r);
        r->raw_eof = 1;
        return 0;
    }
    r->rlen += n;
    return 1;
}

/* Legacy mode: appends converted bytes to buf. Returns 1, 0 at EOF, -1 on error. An
 * invalid sequence is reported only once everything before it has been parsed, so that
 * the error carries the line it is on. */
static int csv_fill_legacy(struct csv_reader *r)
{
    for (;;) {
        size_t in_used, out_used;
        enum textconv_result res;

        if (r->conv_bad)
            return csv_fail(r, r->line, "invalid GBK/GB18030 byte sequence (is the file UTF-8? "
                                        "then drop --encoding gbk)");
        if (r->rpos < r->rlen) {
            res = textconv_run(r->tc, r->raw + r->rpos, r->rlen - r->rpos, &in_used,
                               r->buf + r->len, r->cap - r->len, &out_used);
            r->rpos += in_used;
            r->len += out_used;
            if (res == TEXTCONV_INVALID)
                r->conv_bad = 1;
            if (out_used > 0)
                return 1;
            if (res == TEXTCONV_INVALID || res == TEXTCONV_OUT_FULL)
                continue;
        }
        if (r->raw_eof) {
            if (r->rpos < r->rlen)
                return csv_fail(r, r->line, "truncated GBK/GB18030 character at end of file");
            return 0;
        }
        if (csv_read_raw(r) < 0)
            return -1;
    }
}

static int csv_fill(struct csv_reader *r)
{
    csv_compact(r);
    return r->tc ? csv_fill_legacy(r) : csv_fill_utf8(r);
}

/* Returns the next decoded byte, CSV_EOF or CSV_FAIL. */
static inline int csv_getc(struct csv_reader *r)
{
    if (r->pos == r->len) {
        int rc = csv_fill(r);
        if (rc <= 0)
            return rc == 0 ? CSV_EOF : CSV_FAIL;
    }
    return (unsigned char)r->buf[r->pos++];
}

/* Legacy mode: refuses files that are evidently UTF-8 or UTF-16. */
static int csv_check_raw_start(struct csv_reader *r)
{
    const unsigned char *p = (const unsigned char *)r->raw;

    while (r->rlen < 3 && !r->raw_eof)
        if (csv_read_raw(r) < 0)
            return -1;
    if (r->rlen >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        return csv_fail(r, 1, "the file starts with a UTF-8 byte order mark: it is UTF-8, "
                              "drop --encoding gbk");
    if (r->rlen >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        return csv_fail(r, 1, "the file is UTF-16: save it as \"CSV UTF-8\"");
    return 0;
}

/* First call: allocates buffers, checks the start of the file and skips a BOM. */
static int csv_start(struct csv_reader *r)
{
    const unsigned char *p;

    r->started = 1;
    if (csv_alloc_buffers(r) < 0 || (r->tc && csv_check_raw_start(r) < 0))
        return -1;
    while (r->len < 3) {
        int rc = csv_fill(r);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
    }
    p = (const unsigned char *)r->buf;
    if (r->len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        return csv_fail(r, 1, "the file is UTF-16: save it as \"CSV UTF-8\"");
    if (r->len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        r->pos = 3;
    return 0;
}

/* Appends n bytes to the record being built. */
static int csv_put(struct csv_reader *r, const char *s, size_t n)
{
    if (r->dlen + n + 1 > r->max_record)
        return csv_fail(r, r->rec_line, "record longer than %zu bytes (an unterminated quote?)",
                        r->max_record);
    if (r->dlen + n + 1 > r->dcap) {
        size_t cap = r->dcap ? r->dcap : 1024;
        char *p;

        while (cap < r->dlen + n + 1)
            cap *= 2;
        p = realloc(r->data, cap);
        if (p == NULL)
            return csv_fail(r, r->rec_line, "out of memory");
        r->data = p;
        r->dcap = cap;
    }
    memcpy(r->data + r->dlen, s, n);
    r->dlen += n;
    return 0;
}

static int csv_putc(struct csv_reader *r, int c)
{
    char ch = (char)c;

    return csv_put(r, &ch, 1);
}

/* Bytes that end a run of ordinary bytes in an unquoted field. */
static const unsigned char csv_special[256] = {[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1};

/* Appends the run of ordinary bytes at the parse position (unquoted field). */
static int csv_span_unquoted(struct csv_reader *r)
{
    const unsigned char *b = (const unsigned char *)r->buf;
    size_t i = r->pos, len = r->len;

    while (i < len && !csv_special[b[i]])
        i++;
    if (csv_put(r, r->buf + r->pos, i - r->pos) < 0)
        return -1;
    r->pos = i;
    return 0;
}

/* Appends the run of bytes up to the next quote (quoted field), counting lines. */
static int csv_span_quoted(struct csv_reader *r)
{
    const char *b = r->buf + r->pos, *end = r->buf + r->len;
    const char *q = memchr(b, '"', (size_t)(end - b)), *nl = b;
    size_t i;

    if (q == NULL)
        q = end;
    while ((nl = memchr(nl, '\n', (size_t)(q - nl))) != NULL) {
        r->line++;
        nl++;
    }
    i = (size_t)(q - r->buf);
    if (csv_put(r, b, i - r->pos) < 0)
        return -1;
    r->pos = i;
    return 0;
}

static int csv_is_delim(int c)
{
    return c == ',' || c == '\n' || c == '\r' || c == CSV_EOF;
}

/* Reads an unquoted field whose first byte is *pc; leaves the delimiter in *pc. */
static int csv_read_unquoted(struct csv_reader *r, int *pc)
{
    int c = *pc;

    for (;;) {
        if (c == CSV_FAIL)
            return -1;
        if (csv_is_delim(c)) {
            *pc = c;
            return 0;
        }
        if (c == '"')
            return csv_fail(r, r->line, "quote character in an unquoted field (quote the whole "
                                        "field and double the quotes inside it)");
        r->pos--; /* c came from csv_getc and is still in buf: take it with its run */
        if (csv_span_unquoted(r) < 0)
            return -1;
        c = csv_getc(r);
    }
}

/* Reads a quoted field after its opening quote; leaves the delimiter in *pc. */
static int csv_read_quoted(struct csv_reader *r, int *pc)
{
    long open_line = r->line;
    int c;

    for (;;) {
        if (csv_span_quoted(r) < 0)
            return -1;
        c = csv_getc(r);
        if (c == CSV_FAIL)
            return -1;
        if (c == CSV_EOF)
            return csv_fail(r, open_line, "unterminated quoted field (the quote opened on this "
                                          "line is never closed)");
        if (c == '"') {
            c = csv_getc(r);
            if (c == '"') {
                if (csv_putc(r, c) < 0)
                    return -1;
                continue;
            }
            if (c == CSV_FAIL)
                return -1;
            if (!csv_is_delim(c))
                return csv_fail(r, r->line, "unexpected character after a closing quote "
                                            "(quotes inside a quoted field must be doubled)");
            *pc = c;
            return 0;
        }
        if (c == '\n')
            r->line++;
        if (csv_putc(r, c) < 0)
            return -1;
    }
}

/* Line of byte off of the current field (the field may span lines if quoted). */
static long csv_line_at(const struct csv_reader *r, size_t start, size_t off)
{
    long line = r->field_line;

    for (size_t i = start; i < start + off; i++)
        if (r->data[i] == '\n')
            line++;
    return line;
}

/* Doubles the per-field arrays. */
static int csv_grow_fields(struct csv_reader *r)
{
    size_t cap = r->fcap ? r->fcap * 2 : 32;
    size_t *s, *l;
    char **f;

    if (cap > CSV_MAX_FIELDS)
        return csv_fail(r, r->rec_line, "more than %d fields in a record", CSV_MAX_FIELDS);
    s = realloc(r->starts, cap * sizeof *s);
    if (s != NULL)
        r->starts = s;
    l = realloc(r->lens, cap * sizeof *l);
    if (l != NULL)
        r->lens = l;
    f = realloc(r->fields, cap * sizeof *f);
    if (f != NULL)
        r->fields = f;
    if (s == NULL || l == NULL || f == NULL)
        return csv_fail(r, r->rec_line, "out of memory");
    r->fcap = cap;
    return 0;
}

/* Terminates the current field (started at data[start]) and validates it. */
static int csv_end_field(struct csv_reader *r, size_t start)
{
    size_t bad;

    /* no data read yet (an empty last field): nothing to check, and no pointer to offset */
    if (r->data != NULL && textconv_utf8_check(r->data + start, r->dlen - start, &bad) < 0) {
        long line = csv_line_at(r, start, bad);
        if (r->data[start + bad] == '\0')
            return csv_fail(r, line, "NUL byte in the data (is this a text CSV file?)");
        if (r->tc)
            return csv_fail(r, line, "invalid character after GBK conversion");
        return csv_fail(r, line, "invalid UTF-8 (if the file is GBK, use --encoding gbk)");
    }
    if (r->nf == r->fcap && csv_grow_fields(r) < 0)
        return -1;
    r->starts[r->nf] = start;
    r->lens[r->nf] = r->dlen - start;
    r->nf++;
    return csv_put(r, "", 1);
}

/* After a CR that ends a record: swallows a following LF. */
static int csv_eat_lf(struct csv_reader *r)
{
    int c = csv_getc(r);

    if (c == CSV_FAIL)
        return -1;
    if (c >= 0 && c != '\n')
        r->pos--; /* a lone CR (old Mac line end): keep the next byte */
    return 0;
}

/* Reads one physical record. Returns 1, 0 at EOF (no record), -1 on error. */
static int csv_read_record(struct csv_reader *r)
{
    int c = csv_getc(r);

    r->dlen = 0;
    r->nf = 0;
    r->rec_line = r->line;
    if (c == CSV_EOF)
        return 0;
    for (;;) {
        size_t start = r->dlen;
        int rc;

        if (c == CSV_FAIL)
            return -1;
        r->field_line = r->line;
        r->quoted = c == '"';
        rc = r->quoted ? csv_read_quoted(r, &c) : csv_read_unquoted(r, &c);
        if (rc < 0 || csv_end_field(r, start) < 0)
            return -1;
        if (c == ',') {
            c = csv_getc(r);
            continue;
        }
        if (c == '\r' && csv_eat_lf(r) < 0)
            return -1;
        if (c != CSV_EOF)
            r->line++;
        return 1;
    }
}

/* Points rec at the record just read. */
static void csv_fill_record(struct csv_reader *r, struct csv_record *rec)
{
    for (size_t i = 0; i < r->nf; i++)
        r->fields[i] = r->data + r->starts[i];
    rec->nfields = r->nf;
    rec->fields = r->fields;
    rec->lens = r->lens;
    rec->line = r->rec_line;
}

int csv_next(struct csv_reader *r, struct csv_record *rec)
{
    if (r == NULL || rec == NULL || r->failed)
        return -1;
    if (r->done)
        return 0;
    if (!r->started && csv_start(r) < 0)
        return -1;
    for (;;) {
        int rc = csv_read_record(r);

        if (rc < 0)
            return -1;
        if (rc == 0) {
            r->done = 1;
            return 0;
        }
        if (r->nf == 1 && r->lens[0] == 0 && !r->quoted)
            continue; /* empty physical line */
        csv_fill_record(r, rec);
        return 1;
    }
}

const char *csv_error(const struct csv_reader *r)
{
    return r != NULL && r->failed ? r->err : "";
}

long csv_error_line(const struct csv_reader *r)
{
    return r != NULL && r->failed ? r->err_line : 0;
}

/* Returns 1 if s[0..n) holds only ASCII whitespace, U+3000 or U+00A0. */
static int csv_blank(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n' || p[i] == '\v'
            || p[i] == '\f')
            i++;
        else if (n - i >= 3 && p[i] == 0xE3 && p[i + 1] == 0x80 && p[i + 2] == 0x80)
            i += 3;
        else if (n - i >= 2 && p[i] == 0xC2 && p[i + 1] == 0xA0)
            i += 2;
        else
            return 0;
    }
    return 1;
}

int csv_record_blank(const struct csv_record *rec)
{
    for (size_t i = 0; i < rec->nfields; i++)
        if (!csv_blank(rec->fields[i], rec->lens[i]))
            return 0;
    return 1;
}

void csv_close(struct csv_reader *r)
{
    if (r == NULL)
        return;
    textconv_close(r->tc);
    free(r->buf);
    free(r->raw);
    free(r->data);
    free(r->fields);
    free(r->starts);
    free(r->lens);
    free(r);
}
