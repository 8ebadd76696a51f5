-- 003: what the database keeps true on every write to a problem, whoever writes it:
-- the ladder's due date D and next check date (SPEC §7a), and the append-only
-- history of every change (who, when, what, before -> after). Programs name the
-- action and reason of a change with set_config('duban.action'/'duban.reason').

-- The next local date on which the ladder of a problem may need to move.
CREATE FUNCTION duban.ladder_next(p_stage int, p_due date, p_progress int,
                                  p_first date, p_cycle int) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT CASE p_stage
    WHEN 0 THEN p_due - duban.policy_int('ladder.prompt_days')
    WHEN 1 THEN CASE WHEN p_progress < duban.policy_int('ladder.warn_progress')
                     THEN p_due - duban.policy_int('ladder.warn_days') ELSE p_due + 1 END
    WHEN 2 THEN p_due + 1
    WHEN 3 THEN least(p_first + duban.policy_int('ladder.supervise_repeat_days') * p_cycle,
                      greatest(p_due + duban.policy_int('ladder.interview_days') + 1,
                               p_first + duban.policy_int('ladder.interview_after_supervise_days')))
    ELSE NULL END
$$;

-- D: the earliest unmet milestone of a long-term problem, else its deadline.
CREATE FUNCTION duban.ladder_due_of(p_id bigint, p_long_term boolean, p_deadline date) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN p_long_term THEN coalesce(
    (SELECT min(due) FROM duban.milestones WHERE problem_id = p_id AND done_on IS NULL), p_deadline)
    ELSE p_deadline END
$$;

CREATE FUNCTION duban.problems_ladder_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.long_term THEN
    NEW.ladder_due := duban.ladder_due_of(NEW.id, NEW.long_term, NEW.deadline);
  ELSE
    NEW.ladder_due := NEW.deadline;   -- the common case, without a query
  END IF;
  IF TG_OP = 'INSERT' OR NEW.ladder_due IS DISTINCT FROM OLD.ladder_due
     OR (OLD.status = 'closed' AND NEW.status = 'rectifying') THEN
    -- a new D starts a fresh ladder
    NEW.ladder_stage := 0;
    NEW.supervise_first_on := NULL;
    NEW.supervise_cycle := 0;
  END IF;
  IF NEW.status <> 'applied' THEN
    NEW.acceptance_stage := 0;
    NEW.acceptance_cycle := 0;
  END IF;
  IF NEW.status = 'rectifying' THEN
    NEW.ladder_next_on := duban.ladder_next(NEW.ladder_stage, NEW.ladder_due, NEW.progress,
                                            NEW.supervise_first_on, NEW.supervise_cycle);
  ELSE
    NEW.ladder_next_on := NULL;       -- off the ladder (the index only holds rectifying rows)
  END IF;
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := duban.now();
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER problems_ladder_state BEFORE INSERT OR UPDATE ON duban.problems
  FOR EACH ROW EXECUTE FUNCTION duban.problems_ladder_state();

-- A problem as history shows it: the user-facing columns, units by code.
CREATE FUNCTION duban.problem_doc(p duban.problems) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
    'ref', p.ref, 'level', p.level, 'source', p.source, 'category', p.category,
    'title', p.title, 'location', p.location,
    'unit', (SELECT code FROM duban.units WHERE id = p.unit_id),
    'supervisors', (SELECT jsonb_agg(u.code ORDER BY s.ord) FROM unnest(p.supervisor_ids)
                      WITH ORDINALITY s(id, ord) JOIN duban.units u ON u.id = s.id),
    'deadline', p.deadline, 'long_term', p.long_term, 'measures', p.measures,
    'target', p.target, 'progress', p.progress, 'status', p.status,
    'applied_on', p.applied_on, 'accepted_on', p.accepted_on, 'closed_on', p.closed_on))
$$;

-- The changed keys of two documents as {key: {before, after}}, or NULL when equal.
CREATE FUNCTION duban.jsonb_diff(p_old jsonb, p_new jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_object_agg(k, jsonb_build_object('before', p_old -> k, 'after', p_new -> k))
    FROM (SELECT jsonb_object_keys(p_old) UNION SELECT jsonb_object_keys(p_new)) keys(k)
   WHERE (p_old -> k) IS DISTINCT FROM (p_new -> k)
$$;

CREATE FUNCTION duban.history_detail(p_detail jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT p_detail || CASE WHEN nullif(current_setting('duban.reason', true), '') IS NULL THEN '{}'::jsonb
                          ELSE jsonb_build_object('reason', current_setting('duban.reason', true)) END
$$;

CREATE FUNCTION duban.history_action(p_default text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('duban.action', true), ''), p_default)
$$;

-- Set-based: one INSERT per statement, however many rows it touched. A new
-- problem's entry names its key fields (later changes carry full before/after);
-- kept lean because a first import writes one per ledger row.
CREATE FUNCTION duban.problems_history_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO duban.history (problem_id, action, detail)
  SELECT n.id, duban.history_action('create'), duban.history_detail(jsonb_build_object('after',
           jsonb_build_object('ref', n.ref, 'level', n.level, 'title', n.title, 'unit', u.code,
                              'deadline', n.deadline, 'status', n.status, 'progress', n.progress)))
    FROM new_rows n JOIN duban.units u ON u.id = n.unit_id;
  RETURN NULL;
END $$;
CREATE TRIGGER problems_history_insert AFTER INSERT ON duban.problems
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION duban.problems_history_insert();

-- Only rows whose user-facing columns changed are diffed: the ladder sweep
-- updates thousands of rows' ladder state and must not pay for documents here.
CREATE FUNCTION duban.problems_history_update() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
  INSERT INTO duban.history (problem_id, action, detail)
  SELECT id, duban.history_action('update'), duban.history_detail(jsonb_build_object('changes', diff))
    FROM (SELECT n.id, duban.jsonb_diff(duban.problem_doc(o), duban.problem_doc(n)) AS diff
            FROM new_rows n JOIN old_rows o ON o.id = n.id
           WHERE (n.ref, n.level, n.source, n.category, n.title, n.location, n.unit_id,
                  n.supervisor_ids, n.deadline, n.long_term, n.measures, n.target, n.progress,
                  n.status, n.applied_on, n.accepted_on, n.closed_on)
                 IS DISTINCT FROM
                 (o.ref, o.level, o.source, o.category, o.title, o.location, o.unit_id,
                  o.supervisor_ids, o.deadline, o.long_term, o.measures, o.target, o.progress,
                  o.status, o.applied_on, o.accepted_on, o.closed_on)) d
   WHERE diff IS NOT NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER problems_history_update AFTER UPDATE ON duban.problems
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban.problems_history_update();

-- Milestones: recorded in history, and a change re-derives the problem's D.
CREATE FUNCTION duban.milestones_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE m duban.milestones;
BEGIN
  m := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  INSERT INTO duban.history (problem_id, action, detail)
  VALUES (m.problem_id, duban.history_action(CASE WHEN TG_OP = 'DELETE' THEN 'milestone-removed'
                                                   WHEN m.done_on IS NOT NULL THEN 'milestone-done'
                                                   ELSE 'milestone' END),
          duban.history_detail(jsonb_strip_nulls(jsonb_build_object(
            'due', m.due, 'target', m.target, 'done_on', m.done_on,
            'before', CASE WHEN TG_OP = 'UPDATE' THEN jsonb_strip_nulls(jsonb_build_object(
                       'target', OLD.target, 'done_on', OLD.done_on)) END))));
  UPDATE duban.problems SET ladder_due = ladder_due WHERE id = m.problem_id;
  RETURN NULL;
END $$;
CREATE TRIGGER milestones_changed AFTER INSERT OR UPDATE OR DELETE ON duban.milestones
  FOR EACH ROW EXECUTE FUNCTION duban.milestones_changed();

-- Dated progress notes are history too.
CREATE FUNCTION duban.progress_noted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO duban.history (problem_id, at, actor, action, detail)
  VALUES (NEW.problem_id, NEW.at, NEW.actor, 'progress-note',
          jsonb_build_object('on', NEW.on_date, 'percent', NEW.percent, 'note', NEW.note));
  RETURN NULL;
END $$;
CREATE TRIGGER progress_noted AFTER INSERT ON duban.progress_notes
  FOR EACH ROW EXECUTE FUNCTION duban.progress_noted();
