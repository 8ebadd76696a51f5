/* parse_text.h: private to daemon/common's parse_*.c — the text helpers they share. */
#ifndef DUBAN_PARSE_TEXT_H
#define DUBAN_PARSE_TEXT_H

#include <stddef.h>

#define U_IDEO_SPACE "\xE3\x80\x80" /* U+3000 */
#define U_NBSP "\xC2\xA0"
#define U_BOM "\xEF\xBB\xBF"

/* One accepted spelling of a word and its canonical value. */
struct parse_alias {
    const char *word;
    const char *canon;
};

/* Formats an error into err (if any) and returns -1. */
int parse_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Length of the whitespace (or BOM) character at p[0..n), 0 if none. */
size_t parse_space_len(const char *p, size_t n);
/* Length of the whitespace character ending at p[n-1], 0 if none. */
size_t parse_space_len_back(const char *p, size_t n);
/* Trims the span *b[0..*n) of spaces at both ends, in place. */
void parse_trim_span(const char **b, size_t *n);
/* The trimmed span of s (NULL counts as ""). */
void parse_trim(const char *s, const char **b, size_t *n);
/* s[0..n) copied into buf for an error message, cut at 48 bytes on a character boundary. */
const char *parse_show(char *buf, size_t len, const char *s, size_t n);
/* ASCII lower case of c. */
int parse_lower(int c);
/* 1 if s[0..n) equals word, ignoring ASCII case. */
int parse_eq(const char *s, size_t n, const char *word);
/* The canonical value of s[0..n) in the NULL-terminated table t, or NULL. */
const char *parse_lookup(const struct parse_alias *t, const char *s, size_t n);
/* Reads between min and max ASCII digits at *p (below end) into *v; advances *p. */
int parse_digits(const char **p, const char *end, int min, int max, int *v);
/* Consumes the literal lit at *p (below end): 1 if it was there, else 0. */
int parse_lit(const char **p, const char *end, const char *lit);

#endif
