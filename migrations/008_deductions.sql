-- 008: deduction thresholds (SPEC §7f). Points add up per unit per calendar year (the
-- deduction's `year`). When an insert makes a unit's yearly total first reach
-- deduction.warning_letter (10) the unit and the office get a warning-letter notice
-- 警示函; deduction.interview_deputy (20) and deduction.interview_principal (30) go to the
-- unit, the office and the leadership. A deduction that passes several thresholds sends
-- only the highest. The notice is made by the insert's own statement, in its transaction.

-- The thresholds, lowest first: (ordinal, points, action).
CREATE FUNCTION duban.deduction_thresholds()
RETURNS TABLE (ord int, points int, action text) LANGUAGE sql STABLE AS $$
  SELECT 1, duban.policy_int('deduction.warning_letter'), 'warning_letter'
  UNION ALL SELECT 2, duban.policy_int('deduction.interview_deputy'), 'interview_deputy'
  UNION ALL SELECT 3, duban.policy_int('deduction.interview_principal'), 'interview_principal'
$$;

CREATE FUNCTION duban.deductions_noticed() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
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
  ), recipients AS (
    SELECT x.id, x.unit_id AS rcpt FROM crossed x
    UNION SELECT x.id, o FROM crossed x, duban.office_units() o
    UNION SELECT x.id, l FROM crossed x, duban.leadership_units() l WHERE x.ord >= 2
  )
  INSERT INTO duban.notices (key, type, unit_id, channel_id, problem_id, payload, urgency)
  SELECT format('deduction:%s:%s:%s:%s', x.unit_id, x.year, x.level, c.id), 'deduction',
         r.rcpt, c.id, x.problem_id,
         jsonb_build_object(
           'type', 'deduction', 'unit', u.code, 'total', x.after, 'level', x.level,
           'unit_name', u.name, 'year', x.year, 'action', x.action, 'points', x.points,
           'reason', x.reason, 'recipient', ru.code, 'recipient_name', ru.name)
         || CASE WHEN x.problem_id IS NULL THEN '{}'::jsonb
                 ELSE jsonb_build_object('problem', (SELECT ref FROM duban.problems WHERE id = x.problem_id)) END,
         280000 + least(x.level, 9999)
    FROM crossed x
    JOIN recipients r ON r.id = x.id
    JOIN duban.channels c ON c.unit_id = r.rcpt
    JOIN duban.units u ON u.id = x.unit_id
    JOIN duban.units ru ON ru.id = r.rcpt
  ON CONFLICT (key) DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER deductions_noticed AFTER INSERT ON duban.deductions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION duban.deductions_noticed();
