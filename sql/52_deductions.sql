-- sql/52_deductions.sql
-- Deduction thresholds 扣分 (SPEC §7f): a unit's yearly points reaching 10, 20, 30 make a
-- warning letter or an interview notice, in the deduction's own transaction.

-- The thresholds, lowest first: (ordinal, points, action).
CREATE OR REPLACE FUNCTION duban.deduction_thresholds()
RETURNS TABLE (ord int, points int, action text) LANGUAGE sql STABLE AS $$
  SELECT 1, duban.policy_int('deduction.warning_letter'), 'warning_letter'
  UNION ALL SELECT 2, duban.policy_int('deduction.interview_deputy'), 'interview_deputy'
  UNION ALL SELECT 3, duban.policy_int('deduction.interview_principal'), 'interview_principal'
$$;

CREATE OR REPLACE FUNCTION duban.deductions_noticed() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
DECLARE v_facts duban.notice_fact[];
BEGIN
  -- One writer per unit at a time: a concurrent deduction of the same unit waits here,
  -- and the next statement's snapshot then counts it (no threshold is passed unseen).
  PERFORM 1 FROM duban.units
   WHERE id IN (SELECT unit_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
  WITH before AS (
    -- the yearly totals without this statement's rows
    SELECT k.unit_id, k.year, coalesce(sum(d.points), 0) AS total
      FROM (SELECT DISTINCT unit_id, year FROM new_rows) k
      LEFT JOIN duban.deductions d
        ON d.unit_id = k.unit_id AND d.year = k.year AND d.id NOT IN (SELECT id FROM new_rows)
     GROUP BY k.unit_id, k.year
  ), steps AS (
    -- each new row in id order, as if inserted one by one
    SELECT n.id, n.unit_id, n.year, n.points, n.reason, n.problem_id,
           b.total + sum(n.points) OVER (PARTITION BY n.unit_id, n.year ORDER BY n.id) AS after
      FROM new_rows n JOIN before b ON b.unit_id = n.unit_id AND b.year = n.year
  ), crossed AS (
    SELECT DISTINCT ON (s.id) s.*, t.ord, t.points AS level, t.action
      FROM steps s JOIN duban.deduction_thresholds() t
        ON s.after - s.points < t.points AND s.after >= t.points
     ORDER BY s.id, t.points DESC
  )
  -- recipients: the unit and the office; the interviews add the leadership
  SELECT array_agg(ROW(format('deduction:%s:%s:%s', x.unit_id, x.year, x.level), 'deduction', x.problem_id,
                       ARRAY[x.unit_id] || duban.office_units()
                         || CASE WHEN x.ord >= 2 THEN duban.leadership_units() ELSE '{}' END,
                       jsonb_build_object(
                         'unit', u.code, 'total', x.after, 'level', x.level,
                         'unit_name', u.name, 'year', x.year, 'action', x.action, 'points', x.points,
                         'reason', x.reason)
                       || CASE WHEN x.problem_id IS NULL THEN '{}'::jsonb
                               ELSE jsonb_build_object('problem', (SELECT ref FROM duban.problems WHERE id = x.problem_id)) END
                      )::duban.notice_fact)
    INTO v_facts
    FROM crossed x JOIN duban.units u ON u.id = x.unit_id;
  PERFORM duban.notice_emit(v_facts);
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER deductions_noticed AFTER INSERT ON duban.deductions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION duban.deductions_noticed();
