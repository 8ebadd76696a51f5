/* textconv: UTF-8 validation and streaming conversion of legacy encodings (GBK/GB18030)
 * to UTF-8 through glibc iconv. */
#ifndef DUBAN_TEXTCONV_H
#define DUBAN_TEXTCONV_H

#include <stddef.h>

/* Checks that s[0..n) is strict UTF-8 (no overlongs, surrogates or code points above
 * U+10FFFF) and holds no NUL byte. Returns 0 if valid; else -1 with *bad (if not NULL)
 * set to the offset of the first offending byte. */
int textconv_utf8_check(const char *s, size_t n, size_t *bad);

/* Returns the iconv name for a user-facing encoding name ("gbk", "gb2312", "gb18030",
 * case-insensitive: all map to "GB18030"), or NULL if it is not a supported legacy
 * encoding. UTF-8 is not a legacy encoding: use textconv_is_utf8(). */
const char *textconv_legacy_name(const char *encoding);

/* Returns 1 if encoding is NULL, empty, "utf-8" or "utf8" (case-insensitive), else 0. */
int textconv_is_utf8(const char *encoding);

struct textconv;

/* Opens a converter from a legacy encoding (see textconv_legacy_name) to UTF-8.
 * Returns NULL with errno = EINVAL for an unsupported encoding, or on iconv/alloc failure. */
struct textconv *textconv_open(const char *encoding);

enum textconv_result {
    TEXTCONV_OK = 0,         /* all input converted */
    TEXTCONV_OUT_FULL = 1,   /* output buffer full; call again with the rest */
    TEXTCONV_INCOMPLETE = 2, /* input ends inside a multibyte character; keep the tail */
    TEXTCONV_INVALID = -1    /* invalid byte sequence at in[*in_used] */
};

/* Converts in[0..inlen) into out[0..outcap). On return *in_used bytes were consumed and
 * *out_used bytes written. Never splits a character; a partial character at the end of
 * the input is left unconsumed (TEXTCONV_INCOMPLETE) to be passed again with more bytes. */
enum textconv_result textconv_run(struct textconv *tc, const char *in, size_t inlen,
                                  size_t *in_used, char *out, size_t outcap,
                                  size_t *out_used);

void textconv_close(struct textconv *tc);

#endif
