/* The longest value each indexed text column of the ledger accepts, in characters (one place
 * for the limits: the schema's CHECK constraints *_length carry the same numbers, and
 * it.input_limits checks that they agree). Beyond them a btree index would refuse the row
 * with an internal error; dubanctl refuses such values first as bad data (exit 65). */
#ifndef DUBAN_LIMITS_H
#define DUBAN_LIMITS_H
#include <stddef.h>

#define DUBAN_MAX_REF 64             /* problems.ref */
#define DUBAN_MAX_UNIT_CODE 32       /* units.code */
#define DUBAN_MAX_UNIT_NAME 100      /* units.name */
#define DUBAN_MAX_URL 512            /* channels.url */
#define DUBAN_MAX_SCHEDULE_NAME 64   /* schedules.name */

/* Number of characters (UTF-8 code points; a stray byte counts as one) in s. */
size_t limits_chars(const char *s);

/* Whether s is longer than max characters; *n gets its length in characters. */
int limits_too_long(const char *s, int max, size_t *n);

#endif
