/* import_refs: remembers the refs of the rows an import stages as 64-bit hashes in an
 * open-addressing set, so that the exact search for refs written twice (a sort of the whole
 * staging table in SQL) runs only when two hashes collide. A million refs take 16 MiB. */
#include "import.h"

#include <stdlib.h>

#define REF_FIRST_CAP 1024   /* slots; always a power of two, at most half full */

/* FNV-1a over the bytes of s; never 0 (0 marks an empty slot). */
static uint64_t ref_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;   /* spread the high bits into the slot index */
	return h != 0 ? h : 1;
}

/* Puts h into the set of cap slots; 1 when it was there already, else 0. */
static int ref_put(uint64_t *set, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (set[i] != 0) {
		if (set[i] == h)
			return 1;
		i = (i + 1) & (cap - 1);
	}
	set[i] = h;
	return 0;
}

/* Doubles the set (or makes the first one). 0, or -1 when there is no memory. */
static int ref_grow(struct imp *im)
{
	size_t cap = im->ref_cap != 0 ? im->ref_cap * 2 : REF_FIRST_CAP;
	uint64_t *set = calloc(cap, sizeof(*set));

	if (set == NULL)
		return -1;
	for (size_t i = 0; i < im->ref_cap; i++)
		if (im->ref_hash[i] != 0)
			(void)ref_put(set, cap, im->ref_hash[i]);
	free(im->ref_hash);
	im->ref_hash = set;
	im->ref_cap = cap;
	return 0;
}

void imp_ref_note(struct imp *im, const char *ref)
{
	if (im->ref_maybe_twice || ref == NULL || *ref == '\0')
		return;
	if (2 * (im->ref_count + 1) > im->ref_cap && ref_grow(im) != 0) {
		im->ref_maybe_twice = 1;   /* cannot tell: let SQL search */
		return;
	}
	if (ref_put(im->ref_hash, im->ref_cap, ref_hash(ref)))
		im->ref_maybe_twice = 1;
	else
		im->ref_count++;
}
