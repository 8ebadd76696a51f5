-- sql/42_acceptance.sql
-- The acceptance clock 验收 (SPEC §7b): the lead supervisor decides within 10 working days;
-- prompt on the 8th, supervise from the 11th and every 5 working days after.

-- The working day (counted after applied_on) of the next step at (stage, cycle).
CREATE OR REPLACE FUNCTION duban.acceptance_step(p_stage int, p_cycle int) RETURNS int LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_stage <= 0 THEN duban.policy_int('acceptance.prompt_workday')
    WHEN p_stage = 1 THEN duban.policy_int('acceptance.limit_workdays') + 1
    ELSE duban.policy_int('acceptance.limit_workdays') + 1
         + greatest(duban.policy_int('acceptance.repeat_workdays'), 1) * p_cycle END
$$;

-- The date on which an application of p_applied at (stage, cycle) takes its next step.
CREATE OR REPLACE FUNCTION duban.acceptance_next(p_applied date, p_stage int, p_cycle int) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT duban.add_workdays(p_applied, duban.acceptance_step(p_stage, p_cycle))
$$;

-- Starts the timer when a problem becomes applied (or its applied_on changes) and stops it
-- when it leaves applied; the sweep moves it on. Stage and cycle are 0 then: sql/40_ladder.sql's
-- problems_ladder_state resets them whenever the status is not applied.
CREATE OR REPLACE FUNCTION duban.problems_acceptance_timer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status <> 'applied' THEN
    NEW.acceptance_next_on := NULL;
  ELSIF TG_OP = 'INSERT' OR OLD.status <> 'applied' OR OLD.applied_on IS DISTINCT FROM NEW.applied_on THEN
    NEW.acceptance_next_on := duban.acceptance_next(NEW.applied_on, NEW.acceptance_stage, NEW.acceptance_cycle);
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER problems_timer_acceptance BEFORE INSERT OR UPDATE OF status, applied_on ON duban.problems
  FOR EACH ROW WHEN (NEW.status = 'applied' OR NEW.acceptance_next_on IS NOT NULL)
  EXECUTE FUNCTION duban.problems_acceptance_timer();

CREATE OR REPLACE FUNCTION duban.sweep_acceptance() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_today  date := duban.today();
  v_prompt int := duban.policy_int('acceptance.prompt_workday');
  v_limit  int := duban.policy_int('acceptance.limit_workdays');
  v_repeat int := greatest(duban.policy_int('acceptance.repeat_workdays'), 1);
  v_office int[] := duban.office_units();
  v_facts  duban.notice_fact[];
BEGIN
  -- the idle sweep: one probe of the partial index, no plan of the statement below
  IF NOT EXISTS (SELECT 1 FROM duban.problems WHERE status = 'applied' AND acceptance_next_on <= v_today) THEN
    RETURN 0;
  END IF;
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
  ), history AS (
    INSERT INTO duban.history (problem_id, actor, action, detail)
    SELECT f.id, 'duband', 'acceptance-escalate', jsonb_build_object(
             'stage', f.stage, 'cycle', f.cycle, 'applied', f.applied_on, 'working_days', f.wd)
      FROM fired f
  )
  -- recipients: the lead supervisor; supervise adds the office
  SELECT array_agg(ROW(
           format('acceptance:%s:%s:%s:%s', f.id, f.applied_on, f.stage, f.cycle), 'acceptance', f.id,
           f.supervisor_ids[1:1] || CASE WHEN f.new_stage = 2 THEN v_office ELSE '{}' END,
           jsonb_build_object(
             'stage', f.stage, 'cycle', f.cycle, 'problem', f.ref,
             'unit', lu.code, 'applied', f.applied_on, 'working_days', f.wd,
             'title', f.title, 'unit_name', lu.name, 'lead', lu.code, 'lead_name', lu.name,
             'main_unit', mu.code, 'main_unit_name', mu.name, 'limit', v_limit,
             'decide_by', f.decide_by))::duban.notice_fact)
    INTO v_facts
    FROM fired f
    JOIN duban.units lu ON lu.id = f.supervisor_ids[1]
    JOIN duban.units mu ON mu.id = f.unit_id;
  RETURN duban.notice_emit(v_facts);
END $$;
