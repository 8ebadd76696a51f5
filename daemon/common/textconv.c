/* textconv: strict UTF-8 validation and streaming GBK/GB18030 → UTF-8 conversion
 * (glibc iconv), used by the CSV reader. */
#include "duban/textconv.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct textconv {
    iconv_t cd;
};

/* Returns 1 if the 8 bytes at p are all ASCII and none is NUL. */
static int textconv_ascii8(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof v);
    if (v & UINT64_C(0x8080808080808080))
        return 0;
    /* classic "has zero byte" test */
    return ((v - UINT64_C(0x0101010101010101)) & ~v & UINT64_C(0x8080808080808080)) == 0;
}

/* Length of the valid multibyte sequence at p (lead byte c >= 0x80), or 0 if invalid
 * or truncated at end. */
static size_t textconv_utf8_seq(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;

    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0; /* overlong */
    else if (c == 0xED)
        hi = 0x9F; /* surrogates */
    else if (c == 0xF0)
        lo = 0x90; /* overlong */
    else if (c == 0xF4)
        hi = 0x8F; /* above U+10FFFF */
    if (left < 2 || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (i >= left || (p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

int textconv_utf8_check(const char *s, size_t n, size_t *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        if (n - i >= 8 && textconv_ascii8(p + i)) {
            i += 8;
        } else if (p[i] != 0 && p[i] < 0x80) {
            i++;
        } else {
            size_t len = p[i] ? textconv_utf8_seq(p + i, n - i) : 0;
            if (len == 0) {
                if (bad)
                    *bad = i;
                return -1;
            }
            i += len;
        }
    }
    return 0;
}

int textconv_is_utf8(const char *encoding)
{
    return encoding == NULL || encoding[0] == '\0' || strcasecmp(encoding, "utf-8") == 0
           || strcasecmp(encoding, "utf8") == 0;
}

const char *textconv_legacy_name(const char *encoding)
{
    static const char *const names[] = {"gbk", "gb2312", "gb18030", "cp936", "gb-18030"};

    if (encoding == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(encoding, names[i]) == 0)
            return "GB18030";
    return NULL;
}

struct textconv *textconv_open(const char *encoding)
{
    const char *name = textconv_legacy_name(encoding);
    struct textconv *tc;

    if (name == NULL) {
        errno = EINVAL;
        return NULL;
    }
    tc = malloc(sizeof *tc);
    if (tc == NULL)
        return NULL;
    tc->cd = iconv_open("UTF-8", name);
    if (tc->cd == (iconv_t)-1) {
        int saved = errno;
        free(tc);
        errno = saved;
        return NULL;
    }
    return tc;
}

enum textconv_result textconv_run(struct textconv *tc, const char *in, size_t inlen,
                                  size_t *in_used, char *out, size_t outcap,
                                  size_t *out_used)
{
    char *ip = (char *)in, *op = out;
    size_t ileft = inlen, oleft = outcap;
    size_t rc = iconv(tc->cd, &ip, &ileft, &op, &oleft);
    int err = errno;

    *in_used = inlen - ileft;
    *out_used = outcap - oleft;
    if (rc != (size_t)-1)
        return TEXTCONV_OK;
    if (err == E2BIG)
        return TEXTCONV_OUT_FULL;
    if (err == EINVAL)
        return TEXTCONV_INCOMPLETE;
    return TEXTCONV_INVALID;
}

void textconv_close(struct textconv *tc)
{
    if (tc == NULL)
        return;
    iconv_close(tc->cd);
    free(tc);
}
