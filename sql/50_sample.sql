-- sql/50_sample.sql
-- Revisit sampling 回头看 (SPEC §7g): on the first working day of each quarter, a stable random
-- 20 % of last quarter's closures, to the office.

CREATE OR REPLACE FUNCTION duban.sweep_sample() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_today date := duban.today();
  v_pct   int := duban.policy_int('sample.percent');
  v_days  date[];
  v_facts duban.notice_fact[];
BEGIN
  PERFORM duban.sweep_lock('sample');
  v_days := duban.sweep_days('sample');
  IF NOT EXISTS (SELECT 1 FROM unnest(v_days) d
                  WHERE d = duban.workday_on_or_after(date_trunc('quarter', d::timestamp)::date)) THEN
    RETURN 0;
  END IF;
  WITH q AS (
    SELECT to_char(date_trunc('quarter', d::timestamp) - interval '3 months', 'YYYY-"Q"Q') AS period,
           (date_trunc('quarter', d::timestamp) - interval '3 months')::date AS first_day,
           (date_trunc('quarter', d::timestamp) - interval '1 day')::date AS last_day
      FROM unnest(v_days) d
     WHERE d = duban.workday_on_or_after(date_trunc('quarter', d::timestamp)::date)
  ), pool AS (
    SELECT q.period, p.ref, p.title, p.unit_id, count(*) OVER (PARTITION BY q.period) AS n,
           row_number() OVER (PARTITION BY q.period ORDER BY md5(p.ref || ':' || q.period), p.ref) AS rn
      FROM q JOIN duban.problems p ON p.closed_on BETWEEN q.first_day AND q.last_day
  ), picked AS (
    SELECT pool.period, max(pool.n) AS n, jsonb_agg(pool.ref ORDER BY pool.ref) AS refs,
           jsonb_object_agg(pool.ref, pool.title) AS titles,
           jsonb_object_agg(pool.ref, u.code) AS units
      FROM pool JOIN duban.units u ON u.id = pool.unit_id
     WHERE pool.rn <= (pool.n * v_pct + 99) / 100
     GROUP BY pool.period
  )
  -- to every office unit; the key names the recipient unit
  SELECT array_agg(ROW(format('sample:%s:%s', s.period, ru.id), 'sample', NULL, ARRAY[ru.id],
                       jsonb_build_object('period', s.period, 'problems', s.refs,
                                          'problem_titles', s.titles, 'problem_units', s.units,
                                          'closed_total', s.n, 'percent', v_pct)
                      )::duban.notice_fact)
    INTO v_facts
    FROM picked s JOIN duban.units ru ON ru.kind = 'office';
  RETURN duban.notice_emit(v_facts);
END $$;
