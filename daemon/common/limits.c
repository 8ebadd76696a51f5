/* Lengths of text values against the column limits of include/duban/limits.h. */
#include "duban/limits.h"

size_t limits_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int limits_too_long(const char *s, int max, size_t *n)
{
	*n = limits_chars(s);
	return *n > (size_t)max;
}
