-- sql/20_history.sql
-- The append-only history of every problem (who, when, what, before -> after), written by
-- triggers whoever changes a problem, its milestones or its progress notes. Programs name the
-- action and reason of a change with set_config('duban.action'/'duban.reason').

CREATE OR REPLACE FUNCTION duban.history_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'history is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON duban.history
  FOR EACH ROW EXECUTE FUNCTION duban.history_refuse();

CREATE OR REPLACE TRIGGER history_no_truncate BEFORE TRUNCATE ON duban.history
  FOR EACH STATEMENT EXECUTE FUNCTION duban.history_refuse();

-- A problem as history shows it: the user-facing columns, units by code.
CREATE OR REPLACE FUNCTION duban.problem_doc(p duban.problems) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
    'ref', p.ref, 'level', p.level, 'source', p.source, 'category', p.category,
    'title', p.title, 'location', p.location,
    'unit', (SELECT code FROM duban.units WHERE id = p.unit_id),
    'supervisors', (SELECT jsonb_agg(u.code ORDER BY s.ord) FROM unnest(p.supervisor_ids)
                      WITH ORDINALITY s(id, ord) JOIN duban.units u ON u.id = s.id),
    'deadline', p.deadline, 'long_term', p.long_term, 'measures', p.measures,
    'target', p.target, 'progress', p.progress, 'status', p.status,
    'applied_on', p.applied_on, 'accepted_on', p.accepted_on, 'closed_on', p.closed_on,
    'stage_done', p.stage_done, 'contact', nullif(p.contact, ''), 'verified', p.verified,
    'ordered', p.ordered, 'penalized', p.penalized, 'fine', trim_scale(p.fine),
    'investigated', p.investigated, 'detained_admin', p.detained_admin,
    'detained_criminal', p.detained_criminal, 'interviewed', p.interviewed,
    'accountable', p.accountable))
$$;

-- The changed keys of two documents as {key: {before, after}}, or NULL when equal.
CREATE OR REPLACE FUNCTION duban.jsonb_diff(p_old jsonb, p_new jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_object_agg(k, jsonb_build_object('before', p_old -> k, 'after', p_new -> k))
    FROM (SELECT jsonb_object_keys(p_old) UNION SELECT jsonb_object_keys(p_new)) keys(k)
   WHERE (p_old -> k) IS DISTINCT FROM (p_new -> k)
$$;

CREATE OR REPLACE FUNCTION duban.history_detail(p_detail jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT p_detail || CASE WHEN nullif(current_setting('duban.reason', true), '') IS NULL THEN '{}'::jsonb
                          ELSE jsonb_build_object('reason', current_setting('duban.reason', true)) END
$$;

CREATE OR REPLACE FUNCTION duban.history_action(p_default text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('duban.action', true), ''), p_default)
$$;

-- A new problem's entry names its key fields (later changes carry full before/after). Problems
-- a bulk import made (import_id set) have no row here and pass no trigger: their creation entry
-- is the import's one duban.imports row, which duban.problem_history shows. (A statement
-- trigger would have to capture every row of a million-row import as a transition table
-- first: 4.6 s on the 2-core machine, for nothing.)
CREATE OR REPLACE FUNCTION duban.problems_history_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO duban.history (problem_id, action, detail)
  SELECT NEW.id, duban.history_action('create'), duban.history_detail(jsonb_build_object('after',
           jsonb_build_object('ref', NEW.ref, 'level', NEW.level, 'title', NEW.title, 'unit', u.code,
                              'deadline', NEW.deadline, 'status', NEW.status, 'progress', NEW.progress)))
    FROM duban.units u WHERE u.id = NEW.unit_id;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER problems_history_insert AFTER INSERT ON duban.problems
  FOR EACH ROW WHEN (NEW.import_id IS NULL) EXECUTE FUNCTION duban.problems_history_insert();
-- Only rows whose user-facing columns changed are diffed: the ladder sweep
-- updates thousands of rows' ladder state and must not pay for documents here.
CREATE OR REPLACE FUNCTION duban.problems_history_update() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
  INSERT INTO duban.history (problem_id, action, detail)
  SELECT id, duban.history_action('update'), duban.history_detail(jsonb_build_object('changes', diff))
    FROM (SELECT n.id, duban.jsonb_diff(duban.problem_doc(o), duban.problem_doc(n)) AS diff
            FROM new_rows n JOIN old_rows o ON o.id = n.id
           WHERE (n.ref, n.level, n.source, n.category, n.title, n.location, n.unit_id,
                  n.supervisor_ids, n.deadline, n.long_term, n.measures, n.target, n.progress,
                  n.status, n.applied_on, n.accepted_on, n.closed_on, n.stage_done, n.contact,
                  n.verified, n.ordered, n.penalized, n.fine, n.investigated, n.detained_admin,
                  n.detained_criminal, n.interviewed, n.accountable)
                 IS DISTINCT FROM
                 (o.ref, o.level, o.source, o.category, o.title, o.location, o.unit_id,
                  o.supervisor_ids, o.deadline, o.long_term, o.measures, o.target, o.progress,
                  o.status, o.applied_on, o.accepted_on, o.closed_on, o.stage_done, o.contact,
                  o.verified, o.ordered, o.penalized, o.fine, o.investigated, o.detained_admin,
                  o.detained_criminal, o.interviewed, o.accountable)) d
   WHERE diff IS NOT NULL;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER problems_history_update AFTER UPDATE ON duban.problems
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban.problems_history_update();

-- Milestones: recorded in history, and a change re-derives the problem's D.
CREATE OR REPLACE FUNCTION duban.milestones_changed() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE TRIGGER milestones_changed AFTER INSERT OR UPDATE OR DELETE ON duban.milestones
  FOR EACH ROW EXECUTE FUNCTION duban.milestones_changed();

-- Dated progress notes are history too.
CREATE OR REPLACE FUNCTION duban.progress_noted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO duban.history (problem_id, at, actor, action, detail)
  VALUES (NEW.problem_id, NEW.at, NEW.actor, 'progress-note',
          jsonb_build_object('on', NEW.on_date, 'percent', NEW.percent, 'note', NEW.note));
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER progress_noted AFTER INSERT ON duban.progress_notes
  FOR EACH ROW EXECUTE FUNCTION duban.progress_noted();

-- Imports are append-only too (problems.import_id points at them).
CREATE OR REPLACE TRIGGER imports_append_only BEFORE UPDATE OR DELETE ON duban.imports
  FOR EACH ROW EXECUTE FUNCTION duban.history_refuse();
CREATE OR REPLACE TRIGGER imports_no_truncate BEFORE TRUNCATE ON duban.imports
  FOR EACH STATEMENT EXECUTE FUNCTION duban.history_refuse();

-- The whole history of each problem, as `problem show` prints it: its creation by a bulk import
-- (who, when, which file; id 0, so it sorts first) and every row of duban.history.
CREATE OR REPLACE VIEW duban.problem_history AS
  SELECT p.id AS problem_id, 0::bigint AS id, i.at, i.actor, 'import'::text AS action,
         jsonb_build_object('import', i.id, 'file', i.file, 'created', true) AS detail
    FROM duban.problems p JOIN duban.imports i ON i.id = p.import_id
  UNION ALL
  SELECT h.problem_id, h.id, h.at, h.actor, h.action, h.detail FROM duban.history h;
