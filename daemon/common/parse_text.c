/* parse_text: the text helpers the value parsers share (trimming spaces, including the
 * full-width space, NBSP and BOM; case-insensitive words; alias tables; error messages). */
#include "duban/parse.h"
#include "parse_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int parse_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Length of the whitespace (or BOM) character at p[0..n), 0 if none. */
size_t parse_space_len(const char *p, size_t n)
{
    if (n >= 1 && strchr(" \t\r\n\v\f", p[0]) != NULL && p[0] != '\0')
        return 1;
    if (n >= 3 && (memcmp(p, U_IDEO_SPACE, 3) == 0 || memcmp(p, U_BOM, 3) == 0))
        return 3;
    if (n >= 2 && memcmp(p, U_NBSP, 2) == 0)
        return 2;
    return 0;
}

/* Length of the whitespace character ending at p[n-1], 0 if none. */
size_t parse_space_len_back(const char *p, size_t n)
{
    if (n >= 3 && parse_space_len(p + n - 3, 3) == 3)
        return 3;
    if (n >= 2 && parse_space_len(p + n - 2, 2) == 2)
        return 2;
    if (n >= 1 && parse_space_len(p + n - 1, 1) == 1)
        return 1;
    return 0;
}

/* Trims s[0..n) in place: *b and *n describe the result. */
void parse_trim_span(const char **b, size_t *n)
{
    size_t k;

    while ((k = parse_space_len(*b, *n)) > 0) {
        *b += k;
        *n -= k;
    }
    while ((k = parse_space_len_back(*b, *n)) > 0)
        *n -= k;
}

void parse_trim(const char *s, const char **b, size_t *n)
{
    *b = s ? s : "";
    *n = strlen(*b);
    parse_trim_span(b, n);
}

/* Copies s[0..n) for an error message, cut at 48 bytes on a character boundary. */
const char *parse_show(char *buf, size_t len, const char *s, size_t n)
{
    size_t max = 48 < len - 4 ? 48 : len - 4;

    if (n <= max) {
        snprintf(buf, len, "%.*s", (int)n, s);
        return buf;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    snprintf(buf, len, "%.*s...", (int)max, s);
    return buf;
}

int parse_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive (ASCII) comparison of s[0..n) with the whole of word. */
int parse_eq(const char *s, size_t n, const char *word)
{
    if (strlen(word) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (parse_lower((unsigned char)s[i]) != parse_lower((unsigned char)word[i]))
            return 0;
    return 1;
}

const char *parse_lookup(const struct parse_alias *t, const char *s, size_t n)
{
    for (; t->word != NULL; t++)
        if (parse_eq(s, n, t->word))
            return t->canon;
    return NULL;
}

/* Reads between min and max ASCII digits at *p (below end) into *v. */
int parse_digits(const char **p, const char *end, int min, int max, int *v)
{
    int k = 0;

    *v = 0;
    while (*p < end && k < max && **p >= '0' && **p <= '9') {
        *v = *v * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    return k >= min ? 0 : -1;
}

/* Consumes the literal lit at *p if present. */
int parse_lit(const char **p, const char *end, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
        return 0;
    *p += n;
    return 1;
}
