-- sql/60_delivery.sql
-- Delivery (SPEC §8): per-channel rates, and the set-based functions duband calls around each
-- webhook message: claim deliverable notices under a lease, record what became of a message.

-- Messages per minute a channel may receive: its own rate, else its kind's default.
CREATE OR REPLACE FUNCTION duban.channel_rate(p_kind text, p_rate int) RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(p_rate, CASE p_kind WHEN 'wecom' THEN 20 WHEN 'dingtalk' THEN 20
                                      WHEN 'feishu' THEN 100 WHEN 'slack' THEN 60 ELSE NULL END)
$$;

-- Messages a second a channel may receive, so that a per-minute rate is not spent in one burst
-- (Slack allows about one a second, WeCom and DingTalk dislike bursts too): Feishu's documented
-- 5, else the per-minute rate spread over the minute (at least 1); NULL when unlimited.
CREATE OR REPLACE FUNCTION duban.channel_burst(p_kind text, p_rate int) RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_kind = 'feishu' THEN least(5, greatest(1, duban.channel_rate(p_kind, p_rate)))
              WHEN duban.channel_rate(p_kind, p_rate) IS NULL THEN NULL
              ELSE greatest(1, duban.channel_rate(p_kind, p_rate) / 60) END
$$;

-- Claims the notices deliverable at p_now (ledger clock): pending, due (a notice never tried is
-- due at once, whatever the clock of the process that made it said: a dubanctl or dubanweb whose
-- pinned clock has run on ahead of this daemon's must not hold it back; a retry is due at
-- next_attempt_at, its back-off), not leased by a live
-- claimer, in the delivery window [p_window_start, p_window_end) (minutes after local
-- midnight in p_tz) and on a working day when p_workdays_only, on channels that are not
-- paused, that no live claimer is working on (one claimer per channel at a time), and that have
-- rate budget left (messages logged in channel_sends over the last 60 s of real time against
-- duban.channel_rate(), and over the last second against duban.channel_burst()). At most
-- p_max_channels channels, p_max_per_channel notices per channel and p_max_rows notices in all
-- (the daemon's memory for a round is bounded by p_max_rows).
-- Paged by channel: the claim walks the channels that have pending notices in id order, from
-- the first after p_after (the daemon passes the last channel of its previous full claim, and 0
-- once a claim came back short), one probe of notices_claim_idx per channel, and stops as soon
-- as it has p_max_channels channels or p_max_rows notices: a claim's cost follows what it takes,
-- not the size of the outbox. Rows come grouped by channel in id order, most urgent first;
-- budget is the messages the channel may still take now (NULL: no
-- limit); lease_left the seconds left on the lease, measured on the server's clock (the daemon
-- adds it to its own monotonic clock: its real clock may disagree with the server's); payload
-- the §8 fields with the notice id (an acceptance notice's working_days counted to the local
-- date of p_now: the notice is rendered at each attempt); urgency duban.notice_urgency()'s rank (the renderers order
-- a digest by it). Read the columns by name: more may be added.
-- Two claims running at the same moment cannot both take one channel (and so both spend its
-- rate budget): a channel is taken only under pg_try_advisory_xact_lock(1685414497 ('duba'),
-- channel id), and a claim skips channels another claim holds. The lock is a transaction lock:
-- it ends when the claim commits, so it guards only the claim itself; afterwards the lease
-- (claimed_pid/claimed_until: a channel with a live lease is busy) keeps other claimers off the
-- channel. A claim whose snapshot predates another's commit may still miss that lease, a window
-- of a few milliseconds that only lets two instances share a channel's budget for one round.
CREATE OR REPLACE FUNCTION duban.deliver_claim(
  p_now timestamptz, p_tz text, p_window_start int, p_window_end int, p_workdays_only boolean,
  p_lease_seconds double precision, p_claimer text, p_max_channels int, p_max_per_channel int,
  p_max_rows int, p_after int DEFAULT 0)
RETURNS TABLE (notice_id bigint, channel_id int, kind text, url text, secret text, mention jsonb,
               unit text, budget int, lease_left double precision, payload jsonb, urgency int,
               keyword text)
LANGUAGE plpgsql SET jit = off AS $$
#variable_conflict use_column
DECLARE
  v_local  timestamp := p_now AT TIME ZONE p_tz;
  v_minute int := extract(hour FROM v_local)::int * 60 + extract(minute FROM v_local)::int;
BEGIN
  IF v_minute < p_window_start OR v_minute >= p_window_end THEN
    RETURN;
  END IF;
  IF p_workdays_only AND NOT duban.is_workday(v_local::date) THEN
    RETURN;
  END IF;
  -- The claim's commit need not wait for the disk: a lease lost in a server crash or failover
  -- belonged to a backend that is gone with it, which no claimer counts as live anyway. (The
  -- results, deliver_sent_many and the others, commit durably: a send must not be forgotten.)
  PERFORM set_config('synchronous_commit', 'off', true);
  RETURN QUERY
  WITH RECURSIVE live AS MATERIALIZED (
    SELECT a.pid FROM pg_stat_activity a
  ), walk AS (        -- the channels with pending notices after the cursor, in id order: a skip
                      -- scan of notices_claim_idx, pulled only as far as the LIMITs below need
    SELECT (SELECT n.channel_id FROM duban.notices n
             WHERE n.status = 'pending' AND n.channel_id > coalesce(p_after, 0)
             ORDER BY n.channel_id LIMIT 1) AS id
    UNION ALL
    SELECT (SELECT n.channel_id FROM duban.notices n
             WHERE n.status = 'pending' AND n.channel_id > w.id
             ORDER BY n.channel_id LIMIT 1)
      FROM walk w
     WHERE w.id IS NOT NULL
  ), open AS (        -- of those, in the same order, the channels this claim may take; each test
                      -- is a scalar subquery (a probe of this channel's rows, never a join over
                      -- the outbox), and OFFSET 0 keeps the lock below after these tests
    SELECT ch.id, ch.kind, ch.url, ch.secret, ch.mention, ch.keyword, ch.unit, bud.budget
      FROM walk w
     CROSS JOIN LATERAL (
           SELECT c.id, c.kind, c.url, c.secret, to_jsonb(c.mention) AS mention, c.keyword,
                  c.rate, c.paused_until, u.code AS unit
             FROM duban.channels c JOIN duban.units u ON u.id = c.unit_id
            WHERE c.id = w.id
            LIMIT 1) ch
     CROSS JOIN LATERAL (     -- a channel without a rate has no budget to count
           SELECT CASE WHEN duban.channel_rate(ch.kind, ch.rate) IS NOT NULL THEN
                  least(duban.channel_rate(ch.kind, ch.rate)
                          - (SELECT count(*)::int FROM duban.channel_sends s
                              WHERE s.channel_id = ch.id
                                AND s.sent_at > clock_timestamp() - interval '60 seconds'),
                        duban.channel_burst(ch.kind, ch.rate)
                          - (SELECT count(*)::int FROM duban.channel_sends s
                              WHERE s.channel_id = ch.id
                                AND s.sent_at > clock_timestamp() - interval '1 second'))
                  END AS budget
         ) bud
     WHERE w.id IS NOT NULL
       AND (ch.paused_until IS NULL OR ch.paused_until <= clock_timestamp())
       AND (bud.budget IS NULL OR bud.budget > 0)
           -- busy: a live claimer is working on the channel (one claimer per channel at a
           -- time, so that instances sharing the outbox cannot together exceed a rate budget)
       AND (SELECT true FROM duban.notices o
             WHERE o.channel_id = ch.id AND o.status = 'pending'
               AND o.claimed_until >= clock_timestamp()
               AND o.claimed_pid IN (SELECT l.pid FROM live l)
             LIMIT 1) IS NULL
           -- a notice due and free
       AND (SELECT true FROM duban.notices n
             WHERE n.channel_id = ch.id AND n.status = 'pending'
               AND (n.attempts = 0 OR n.next_attempt_at <= p_now)
               AND (n.claimed_until IS NULL OR n.claimed_until < clock_timestamp()
                    OR n.claimed_pid IS NULL OR n.claimed_pid NOT IN (SELECT l.pid FROM live l))
             LIMIT 1)
    OFFSET 0
  ), usable AS (      -- each only while this claim holds its advisory lock
    SELECT o.* FROM open o
     WHERE pg_try_advisory_xact_lock(1685414497, o.id)
     LIMIT p_max_channels
  ), picked AS (      -- read without locks; only these notices are locked below
    SELECT x.id, us.id AS channel_id, us.kind, us.url, us.secret, us.mention, us.keyword,
           us.unit, us.budget
      FROM usable us
     CROSS JOIN LATERAL (
           SELECT n.id FROM duban.notices n
            WHERE n.channel_id = us.id AND n.status = 'pending'
              AND (n.attempts = 0 OR n.next_attempt_at <= p_now)
              AND (n.claimed_until IS NULL OR n.claimed_until < clock_timestamp()
                   OR n.claimed_pid IS NULL OR n.claimed_pid NOT IN (SELECT l.pid FROM live l))
            ORDER BY n.urgency DESC, n.id
            LIMIT p_max_per_channel) x
     LIMIT p_max_rows
  ), locked AS (      -- the claim-free test again under the row lock: a concurrent claimer
                      -- may have taken a notice since this statement's snapshot
    SELECT n.id
      FROM duban.notices n
     WHERE n.id IN (SELECT pk.id FROM picked pk) AND n.status = 'pending'
       AND (n.claimed_until IS NULL OR n.claimed_until < clock_timestamp()
            OR n.claimed_pid IS NULL OR n.claimed_pid NOT IN (SELECT l.pid FROM live l))
       FOR UPDATE OF n SKIP LOCKED
  ), claimed AS (
    UPDATE duban.notices n
       SET claimed_by = p_claimer, claimed_pid = pg_backend_pid(),
           claimed_until = clock_timestamp() + make_interval(secs => p_lease_seconds)
      FROM locked
     WHERE n.id = locked.id
    RETURNING n.id, n.channel_id, n.urgency, n.type, n.payload, n.claimed_until
  )
  SELECT cl.id, cl.channel_id, pk.kind, pk.url, pk.secret, pk.mention, pk.unit, pk.budget,
         extract(epoch FROM cl.claimed_until - clock_timestamp())::double precision,
         cl.payload || jsonb_build_object('id', cl.id, 'type', cl.type)
           -- SPEC §8: counts are to the attempt's local date; working days need the calendar
           || CASE WHEN cl.type = 'acceptance' AND cl.payload ? 'applied'
                   THEN jsonb_build_object('working_days', duban.workdays_between(
                          (cl.payload ->> 'applied')::date, v_local::date))
                   ELSE '{}'::jsonb END,
         cl.urgency, pk.keyword
    FROM claimed cl
    JOIN picked pk ON pk.id = cl.id
   ORDER BY cl.channel_id, cl.urgency DESC, cl.id;
END $$;

-- Messages went out: their notices are sent (sent_at on the ledger clock, p_sent_at[i] for
-- p_ids[i]; one more attempt; claim cleared; a `table` notice to a WeCom robot makes its
-- `table_file` notice, the file message that follows the text) and each message's send to a
-- channel with a rate (duban.channel_rate() not NULL) is logged on the real clock for its rate
-- budget (p_channels: one element per message; a channel without a rate has no budget to count,
-- so a rate given to it later counts from then on). duband records the messages that completed
-- while the previous call ran in one call (a group commit).
-- A channel that answers again (SPEC §9: a recovered webhook gets its backlog within a
-- minute): its other pending notices that wait out the back-off of failed attempts become due
-- now, so they go in the next round, within the channel's rate. Back-offs grow only while
-- every attempt fails, so an outage costs no extra requests. Returns how many notices changed.
CREATE OR REPLACE FUNCTION duban.deliver_sent_many(p_ids bigint[], p_sent_at timestamptz[],
                                                   p_channels int[])
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  v_n       int;
  v_now     timestamptz := (SELECT max(x.at) FROM unnest(p_sent_at) x(at));
  v_chans   int[] := ARRAY(SELECT DISTINCT m.ch FROM unnest(p_channels) m(ch));
  v_limited int[];
BEGIN
  WITH sent AS (
    UPDATE duban.notices n
       SET status = 'sent', sent_at = x.at, attempts = n.attempts + 1, last_error = NULL,
           claimed_by = NULL, claimed_pid = NULL, claimed_until = NULL
      FROM unnest(p_ids, p_sent_at) x(id, at)
     WHERE n.id = x.id AND n.status = 'pending'
    RETURNING n.key, n.type, n.unit_id, n.channel_id, n.payload, x.at
  ), files AS (       -- a table notice's text went out to a WeCom robot: the file follows as
                      -- its own notice (SPEC §7d), due at once, retried and dead by the normal
                      -- rules, made once by its key
    INSERT INTO duban.notices (key, type, unit_id, channel_id, payload, urgency, created_at,
                               next_attempt_at)
    SELECT s.key || ':file', 'table_file', s.unit_id, s.channel_id,
           s.payload || jsonb_build_object('type', 'table_file'),
           duban.notice_urgency('table_file', s.payload), s.at, s.at
      FROM sent s
     WHERE s.type = 'table'
       AND (SELECT c.kind FROM duban.channels c WHERE c.id = s.channel_id) = 'wecom'
    ON CONFLICT (key) DO NOTHING
  )
  SELECT count(*) INTO v_n FROM sent;
  UPDATE duban.notices n
     SET next_attempt_at = v_now
   WHERE n.channel_id = ANY (v_chans)
     AND n.status = 'pending' AND n.attempts > 0 AND n.next_attempt_at > v_now;
  v_limited := ARRAY(SELECT c.id FROM duban.channels c
                      WHERE c.id = ANY (v_chans) AND duban.channel_rate(c.kind, c.rate) IS NOT NULL);
  IF cardinality(v_limited) > 0 THEN
    INSERT INTO duban.channel_sends (channel_id)
    SELECT m.ch FROM unnest(p_channels) m(ch) WHERE m.ch = ANY (v_limited);
    DELETE FROM duban.channel_sends
     WHERE channel_id = ANY (v_limited) AND sent_at < clock_timestamp() - interval '1 hour';
  END IF;
  RETURN v_n;
END $$;

-- A message failed: each of its notices counts one more attempt and is either retried at
-- p_now + max(p_min_delay, backoff) — backoff = 30 s × 2^(attempts − 1), ±20 % jitter, at most
-- 1 h — or dead (p_permanent, or attempts reached p_max_attempts). p_pause > 0 pauses the
-- channel that many real seconds (the platform throttled it). Notices meanwhile claimed by
-- another instance are left to it. Returns the notices changed with their new state.
CREATE OR REPLACE FUNCTION duban.deliver_failed(
  p_ids bigint[], p_channel int, p_now timestamptz, p_error text, p_permanent boolean,
  p_min_delay double precision, p_max_attempts int, p_pause double precision, p_claimer text)
RETURNS TABLE (notice_id bigint, status text, attempts int, next_attempt_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_jitter double precision := 0.8 + 0.4 * random();  -- one draw: a digest stays together
BEGIN
  IF coalesce(p_pause, 0) > 0 THEN
    UPDATE duban.channels c
       SET paused_until = greatest(coalesce(c.paused_until, '-infinity'),
                                   clock_timestamp() + make_interval(secs => p_pause))
     WHERE c.id = p_channel;
  END IF;
  RETURN QUERY
  WITH changed AS (
    UPDATE duban.notices n
       SET attempts = n.attempts + 1,
           last_error = left(coalesce(p_error, ''), 500),
           status = CASE WHEN p_permanent OR n.attempts + 1 >= p_max_attempts
                         THEN 'dead' ELSE 'pending' END,
           next_attempt_at = CASE WHEN p_permanent OR n.attempts + 1 >= p_max_attempts
                                  THEN n.next_attempt_at
                                  ELSE p_now + make_interval(secs => greatest(
                                         coalesce(p_min_delay, 0),
                                         least(3600, 30 * power(2, least(n.attempts, 20))
                                                        * v_jitter))) END,
           claimed_by = NULL, claimed_pid = NULL, claimed_until = NULL
     WHERE n.id = ANY (p_ids) AND n.status = 'pending'
       AND (n.claimed_by IS NULL OR n.claimed_by = p_claimer)
    RETURNING n.id, n.status, n.attempts, n.next_attempt_at
  )
  SELECT c.id, c.status, c.attempts, c.next_attempt_at FROM changed c ORDER BY c.id;
END $$;

-- Hands claimed notices back without counting an attempt (rate budget used up, lease about to
-- run out before the send, or the daemon is stopping). Returns how many were released.
CREATE OR REPLACE FUNCTION duban.deliver_release(p_ids bigint[], p_claimer text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE v_n int;
BEGIN
  UPDATE duban.notices
     SET claimed_by = NULL, claimed_pid = NULL, claimed_until = NULL
   WHERE id = ANY (p_ids) AND status = 'pending' AND claimed_by = p_claimer;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END $$;

-- Seconds until a pending notice that is not deliverable now may become so: its retry time
-- (ledger clock), its channel's pause, or the real-clock moment its channel's rate budget
-- (per minute or per second) frees up again. NULL when nothing waits, or outside the delivery
-- window (the daemon's sweep timer covers the window opening). Notices leased right now are
-- left out: their claimer is handling them.
CREATE OR REPLACE FUNCTION duban.deliver_wait(p_now timestamptz, p_tz text, p_window_start int,
                                   p_window_end int, p_workdays_only boolean)
RETURNS double precision LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_local  timestamp := p_now AT TIME ZONE p_tz;
  v_minute int := extract(hour FROM v_local)::int * 60 + extract(minute FROM v_local)::int;
  v_wait   double precision;
BEGIN
  IF v_minute < p_window_start OR v_minute >= p_window_end
     OR (p_workdays_only AND NOT duban.is_workday(v_local::date)) THEN
    RETURN NULL;
  END IF;
  WITH pend AS (
    SELECT n.channel_id, min(CASE WHEN n.attempts = 0 THEN p_now  -- never tried: due at once
                                  ELSE n.next_attempt_at END) AS due
      FROM duban.notices n
     WHERE n.status = 'pending'
       AND (n.claimed_until IS NULL OR n.claimed_until < clock_timestamp())
     GROUP BY n.channel_id
  )
  SELECT min(greatest(
           extract(epoch FROM p.due - p_now),
           extract(epoch FROM c.paused_until - clock_timestamp()),
           CASE WHEN w.n60 >= r.rate
                THEN extract(epoch FROM w.first60 + interval '60 seconds' - clock_timestamp()) END,
           CASE WHEN w.n1 >= r.burst
                THEN extract(epoch FROM w.first1 + interval '1 second' - clock_timestamp()) END,
           0))
    INTO v_wait
    FROM pend p
    JOIN duban.channels c ON c.id = p.channel_id
   CROSS JOIN LATERAL (SELECT duban.channel_rate(c.kind, c.rate) AS rate,
                              duban.channel_burst(c.kind, c.rate) AS burst) r
   CROSS JOIN LATERAL (
     SELECT count(*) AS n60, min(s.sent_at) AS first60,
            count(*) FILTER (WHERE s.sent_at > clock_timestamp() - interval '1 second') AS n1,
            min(s.sent_at) FILTER (WHERE s.sent_at > clock_timestamp() - interval '1 second') AS first1
       FROM duban.channel_sends s
      WHERE s.channel_id = c.id AND s.sent_at > clock_timestamp() - interval '60 seconds') w;
  RETURN v_wait;
END $$;

-- Gauges for the daemon's metrics and status line (index scans on notices.status).
CREATE OR REPLACE FUNCTION duban.notice_counts(OUT pending bigint, OUT dead bigint)
LANGUAGE sql STABLE AS $$
  SELECT (SELECT count(*) FROM duban.notices WHERE status = 'pending'),
         (SELECT count(*) FROM duban.notices WHERE status = 'dead')
$$;
