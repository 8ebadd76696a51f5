-- 005: the acceptance clock (SPEC §7b) and the publicity clock (§7c), and the
-- catch-up window that every date-driven sweep (reports, bulletin, sample) shares.
-- Like the ladder: each sweep is a few set-based statements over the whole ledger,
-- reaching only due rows through partial indexes, idempotent through notice keys.

INSERT INTO duban.policy (key, value, description) VALUES
  ('sweep.catchup_days', '100', 'a daemon that was down does the missed days of date-driven sweeps, at most this many days back');

-- The local days a date-driven sweep still owes: (the last day it ran, today], at most
-- sweep.catchup_days back; just today on its first run ever; none when it already ran
-- today (or the clock went back). sweep_mark() records the run afterwards.
CREATE FUNCTION duban.sweep_days(p_name text) RETURNS date[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(d::date ORDER BY d), '{}')
    FROM generate_series(
           greatest(coalesce((SELECT last_day + 1 FROM duban.sweep_runs WHERE name = p_name), duban.today()),
                    duban.today() - duban.policy_int('sweep.catchup_days'))::timestamp,
           duban.today()::timestamp, interval '1 day') d
$$;

-- Serialises one date-driven sweep between daemons until the end of the transaction, so
-- that a second instance waits, then sees the first one's sweep_runs row and owes nothing.
CREATE FUNCTION duban.sweep_lock(p_name text) RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(hashtext('duban.sweep'), hashtext(p_name))
$$;

-- ---------------------------------------------------------------------------
-- Acceptance clock. The lead supervisor decides within acceptance.limit_workdays (10)
-- working days of applied_on. On working day acceptance.prompt_workday (8) without a
-- decision: stage prompt (1) to the lead; from working day limit + 1 (11) on, and again
-- every acceptance.repeat_workdays (5): stage supervise (2), cycle 1, 2, ... to the lead
-- and the office. acceptance_next_on is the working day of the next step; a partial index
-- on it makes the idle sweep one empty index probe.

ALTER TABLE duban.problems ADD COLUMN acceptance_next_on date;
COMMENT ON COLUMN duban.problems.acceptance_next_on IS
  'acceptance clock: the working day of the next prompt/supervise while applied (kept by trigger)';
CREATE INDEX problems_acceptance_idx ON duban.problems (acceptance_next_on) WHERE status = 'applied';

-- The working day (counted after applied_on) of the next step at (stage, cycle).
CREATE FUNCTION duban.acceptance_step(p_stage int, p_cycle int) RETURNS int LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_stage <= 0 THEN duban.policy_int('acceptance.prompt_workday')
    WHEN p_stage = 1 THEN duban.policy_int('acceptance.limit_workdays') + 1
    ELSE duban.policy_int('acceptance.limit_workdays') + 1
         + greatest(duban.policy_int('acceptance.repeat_workdays'), 1) * p_cycle END
$$;

-- The date on which an application of p_applied at (stage, cycle) takes its next step.
CREATE FUNCTION duban.acceptance_next(p_applied date, p_stage int, p_cycle int) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT duban.add_workdays(p_applied, duban.acceptance_step(p_stage, p_cycle))
$$;

-- Starts the timer when a problem becomes applied (or its applied_on changes) and stops it
-- when it leaves applied; the sweep moves it on. Stage and cycle are 0 then: 003's
-- problems_ladder_state resets them whenever the status is not applied.
CREATE FUNCTION duban.problems_acceptance_timer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status <> 'applied' THEN
    NEW.acceptance_next_on := NULL;
  ELSIF TG_OP = 'INSERT' OR OLD.status <> 'applied' OR OLD.applied_on IS DISTINCT FROM NEW.applied_on THEN
    NEW.acceptance_next_on := duban.acceptance_next(NEW.applied_on, NEW.acceptance_stage, NEW.acceptance_cycle);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER problems_timer_acceptance BEFORE INSERT OR UPDATE OF status, applied_on ON duban.problems
  FOR EACH ROW WHEN (NEW.status = 'applied' OR NEW.acceptance_next_on IS NOT NULL)
  EXECUTE FUNCTION duban.problems_acceptance_timer();

-- Problems already applied when this migration runs get their timer.
UPDATE duban.problems SET acceptance_next_on = duban.acceptance_next(applied_on, acceptance_stage, acceptance_cycle)
 WHERE status = 'applied';

CREATE FUNCTION duban.sweep_acceptance() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_today  date := duban.today();
  v_prompt int := duban.policy_int('acceptance.prompt_workday');
  v_limit  int := duban.policy_int('acceptance.limit_workdays');
  v_repeat int := greatest(duban.policy_int('acceptance.repeat_workdays'), 1);
  v_made   int;
BEGIN
  WITH locked AS (
    SELECT p.id, p.applied_on, p.acceptance_stage AS old_stage, p.acceptance_cycle AS old_cycle
      FROM duban.problems p
     WHERE p.status = 'applied' AND p.acceptance_next_on <= v_today
       FOR UPDATE SKIP LOCKED
  ), days AS (
    SELECT d::date AS day, duban.is_workday(d::date) AS workday
      FROM generate_series((SELECT min(applied_on) FROM locked)::timestamp,
                           (v_today + 2 * (v_prompt + v_limit + v_repeat) + 40)::timestamp, interval '1 day') d
  ), cal AS (
    -- the calendar read once for all rows: ord(d) = working days from the first day to d
    SELECT day, workday, count(*) FILTER (WHERE workday) OVER (ORDER BY day) AS ord FROM days
  ), due AS (
    SELECT l.*, ((SELECT ord FROM cal WHERE day = v_today) - c.ord)::int AS wd, w.day AS decide_by
      FROM locked l
      JOIN cal c ON c.day = l.applied_on
      LEFT JOIN cal w ON w.workday AND w.ord = c.ord + v_limit
  ), staged AS (
    SELECT due.*, greatest(old_stage, CASE WHEN wd > v_limit THEN 2 WHEN wd >= v_prompt THEN 1
                                           ELSE 0 END) AS new_stage
      FROM due
  ), cycled AS (
    SELECT staged.*, CASE WHEN new_stage = 2 THEN greatest(old_cycle, (wd - v_limit - 1) / v_repeat + 1)
                          ELSE old_cycle END AS new_cycle
      FROM staged
  ), decided AS (
    SELECT cycled.*, c.ord + duban.acceptance_step(new_stage, new_cycle) AS next_ord
      FROM cycled JOIN cal c ON c.day = cycled.applied_on
  ), upd AS (
    UPDATE duban.problems p
       SET acceptance_stage = x.new_stage, acceptance_cycle = x.new_cycle,
           acceptance_next_on = coalesce(n.day, duban.acceptance_next(x.applied_on, x.new_stage, x.new_cycle))
      FROM decided x
      LEFT JOIN cal n ON n.workday AND n.ord = x.next_ord
     WHERE p.id = x.id
    RETURNING p.id, p.ref, p.title, p.unit_id, p.supervisor_ids, x.applied_on, x.wd, x.decide_by,
              x.old_stage, x.new_stage, x.old_cycle, x.new_cycle
  ), fired AS (
    -- skipped lower steps (a daemon that was down) are not sent: only the current one
    SELECT upd.*, CASE WHEN new_stage = 2 THEN new_cycle ELSE 1 END AS cycle,
           CASE WHEN new_stage = 2 THEN 'supervise' ELSE 'prompt' END AS stage
      FROM upd
     WHERE new_stage > old_stage OR (new_stage = 2 AND new_cycle > old_cycle)
  ), recipients AS (
    SELECT f.id, f.supervisor_ids[1] AS rcpt FROM fired f
    UNION SELECT f.id, o FROM fired f, duban.office_units() o WHERE f.new_stage = 2
  ), history AS (
    INSERT INTO duban.history (problem_id, actor, action, detail)
    SELECT f.id, 'duband', 'acceptance-escalate', jsonb_build_object(
             'stage', f.stage, 'cycle', f.cycle, 'applied', f.applied_on, 'working_days', f.wd)
      FROM fired f
  ), made AS (
    INSERT INTO duban.notices (key, type, unit_id, channel_id, problem_id, payload, urgency)
    SELECT format('acceptance:%s:%s:%s:%s:%s', f.id, f.applied_on, f.stage, f.cycle, c.id),
           'acceptance', r.rcpt, c.id, f.id,
           jsonb_build_object(
             'type', 'acceptance', 'stage', f.stage, 'cycle', f.cycle, 'problem', f.ref,
             'unit', lu.code, 'applied', f.applied_on, 'working_days', f.wd,
             'title', f.title, 'unit_name', lu.name, 'lead', lu.code, 'lead_name', lu.name,
             'main_unit', mu.code, 'main_unit_name', mu.name, 'limit', v_limit,
             'decide_by', f.decide_by,
             'recipient', ru.code, 'recipient_name', ru.name),
           CASE f.new_stage WHEN 2 THEN 290000 ELSE 150000 END + least(f.wd, 9999)
      FROM fired f
      JOIN recipients r ON r.id = f.id
      JOIN duban.channels c ON c.unit_id = r.rcpt
      JOIN duban.units lu ON lu.id = f.supervisor_ids[1]
      JOIN duban.units mu ON mu.id = f.unit_id
      JOIN duban.units ru ON ru.id = r.rcpt
    ON CONFLICT (key) DO NOTHING
    RETURNING 1
  )
  SELECT count(*) INTO v_made FROM made;
  RETURN v_made;
END $$;

-- ---------------------------------------------------------------------------
-- Publicity. accept on A starts the publicity A+1 .. A+publicity.days; without an
-- objection (the CLI's `object` returns the problem to rectifying) the problem closes
-- (销号) on A + publicity.days + 1, also when a sweep only catches up later: closed_on is
-- the day it closed. History records the action `close` by duband.

CREATE INDEX problems_publicity_idx ON duban.problems (accepted_on) WHERE status = 'publicizing';

CREATE FUNCTION duban.sweep_publicity() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_today  date := duban.today();
  v_days   int := duban.policy_int('publicity.days');
  v_action text := coalesce(current_setting('duban.action', true), '');
  v_actor  text := coalesce(current_setting('duban.actor', true), '');
  v_reason text := coalesce(current_setting('duban.reason', true), '');
  v_made   int;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM duban.problems
                  WHERE status = 'publicizing' AND accepted_on <= v_today - v_days - 1) THEN
    RETURN 0;
  END IF;
  PERFORM set_config('duban.action', 'close', true), set_config('duban.actor', 'duband', true),
          set_config('duban.reason', 'publicity ended without objection', true);
  WITH due AS (
    SELECT p.id, p.accepted_on + v_days + 1 AS closed_on
      FROM duban.problems p
     WHERE p.status = 'publicizing' AND p.accepted_on <= v_today - v_days - 1
       FOR UPDATE SKIP LOCKED
  ), upd AS (
    UPDATE duban.problems p
       SET status = 'closed', closed_on = d.closed_on
      FROM due d
     WHERE p.id = d.id
    RETURNING p.id, p.ref, p.title, p.unit_id, p.supervisor_ids, p.accepted_on, p.closed_on
  ), recipients AS (
    SELECT u.id, u.unit_id AS rcpt FROM upd u
    UNION SELECT u.id, s.id FROM upd u, unnest(u.supervisor_ids) s(id)
    UNION SELECT u.id, o FROM upd u, duban.office_units() o
  ), made AS (
    INSERT INTO duban.notices (key, type, unit_id, channel_id, problem_id, payload, urgency)
    SELECT format('closed:%s:%s:%s', u.id, u.closed_on, c.id), 'closed', r.rcpt, c.id, u.id,
           jsonb_build_object(
             'type', 'closed', 'problem', u.ref, 'unit', mu.code, 'title', u.title,
             'unit_name', mu.name, 'accepted', u.accepted_on, 'closed_on', u.closed_on,
             'recipient', ru.code, 'recipient_name', ru.name),
           40000
      FROM upd u
      JOIN recipients r ON r.id = u.id
      JOIN duban.channels c ON c.unit_id = r.rcpt
      JOIN duban.units mu ON mu.id = u.unit_id
      JOIN duban.units ru ON ru.id = r.rcpt
    ON CONFLICT (key) DO NOTHING
    RETURNING 1
  )
  SELECT count(*) INTO v_made FROM made;
  PERFORM set_config('duban.action', v_action, true), set_config('duban.actor', v_actor, true),
          set_config('duban.reason', v_reason, true);
  RETURN v_made;
END $$;
