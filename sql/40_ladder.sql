-- sql/40_ladder.sql
-- The rectification ladder 提示 -> 警示 -> 督办 -> 约谈 (SPEC §7a): the state kept on every write
-- to a problem (due date D on the problem; stage and next check date in duban.ladders), and the
-- sweep that raises due problems a stage.

CREATE OR REPLACE FUNCTION duban.stage_name(p_stage int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY['prompt', 'warn', 'supervise', 'interview'])[p_stage]
$$;

-- The next local date on which the ladder of a problem may need to move, given the policy
-- (ladder.prompt_days, warn_days, warn_progress, supervise_repeat_days, interview_days,
-- interview_after_supervise_days). IMMUTABLE and inlined: the sweep and a bulk import pass the
-- policy they read once.
CREATE OR REPLACE FUNCTION duban.ladder_next_at(p_stage int, p_due date, p_progress int,
    p_first date, p_cycle int, p_prompt int, p_warn int, p_warn_progress int, p_repeat int,
    p_late int, p_after int) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_stage
    WHEN 0 THEN p_due - p_prompt
    WHEN 1 THEN CASE WHEN p_progress < p_warn_progress THEN p_due - p_warn ELSE p_due + 1 END
    WHEN 2 THEN p_due + 1
    WHEN 3 THEN least(p_first + p_repeat * p_cycle, greatest(p_due + p_late + 1, p_first + p_after))
    ELSE NULL END
$$;

-- The same with the policy read now (the state trigger, one row at a time).
CREATE OR REPLACE FUNCTION duban.ladder_next(p_stage int, p_due date, p_progress int,
                                  p_first date, p_cycle int) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT duban.ladder_next_at(p_stage, p_due, p_progress, p_first, p_cycle,
                              duban.policy_int('ladder.prompt_days'), duban.policy_int('ladder.warn_days'),
                              duban.policy_int('ladder.warn_progress'),
                              duban.policy_int('ladder.supervise_repeat_days'),
                              duban.policy_int('ladder.interview_days'),
                              duban.policy_int('ladder.interview_after_supervise_days'))
$$;

-- The first ladder check of a new problem (stage 0, due date p_due), NULL when it is not
-- rectifying; p_prompt_days is policy ladder.prompt_days.
CREATE OR REPLACE FUNCTION duban.ladder_first_check(p_status text, p_due date, p_prompt_days int)
RETURNS date LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_status = 'rectifying'
              THEN duban.ladder_next_at(0, p_due, 0, NULL, 0, p_prompt_days, 0, 0, 0, 0, 0) END
$$;

-- D: the earliest unmet milestone of a long-term problem, else its deadline.
CREATE OR REPLACE FUNCTION duban.ladder_due_of(p_id bigint, p_long_term boolean, p_deadline date) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN p_long_term THEN coalesce(
    (SELECT min(due) FROM duban.milestones WHERE problem_id = p_id AND done_on IS NULL), p_deadline)
    ELSE p_deadline END
$$;

-- Before a problem is written: its due date D, the acceptance state reset when it is not
-- applied, updated_at. The ladder itself is kept in duban.ladders (problems_ladder_sync below).
CREATE OR REPLACE FUNCTION duban.problems_ladder_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.long_term THEN
    NEW.ladder_due := duban.ladder_due_of(NEW.id, NEW.long_term, NEW.deadline);
  ELSE
    NEW.ladder_due := NEW.deadline;   -- the common case, without a query
  END IF;
  IF NEW.status <> 'applied' THEN
    NEW.acceptance_stage := 0;
    NEW.acceptance_cycle := 0;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := duban.now();
  END IF;
  RETURN NEW;
END $$;

-- On UPDATE only when a column it derives from (or a user-facing one: updated_at) is set; the
-- sweeps, which set only the acceptance state or the ladders table, do not pass here.
CREATE OR REPLACE TRIGGER problems_ladder_state BEFORE UPDATE OF
    ref, level, source, category, title, location, unit_id, supervisor_ids, deadline, long_term,
    measures, target, progress, status, applied_on, accepted_on, closed_on, ladder_due,
    stage_done, contact, verified, ordered, penalized, fine, investigated, detained_admin,
    detained_criminal, interviewed, accountable
  ON duban.problems FOR EACH ROW EXECUTE FUNCTION duban.problems_ladder_state();
-- A bulk import (import_id set) writes D itself, set-based, and the ladders rows of its open
-- problems in the same statement (daemon/ctl/import_problem_sql.c): no per-row trigger runs
-- on that path.
CREATE OR REPLACE TRIGGER problems_ladder_state_insert BEFORE INSERT ON duban.problems
  FOR EACH ROW WHEN (NEW.import_id IS NULL) EXECUTE FUNCTION duban.problems_ladder_state();

-- After a problem is written: its ladder row. A new D (a new deadline, a milestone met or
-- added) or a reopening starts a fresh ladder (stage 0); otherwise the stage stays and only
-- the next check date follows the problem (its progress decides the warn date). Off the ladder
-- (next_on NULL) when the problem is not rectifying.
CREATE OR REPLACE FUNCTION duban.problems_ladder_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_fresh boolean := TG_OP = 'INSERT' OR NEW.ladder_due IS DISTINCT FROM OLD.ladder_due
                     OR (OLD.status = 'closed' AND NEW.status = 'rectifying');
  v_on    boolean := NEW.status = 'rectifying';
BEGIN
  INSERT INTO duban.ladders AS l (problem_id, next_on)
  VALUES (NEW.id, CASE WHEN v_on THEN duban.ladder_next(0, NEW.ladder_due, NEW.progress, NULL, 0) END)
  ON CONFLICT (problem_id) DO UPDATE
     SET stage = CASE WHEN v_fresh THEN 0 ELSE l.stage END,
         supervise_first_on = CASE WHEN v_fresh THEN NULL ELSE l.supervise_first_on END,
         supervise_cycle = CASE WHEN v_fresh THEN 0 ELSE l.supervise_cycle END,
         next_on = CASE WHEN NOT v_on THEN NULL
                        WHEN v_fresh THEN EXCLUDED.next_on
                        ELSE duban.ladder_next(l.stage, NEW.ladder_due, NEW.progress,
                                               l.supervise_first_on, l.supervise_cycle) END;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER problems_ladder_sync AFTER UPDATE OF
    deadline, long_term, progress, status, ladder_due
  ON duban.problems FOR EACH ROW EXECUTE FUNCTION duban.problems_ladder_sync();
CREATE OR REPLACE TRIGGER problems_ladder_sync_insert AFTER INSERT ON duban.problems
  FOR EACH ROW WHEN (NEW.import_id IS NULL) EXECUTE FUNCTION duban.problems_ladder_sync();

-- The next check dates of every problem on the ladder, recomputed after a ladder.* policy
-- change (`dubanctl policy set`). Returns how many moved.
CREATE OR REPLACE FUNCTION duban.ladder_replan() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE v_n int;
BEGIN
  UPDATE duban.ladders l
     SET next_on = x.next_on
    FROM (SELECT l2.problem_id,
                 duban.ladder_next(l2.stage, p.ladder_due, p.progress, l2.supervise_first_on,
                                   l2.supervise_cycle) AS next_on
            FROM duban.ladders l2 JOIN duban.problems p ON p.id = l2.problem_id
           WHERE l2.next_on IS NOT NULL AND p.status = 'rectifying') x
   WHERE l.problem_id = x.problem_id AND l.next_on IS DISTINCT FROM x.next_on;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END $$;

-- jit off: on a large ledger the planner's estimates would JIT-compile every call
-- (tens of ms) for what is an index range scan returning few rows.
CREATE OR REPLACE FUNCTION duban.sweep_ladder() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_today   date := duban.today();
  v_prompt  int := duban.policy_int('ladder.prompt_days');
  v_warn    int := duban.policy_int('ladder.warn_days');
  v_warn_p  int := duban.policy_int('ladder.warn_progress');
  v_repeat0 int := duban.policy_int('ladder.supervise_repeat_days');
  v_repeat  int := greatest(v_repeat0, 1);
  v_late    int := duban.policy_int('ladder.interview_days');
  v_after   int := duban.policy_int('ladder.interview_after_supervise_days');
  v_office  int[] := duban.office_units();
  v_leaders int[] := duban.leadership_units();
  v_facts   duban.notice_fact[];
BEGIN
  -- the idle sweep: the first entry of the partial index, no plan of the statement below.
  -- Asked as min(), not EXISTS: after a busy day the statistics still count thousands of
  -- rows due, and EXISTS then reads the whole table (5 ms at 100,000 open problems) instead
  -- of the index, whose dead entries from that day's raises the first read marks and later
  -- reads skip
  IF coalesce((SELECT min(next_on) FROM duban.ladders), 'infinity') > v_today THEN
    RETURN 0;
  END IF;
  -- each due ladder looks up its problem by id (OFFSET 0 keeps the lookup per row): the
  -- estimate of how many are due is often far off, and a merge join would then walk the
  -- problems' primary key from its start for a few hundred due rows (0.6 s on a 1M ledger)
  WITH due AS (
    SELECT l.problem_id AS id, p.ladder_due AS d, l.stage AS old_stage, p.progress,
           l.supervise_first_on AS first, l.supervise_cycle AS old_cycle
      FROM duban.ladders l
     CROSS JOIN LATERAL (SELECT p.ladder_due, p.progress, p.status FROM duban.problems p
                          WHERE p.id = l.problem_id OFFSET 0) p
     WHERE l.next_on <= v_today AND p.status = 'rectifying'
       FOR UPDATE OF l SKIP LOCKED
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
    UPDATE duban.ladders l
       SET stage = x.new_stage, supervise_first_on = x.new_first, supervise_cycle = x.new_cycle,
           next_on = duban.ladder_next_at(x.new_stage, x.d, x.progress, x.new_first, x.new_cycle,
                                          v_prompt, v_warn, v_warn_p, v_repeat0, v_late, v_after)
      FROM decided x
     WHERE l.problem_id = x.id
    RETURNING l.problem_id AS id, x.d, x.progress, x.old_stage, x.new_stage, x.old_cycle,
              x.new_cycle
  ), fired AS (
    SELECT upd.*, p.ref, p.title, p.unit_id, p.supervisor_ids, p.deadline,
           CASE WHEN new_stage = 3 THEN new_cycle ELSE 1 END AS cycle
      FROM upd
      JOIN duban.problems p ON p.id = upd.id
     WHERE new_stage > old_stage OR (new_stage = 3 AND new_cycle > old_cycle)
  ), history AS (
    INSERT INTO duban.history (problem_id, actor, action, detail)
    SELECT f.id, 'duband', 'escalate', jsonb_build_object(
             'stage', duban.stage_name(f.new_stage), 'cycle', f.cycle, 'due', f.d)
      FROM fired f
  )
  -- recipients: the main unit; warn adds the lead supervisor; supervise and interview all
  -- supervisors and the office; interview the leadership
  SELECT array_agg(ROW(
           format('escalation:%s:%s:%s:%s', f.id, f.d, f.new_stage, f.cycle), 'escalation', f.id,
           ARRAY[f.unit_id]
             || CASE WHEN f.new_stage = 2 THEN f.supervisor_ids[1:1] ELSE '{}' END
             || CASE WHEN f.new_stage >= 3 THEN f.supervisor_ids || v_office ELSE '{}' END
             || CASE WHEN f.new_stage = 4 THEN v_leaders ELSE '{}' END,
           jsonb_build_object(
             'stage', duban.stage_name(f.new_stage), 'cycle', f.cycle,
             'problem', f.ref, 'unit', mu.code, 'due', f.d, 'days', v_today - f.d,
             'progress', f.progress, 'title', f.title, 'unit_name', mu.name,
             'deadline', f.deadline))::duban.notice_fact)
    INTO v_facts
    FROM fired f JOIN duban.units mu ON mu.id = f.unit_id;
  RETURN duban.notice_emit(v_facts);
END $$;
