/* A scheduled table as a WeCom robot file message (SPEC §7d): `dubanctl export` run as a child
 * process watched by the loop, the file uploaded to the robot's upload_media, then the
 * `file` message naming the media_id. Nothing here blocks the loop. */
#ifndef DUBAN_DAEMON_TABLEFILE_H
#define DUBAN_DAEMON_TABLEFILE_H
#include <stdbool.h>
#include <stddef.h>

#include "duban/classify.h"

struct duband;
struct tablefile;

/* WeCom's limits for a robot's file (upload_media type=file): 5 B to 20 MB. */
#define TABLEFILE_MIN_BYTES 5
#define TABLEFILE_MAX_BYTES (20L * 1024 * 1024)
#define TABLEFILE_EXPORT_TIMEOUT 300 /* seconds for dubanctl export before it is killed */

struct tablefile_result {
	struct classify_result c; /* the verdict for the notice (retry, dead: the normal rules) */
	const char *step;         /* "export", "upload" or "send": where it ended */
	long status;              /* HTTP status of the last request, 0 when none */
	double seconds;           /* from start to end */
	bool released;            /* the daemon is stopping: hand the notice back, no attempt */
	bool aborted;             /* a request was aborted (stop): the outcome is unknown */
	bool lapsed;              /* the export outlasted the claim's lease: nothing was sent and
				   * the notice is left to its next claim (never a double send) */
};

typedef void (*tablefile_done_fn)(void *arg, const struct tablefile_result *res);

/* The robot's upload_media address for its webhook url: the last path segment `send` replaced
 * by `upload_media` (else `/upload_media` appended), the query kept and `type=file` added.
 * NULL when out of memory. */
char *tablefile_upload_url(const char *webhook_url);

/* The file name the group sees, e.g. 附件1_2026-12-04.xlsx, into out. */
void tablefile_name(const char *table, const char *period, char *out, size_t len);

/* Starts making table (for period, used in the name only) and sending it to the robot at
 * webhook_url; nothing is uploaded unless the claim's lease (lease_until, on duband_mono)
 * outlasts the requests. fn is called once from the loop, never from inside this call; the job
 * frees itself after it. NULL when it cannot start (then nothing was spawned). */
struct tablefile *tablefile_start(struct duband *d, const char *webhook_url, const char *table,
				  const char *period, double lease_until, tablefile_done_fn fn,
				  void *arg);

/* Ends a job without its callback: kills the export, removes the file. Only for jobs whose
 * request the HTTP client no longer holds (teardown after httpc_free). */
void tablefile_free(struct tablefile *t);

#endif
