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
};

/* The table of that name, or NULL. */
const struct export_table *export_table_find(const char *name);

/* The table names, space-separated, for messages. */
const char *export_table_names(void);

#endif
