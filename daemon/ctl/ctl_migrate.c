/* dubanctl migrate: apply pending migrations and re-apply the SQL modules (safe twice, or by
 * two at once). */
#include "ctl.h"
#include "duban/migrate.h"

#include <jansson.h>
#include <stdio.h>

int cmd_migrate(struct ctl *c)
{
	char err[1024];
	int applied;
	PGconn *conn;

	if (ctl_need_args(c, 0, "migrate") != 0)
		return EX_USAGE;
	conn = ctl_db(c);
	if (conn == NULL)
		return EX_UNAVAILABLE;
	if (migrate_apply(conn, &applied, err, sizeof(err)) != 0)
		return ctl_fail(PQstatus(conn) == CONNECTION_OK ? EX_DATAERR : EX_UNAVAILABLE,
				"%s", err);
	if (c->json)
		return ctl_print_json(json_pack("{s:i, s:i, s:s, s:i}", "applied", applied,
						"version", migrate_latest(), "code",
						duban_code_checksum, "modules", duban_modules_count));
	printf("schema at version %d (%d migration%s applied); SQL code: %d modules (%.12s)\n",
	       migrate_latest(), applied, applied == 1 ? "" : "s", duban_modules_count,
	       duban_code_checksum);
	return 0;
}
