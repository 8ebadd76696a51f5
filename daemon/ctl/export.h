/* export: the statutory tables of SPEC §11 that `dubanctl export` (and a scheduled table)
 * writes: their columns and the SQL function that yields their rows. Private to daemon/ctl. */
#ifndef DUBAN_CTL_EXPORT_H
#define DUBAN_CTL_EXPORT_H
#include "duban/table_out.h"

/* Whether a table takes --period. */
enum export_period { EXPORT_NO_PERIOD, EXPORT_PERIOD_OPTIONAL };

struct export_table {
	const char *name;              /* as on the command line, e.g. "attachment2" */
	const char *sheet;             /* the XLSX sheet name */
	const struct tab_col *cols;
	int ncols;
	/* SELECT over duban.export_NAME(unit code or NULL, period or NULL): one boolean
	 * (a 合计 row) then ncols text cells per row, in order. */
	const char *sql;
	enum export_period period;
	/* 1-based cell whose SQL value is unit ids as an int[] ("{12,7}"), written as the units'
	 * names joined by 、 in that order (export_names_join); 0: none */
	int names_cell;
};

/* The table of that name, or NULL. */
const struct export_table *export_table_find(const char *name);

/* The table names, space-separated, for messages. */
const char *export_table_names(void);

struct ctl;
struct export_names;

/* Reads every unit's name (in the caller's transaction); 0 or a sysexits code (printed). */
int export_names_load(struct ctl *c, struct export_names **out);

/* The names of the unit ids in ids ("{12,7}") joined by 、, in a buffer of m valid until the
 * next call; NULL for NULL ids or when out of memory. */
const char *export_names_join(struct export_names *m, const char *ids);

void export_names_free(struct export_names *m);

#endif
