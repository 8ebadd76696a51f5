/* duband's metrics: plain counters updated by the modules, written out in the Prometheus
 * text exposition format when /metrics is asked for. */
#include "duban/daemon_metrics.h"
#include "duban/clock.h"

#include <event2/buffer.h>
#include <inttypes.h>
#include <string.h>

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->started_real = clock_real();
	m->pending = -1;
	m->dead = -1;
}

/* One metric family: HELP and TYPE lines. */
static int metrics_head(struct evbuffer *out, const char *name, const char *type,
			const char *help)
{
	return evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
				   type) < 0 ? -1 : 0;
}

static int metrics_u64(struct evbuffer *out, const char *name, const char *type,
		       const char *help, uint64_t v)
{
	if (metrics_head(out, name, type, help) != 0)
		return -1;
	return evbuffer_add_printf(out, "%s %" PRIu64 "\n", name, v) < 0 ? -1 : 0;
}

static int metrics_dbl(struct evbuffer *out, const char *name, const char *type,
		       const char *help, double v)
{
	if (metrics_head(out, name, type, help) != 0)
		return -1;
	return evbuffer_add_printf(out, "%s %.6f\n", name, v) < 0 ? -1 : 0;
}

int metrics_render(const struct metrics *m, struct evbuffer *out)
{
	int rc = 0;

	rc |= metrics_u64(out, "duband_up", "gauge", "1 while duband is running.", 1);
	rc |= metrics_u64(out, "duband_db_connected", "gauge",
			  "1 when the database is connected and its schema checked.",
			  m->db_connected ? 1 : 0);
	rc |= metrics_u64(out, "duband_db_connects_total", "counter",
			  "Successful database connections.", m->db_connects);
	rc |= metrics_u64(out, "duband_db_disconnects_total", "counter",
			  "Database connections lost or attempts failed.", m->db_disconnects);
	rc |= metrics_u64(out, "duband_sweeps_total", "counter", "Sweeps committed.", m->sweeps);
	rc |= metrics_u64(out, "duband_sweep_errors_total", "counter", "Sweeps that failed.",
			  m->sweep_errors);
	rc |= metrics_dbl(out, "duband_sweep_duration_seconds", "gauge",
			  "Duration of the last sweep.", m->sweep_seconds);
	rc |= metrics_dbl(out, "duband_sweep_duration_seconds_total", "counter",
			  "Time spent in sweeps.", m->sweep_seconds_sum);
	rc |= metrics_dbl(out, "duband_last_sweep_timestamp_seconds", "gauge",
			  "Real time of the last committed sweep (0: none yet).", m->last_sweep_real);
	rc |= metrics_u64(out, "duband_notices_made_total", "counter",
			  "Notices written to the outbox by sweeps.", m->notices_made);
	rc |= metrics_head(out, "duband_notices_total", "counter",
			   "Notice delivery results: sent, retry (will be tried again), dead.");
	if (evbuffer_add_printf(out, "duband_notices_total{result=\"sent\"} %" PRIu64 "\n"
				"duband_notices_total{result=\"retry\"} %" PRIu64 "\n"
				"duband_notices_total{result=\"dead\"} %" PRIu64 "\n",
				m->notices_sent, m->notices_retry, m->notices_dead) < 0)
		rc = -1;
	rc |= metrics_u64(out, "duband_notices_released_total", "counter",
			  "Claimed notices handed back without an attempt (rate budget, lease, stop).",
			  m->notices_released);
	rc |= metrics_head(out, "duband_messages_total", "counter",
			   "Webhook messages (one message carries one or more notices).");
	if (evbuffer_add_printf(out, "duband_messages_total{result=\"ok\"} %" PRIu64 "\n"
				"duband_messages_total{result=\"failed\"} %" PRIu64 "\n",
				m->messages_ok, m->messages_failed) < 0)
		rc = -1;
	rc |= metrics_u64(out, "duband_delivery_rounds_total", "counter", "Delivery rounds.",
			  m->rounds);
	rc |= metrics_u64(out, "duband_http_requests_in_flight", "gauge",
			  "Webhook requests in flight.", (uint64_t)(m->in_flight > 0 ? m->in_flight : 0));
	/* Always present (SPEC §9): 0 until the first count query answers. */
	rc |= metrics_u64(out, "duband_notices_pending", "gauge",
			  "Notices waiting to be delivered (0 until first counted).",
			  (uint64_t)(m->pending > 0 ? m->pending : 0));
	rc |= metrics_u64(out, "duband_notices_dead", "gauge",
			  "Notices that gave up (see dubanctl notice list --status dead).",
			  (uint64_t)(m->dead > 0 ? m->dead : 0));
	rc |= metrics_u64(out, "duband_reloads_total", "counter", "Configuration reloads.",
			  m->reloads);
	rc |= metrics_u64(out, "duband_reload_errors_total", "counter",
			  "Configuration reloads refused (the running configuration was kept).",
			  m->reload_errors);
	if (m->calendar_known) {
		rc |= metrics_head(out, "duband_calendar_until_days", "gauge",
				   "Days from today to the last date of the working-day calendar "
				   "(31 December of its last year; negative: past it).");
		if (evbuffer_add_printf(out, "duband_calendar_until_days %" PRId64 "\n",
					m->calendar_until_days) < 0)
			rc = -1;
	}
	rc |= metrics_dbl(out, "duband_start_time_seconds", "gauge",
			  "Real time at which duband started.", m->started_real);
	return rc == 0 ? 0 : -1;
}
