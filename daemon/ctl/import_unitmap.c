/* import_unitmap: the units of the ledger by code or exact name, held in a small hash
 * table so that an import resolves millions of unit cells without a query per row.
 * A code wins over another unit's equal name. Memory grows with the units, not the rows. */
#include "import.h"
#include "duban/db.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct imp_unit_slot {
	const char *key;    /* points into res */
	long id;
	int is_code;
};

struct imp_units {
	PGresult *res;      /* id, code, name of every unit */
	struct imp_unit_slot *slots;
	size_t mask;
};

static uint64_t imp_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot of key: its entry, or the empty slot where it belongs. */
static struct imp_unit_slot *imp_slot(const struct imp_units *m, const char *key)
{
	size_t i = (size_t)imp_hash(key) & m->mask;

	while (m->slots[i].key != NULL && strcmp(m->slots[i].key, key) != 0)
		i = (i + 1) & m->mask;
	return &m->slots[i];
}

static void imp_units_put(struct imp_units *m, const char *key, long id, int is_code)
{
	struct imp_unit_slot *s = imp_slot(m, key);

	if (s->key != NULL && s->is_code && !is_code)
		return;
	s->key = key;
	s->id = id;
	s->is_code = is_code;
}

struct imp_units *imp_units_load(PGconn *conn, char *err, size_t errlen)
{
	struct imp_units *m = calloc(1, sizeof(*m));
	size_t n, cap = 16;

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* locked like a foreign key's referenced rows until the import commits: every id the
	 * map resolves names a unit that stays (a concurrent delete waits, then sees the rows
	 * that name it), so the bulk path needs no check of its own (sql/14_problem_units.sql) */
	m->res = db_query(conn, "SELECT id, code, name FROM duban.units ORDER BY id FOR KEY SHARE",
			  0, NULL, err, errlen);
	if (m->res == NULL) {
		free(m);
		return NULL;
	}
	n = (size_t)PQntuples(m->res);
	while (cap < 4 * n)
		cap *= 2;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (m->slots == NULL) {
		snprintf(err, errlen, "out of memory");
		imp_units_free(m);
		return NULL;
	}
	m->mask = cap - 1;
	for (int pass = 0; pass < 2; pass++)          /* names first, then codes */
		for (size_t i = 0; i < n; i++)
			imp_units_put(m, PQgetvalue(m->res, (int)i, pass == 0 ? 2 : 1),
				      atol(PQgetvalue(m->res, (int)i, 0)), pass);
	return m;
}

long imp_units_find(const struct imp_units *m, const char *key)
{
	const struct imp_unit_slot *s;

	if (key == NULL || *key == '\0')
		return 0;
	s = imp_slot(m, key);
	return s->key != NULL ? s->id : 0;
}

void imp_units_free(struct imp_units *m)
{
	if (m == NULL)
		return;
	PQclear(m->res);
	free(m->slots);
	free(m);
}
