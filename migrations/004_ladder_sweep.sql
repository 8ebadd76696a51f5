-- 004: the rectification ladder sweep (SPEC §7a) and the sweep entry point.
-- One set-based statement finds every rectifying problem whose next check date
-- has come (an index range scan), raises its stage, and writes one notice per
-- recipient channel under a unique key. Idempotent; safe from several daemons.

-- Helpers shared by every sweep that writes notices.
CREATE FUNCTION duban.office_units() RETURNS SETOF int LANGUAGE sql STABLE AS $$
  SELECT id FROM duban.units WHERE kind = 'office'
$$;
CREATE FUNCTION duban.leadership_units() RETURNS SETOF int LANGUAGE sql STABLE AS $$
  SELECT id FROM duban.units WHERE kind = 'leadership'
$$;
CREATE FUNCTION duban.unit_code(p_id int) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT code FROM duban.units WHERE id = p_id
$$;
CREATE FUNCTION duban.unit_name(p_id int) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT name FROM duban.units WHERE id = p_id
$$;
CREATE FUNCTION duban.stage_name(p_stage int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY['prompt', 'warn', 'supervise', 'interview'])[p_stage]
$$;

-- jit off: on a large ledger the planner's estimates would JIT-compile every call
-- (tens of ms) for what is an index range scan returning few rows.
CREATE FUNCTION duban.sweep_ladder() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_today   date := duban.today();
  v_prompt  int := duban.policy_int('ladder.prompt_days');
  v_warn    int := duban.policy_int('ladder.warn_days');
  v_warn_p  int := duban.policy_int('ladder.warn_progress');
  v_repeat  int := greatest(duban.policy_int('ladder.supervise_repeat_days'), 1);
  v_late    int := duban.policy_int('ladder.interview_days');
  v_after   int := duban.policy_int('ladder.interview_after_supervise_days');
  v_made    int;
BEGIN
  WITH due AS (
    SELECT p.id, p.ladder_due AS d, p.ladder_stage AS old_stage, p.progress,
           p.supervise_first_on AS first, p.supervise_cycle AS old_cycle
      FROM duban.problems p
     WHERE p.status = 'rectifying' AND p.ladder_next_on <= v_today
       FOR UPDATE SKIP LOCKED
  ), staged AS (
    SELECT due.*, greatest(old_stage, CASE
             WHEN v_today > d + v_late AND first IS NOT NULL AND first <= v_today - v_after THEN 4
             WHEN v_today > d THEN 3
             WHEN v_today >= d - v_warn AND progress < v_warn_p THEN 2
             WHEN v_today >= d - v_prompt THEN 1
             ELSE 0 END) AS new_stage
      FROM due
  ), decided AS (
    SELECT staged.*,
           CASE WHEN new_stage = 3 THEN coalesce(first, v_today) ELSE first END AS new_first,
           CASE WHEN new_stage = 3 THEN (v_today - coalesce(first, v_today)) / v_repeat + 1
                ELSE old_cycle END AS new_cycle
      FROM staged
  ), upd AS (
    UPDATE duban.problems p
       SET ladder_stage = x.new_stage, supervise_first_on = x.new_first, supervise_cycle = x.new_cycle
      FROM decided x
     WHERE p.id = x.id
    RETURNING p.id, p.ref, p.title, p.unit_id, p.supervisor_ids, p.progress, p.deadline,
              x.d, x.old_stage, x.new_stage, x.old_cycle, x.new_cycle
  ), fired AS (
    SELECT upd.*, CASE WHEN new_stage = 3 THEN new_cycle ELSE 1 END AS cycle
      FROM upd
     WHERE new_stage > old_stage OR (new_stage = 3 AND new_cycle > old_cycle)
  ), recipients AS (
    SELECT f.id, f.unit_id AS rcpt FROM fired f
    UNION SELECT f.id, f.supervisor_ids[1] FROM fired f WHERE f.new_stage = 2
    UNION SELECT f.id, s.id FROM fired f, unnest(f.supervisor_ids) s(id) WHERE f.new_stage >= 3
    UNION SELECT f.id, o FROM fired f, duban.office_units() o WHERE f.new_stage >= 3
    UNION SELECT f.id, l FROM fired f, duban.leadership_units() l WHERE f.new_stage = 4
  ), history AS (
    INSERT INTO duban.history (problem_id, actor, action, detail)
    SELECT f.id, 'duband', 'escalate', jsonb_build_object(
             'stage', duban.stage_name(f.new_stage), 'cycle', f.cycle, 'due', f.d)
      FROM fired f
  ), made AS (
    INSERT INTO duban.notices (key, type, unit_id, channel_id, problem_id, payload, urgency)
    SELECT format('escalation:%s:%s:%s:%s:%s', f.id, f.d, f.new_stage, f.cycle, c.id),
           'escalation', r.rcpt, c.id, f.id,
           jsonb_build_object(
             'type', 'escalation', 'stage', duban.stage_name(f.new_stage), 'cycle', f.cycle,
             'problem', f.ref, 'unit', mu.code, 'due', f.d, 'days', v_today - f.d,
             'progress', f.progress, 'title', f.title, 'unit_name', mu.name,
             'deadline', f.deadline, 'recipient', ru.code, 'recipient_name', ru.name),
           f.new_stage * 100000 + least(greatest(v_today - f.d, -50000), 50000)
      FROM fired f
      JOIN recipients r ON r.id = f.id
      JOIN duban.channels c ON c.unit_id = r.rcpt
      JOIN duban.units mu ON mu.id = f.unit_id
      JOIN duban.units ru ON ru.id = r.rcpt
    ON CONFLICT (key) DO NOTHING
    RETURNING 1
  )
  SELECT count(*) INTO v_made FROM made;
  RETURN v_made;
END $$;

-- Records one sweep's run; returns the last day it had run before (NULL: never).
CREATE FUNCTION duban.sweep_mark(p_name text, p_notices int, p_started timestamptz)
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

-- Every sweep, in order, in the caller's transaction: (name, notices made).
-- Later migrations replace this function as they add sweeps.
CREATE FUNCTION duban.sweep_all() RETURNS TABLE (sweep text, notices int) LANGUAGE plpgsql AS $$
DECLARE t timestamptz;
BEGIN
  t := clock_timestamp(); sweep := 'ladder'; notices := duban.sweep_ladder();
  PERFORM duban.sweep_mark(sweep, notices, t); RETURN NEXT;
END $$;
