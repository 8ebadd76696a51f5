/* export_names: unit names for an export's unit-list cells. The export's SQL gives such a
 * cell as the ids of an int[] ("{12,7}"); the names are read once per export, in the export's
 * own transaction (so the same snapshot), and joined by 、 in the listed order — one query for
 * all the units instead of a join per row of the ledger. Memory is one name per unit. */
#include "export.h"
#include "ctl_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct export_names {
	long *ids;          /* ascending */
	char **names;
	size_t n;
	char *buf;          /* the last joined cell */
	size_t cap;
};

void export_names_free(struct export_names *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->ids);
	free(m->names);
	free(m->buf);
	free(m);
}

int export_names_load(struct ctl *c, struct export_names **out)
{
	struct export_names *m = calloc(1, sizeof(*m));
	PGresult *res = NULL;
	int rc, rows;

	*out = NULL;
	if (m == NULL)
		return ctl_fail(EX_SOFTWARE, "out of memory");
	rc = ctl_run(c, &res, "SELECT id, name FROM duban.units ORDER BY id", 0, NULL);
	if (rc != 0) {
		export_names_free(m);
		return rc;
	}
	rows = PQntuples(res);
	m->ids = calloc((size_t)rows + 1, sizeof(*m->ids));
	m->names = calloc((size_t)rows + 1, sizeof(*m->names));
	for (int i = 0; m->ids != NULL && m->names != NULL && i < rows; i++) {
		m->ids[i] = strtol(PQgetvalue(res, i, 0), NULL, 10);
		if ((m->names[i] = strdup(PQgetvalue(res, i, 1))) == NULL)
			break;
		m->n++;
	}
	PQclear(res);
	if (m->n != (size_t)rows) {
		export_names_free(m);
		return ctl_fail(EX_SOFTWARE, "out of memory");
	}
	*out = m;
	return 0;
}

static const char *export_name_of(const struct export_names *m, long id)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->ids[mid] == id)
			return m->names[mid];
		if (m->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Appends len bytes of s to the buffer; -1 when out of memory. */
static int export_names_put(struct export_names *m, size_t *pos, const char *s, size_t len)
{
	if (*pos + len + 1 > m->cap) {
		size_t cap = (*pos + len + 1) * 2;
		char *grown = realloc(m->buf, cap);

		if (grown == NULL)
			return -1;
		m->buf = grown;
		m->cap = cap;
	}
	memcpy(m->buf + *pos, s, len);
	*pos += len;
	m->buf[*pos] = '\0';
	return 0;
}

const char *export_names_join(struct export_names *m, const char *ids)
{
	static const char sep[] = "、";
	size_t pos = 0;
	const char *p = ids;
	int first = 1;

	if (ids == NULL)
		return NULL;
	if (export_names_put(m, &pos, "", 0) != 0)
		return NULL;
	while (*p != '\0') {
		char *end, num[24];
		const char *name;
		long id;

		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		errno = 0;
		id = strtol(p, &end, 10);
		name = errno == 0 ? export_name_of(m, id) : NULL;
		if (name == NULL) { /* not a unit (cannot happen: the ledger checks) — the id */
			snprintf(num, sizeof(num), "%ld", id);
			name = num;
		}
		if ((!first && export_names_put(m, &pos, sep, sizeof(sep) - 1) != 0) ||
		    export_names_put(m, &pos, name, strlen(name)) != 0)
			return NULL;
		first = 0;
		p = end;
	}
	return m->buf;
}
