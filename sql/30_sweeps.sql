-- sql/30_sweeps.sql
-- Bookkeeping shared by the sweeps: when each last ran (catch-up window of the date-driven
-- sweeps), and a lock that serialises one sweep between daemons.

-- The local days a date-driven sweep still owes: (the last day it ran, today], at most
-- sweep.catchup_days back; just today on its first run ever; none when it already ran
-- today (or the clock went back). sweep_mark() records the run afterwards.
CREATE OR REPLACE FUNCTION duban.sweep_days(p_name text) RETURNS date[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(d::date ORDER BY d), '{}')
    FROM generate_series(
           greatest(coalesce((SELECT last_day + 1 FROM duban.sweep_runs WHERE name = p_name), duban.today()),
                    duban.today() - duban.policy_int('sweep.catchup_days'))::timestamp,
           duban.today()::timestamp, interval '1 day') d
$$;

-- Serialises one date-driven sweep between daemons until the end of the transaction, so
-- that a second instance waits, then sees the first one's sweep_runs row and owes nothing.
CREATE OR REPLACE FUNCTION duban.sweep_lock(p_name text) RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(hashtext('duban.sweep'), hashtext(p_name))
$$;

-- Records one sweep's run; returns the last day it had run before (NULL: never).
CREATE OR REPLACE FUNCTION duban.sweep_mark(p_name text, p_notices int, p_started timestamptz)
RETURNS date LANGUAGE plpgsql AS $$
DECLARE v_prev date;
BEGIN
  SELECT last_day INTO v_prev FROM duban.sweep_runs WHERE name = p_name;
  INSERT INTO duban.sweep_runs AS s (name, last_day, last_run_at, duration_ms, notices)
  VALUES (p_name, duban.today(), duban.now(),
          extract(epoch FROM clock_timestamp() - p_started) * 1000, p_notices)
  ON CONFLICT (name) DO UPDATE
     SET last_day = greatest(s.last_day, EXCLUDED.last_day), last_run_at = EXCLUDED.last_run_at,
         duration_ms = EXCLUDED.duration_ms, notices = EXCLUDED.notices;
  RETURN v_prev;
END $$;
