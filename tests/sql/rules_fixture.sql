-- Fixture of tests/integration/sql_rules.sh: helper functions in schema t that do what the
-- CLI commands do (problem add/apply/accept/reject/object, progress, report submit,
-- deduct), and the units, channels and custom schedules of the simulated 2026.
-- Run with duban.now set to 2025-12-31T09:00:00+08:00.

CREATE SCHEMA t;
CREATE TABLE t.runs (day date, run int, made int);

CREATE FUNCTION t.u(p_code text) RETURNS int LANGUAGE sql STABLE AS $$
  SELECT id FROM duban.units WHERE code = p_code
$$;

CREATE FUNCTION t.problem(p_ref text, p_unit text, p_sups text[], p_deadline date,
                          p_source text DEFAULT '督察', p_closed_on date DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO duban.problems (ref, level, source, title, unit_id, supervisor_ids, deadline, status, closed_on)
  SELECT p_ref, 'district', p_source, '问题' || p_ref, t.u(p_unit),
         ARRAY(SELECT t.u(s) FROM unnest(p_sups) WITH ORDINALITY x(s, o) ORDER BY o),
         p_deadline, CASE WHEN p_closed_on IS NULL THEN 'rectifying' ELSE 'closed' END, p_closed_on
$$;

-- status changes as dubanctl makes them (reject and object clear the dates)
CREATE FUNCTION t.move(p_ref text, p_action text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('duban.action', p_action, true);
  UPDATE duban.problems
     SET status = CASE p_action WHEN 'apply' THEN 'applied' WHEN 'accept' THEN 'publicizing'
                                ELSE 'rectifying' END,
         applied_on = CASE p_action WHEN 'apply' THEN duban.today() WHEN 'accept' THEN applied_on END,
         accepted_on = CASE WHEN p_action = 'accept' THEN duban.today() END
   WHERE ref = p_ref AND status = CASE p_action WHEN 'apply' THEN 'rectifying' WHEN 'accept' THEN 'applied'
                                                WHEN 'reject' THEN 'applied' WHEN 'object' THEN 'publicizing' END;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'fixture: % % refused', p_action, p_ref;
  END IF;
  PERFORM set_config('duban.action', '', true);
END $$;

-- a dated progress note today for every rectifying problem except p_except
CREATE FUNCTION t.notes(p_except text[] DEFAULT '{}') RETURNS void LANGUAGE sql AS $$
  INSERT INTO duban.progress_notes (problem_id, percent, note)
  SELECT id, 50, 'monthly dispatch' FROM duban.problems
   WHERE status = 'rectifying' AND ref <> ALL (p_except)
$$;

-- report submit UNIT SCHEDULE PERIOD, late when today is after the period's due day
CREATE FUNCTION t.submit(p_unit text, p_schedule text, p_period text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO duban.reports (schedule, unit_id, period, late)
  SELECT p_schedule, t.u(p_unit), p_period, duban.today() > duban.report_due(p_schedule, p_period)
$$;

-- deduct UNIT POINTS...: one statement, rows in the given order
CREATE FUNCTION t.deduct(p_unit text, p_points int[], p_year int DEFAULT NULL) RETURNS void LANGUAGE sql AS $$
  INSERT INTO duban.deductions (unit_id, points, reason, year)
  SELECT t.u(p_unit), x.p, 'fixture deduction ' || x.o,
         coalesce(p_year, extract(year FROM duban.today())::int)
    FROM unnest(p_points) WITH ORDINALITY x(p, o) ORDER BY x.o
$$;

-- One line per notice fact and recipient unit (channels folded): made-day, recipient, and
-- the type's fields; ordered.
CREATE FUNCTION t.facts(p_type text) RETURNS SETOF text LANGUAGE sql STABLE AS $$
  SELECT line FROM (
    SELECT DISTINCT (n.created_at AT TIME ZONE 'Asia/Shanghai')::date AS day, u.code AS rcpt,
           CASE n.type
             WHEN 'acceptance' THEN concat_ws(' ', n.payload->>'problem', n.payload->>'stage', n.payload->>'cycle',
                                              n.payload->>'unit', n.payload->>'applied', n.payload->>'working_days')
             WHEN 'closed' THEN concat_ws(' ', n.payload->>'problem', n.payload->>'unit', n.payload->>'closed_on')
             WHEN 'reminder' THEN concat_ws(' ', n.payload->>'schedule', n.payload->>'period', n.payload->>'unit',
                                            n.payload->>'due', n.payload->>'problems')
             WHEN 'missed' THEN concat_ws(' ', n.payload->>'schedule', n.payload->>'period', n.payload->>'units',
                                          n.payload->>'unit_problems')
             WHEN 'bulletin' THEN concat_ws(' ', n.payload->>'period', n.payload->>'kind', n.payload->>'red',
                                            n.payload->>'black')
             WHEN 'deduction' THEN concat_ws(' ', n.payload->>'unit', n.payload->>'year', n.payload->>'total',
                                             n.payload->>'level', n.payload->>'action')
             WHEN 'sample' THEN concat_ws(' ', n.payload->>'period', n.payload->>'problems',
                                          n.payload->>'closed_total')
           END AS what
      FROM duban.notices n JOIN duban.units u ON u.id = n.unit_id
     WHERE n.type = p_type) x
   CROSS JOIN LATERAL (SELECT x.day || ' ' || x.rcpt || ' ' || x.what AS line) l
   ORDER BY l.line COLLATE "C"
$$;

-- The ledger's units, channels (T1 has two) and custom schedules.
INSERT INTO duban.units (code, name, kind) VALUES
  ('OFF', '区整改办', 'office'), ('LEAD', '区领导小组', 'leadership'),
  ('T1', '东镇', 'town'), ('T2', '西镇', 'town'), ('T3', '南镇', 'town'),
  ('S1', '北街道', 'street'), ('P1', '高新园区', 'park'), ('D1', '区水利局', 'department');
INSERT INTO duban.channels (unit_id, kind, url)
SELECT id, 'json', 'https://hook.example/' || code FROM duban.units ORDER BY id;
INSERT INTO duban.channels (unit_id, kind, url) VALUES (t.u('T1'), 'wecom', 'https://hook.example/T1-wecom');

INSERT INTO duban.schedules (name, label, kind, days, months, remind) VALUES
  ('campaign', '专项整治', 'custom', '{4,14,24}', '{4,5,6,9,10}', '{}'),
  ('adj-jan', '调休一月', 'custom', '{4}', '{1}', '{0}'),
  ('adj-feb', '调休二月', 'custom', '{28}', '{2}', '{0}'),
  ('adj-may', '调休五月', 'custom', '{9}', '{5}', '{0}'),
  ('adj-oct', '调休十月', 'custom', '{10}', '{10}', '{0}');
INSERT INTO duban.schedule_units (schedule, unit_id) VALUES
  ('campaign', t.u('S1')), ('adj-jan', t.u('D1')), ('adj-feb', t.u('D1')),
  ('adj-may', t.u('D1')), ('adj-oct', t.u('D1'));

-- 2027 is not shipped: New Year's Day as `calendar import` would add it.
INSERT INTO duban.calendar (day, workday, name) VALUES ('2027-01-01', false, '元旦');

-- Last year's points do not count in 2026 (this makes a 2025 notice now).
SELECT t.deduct('T1', '{30}', 2025);
