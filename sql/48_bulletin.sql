-- sql/48_bulletin.sql
-- The bulletin 通报 (SPEC §7e): monthly, mid-year and year-end, with the unit ranking index
-- and the red list 红榜 / black list 黑榜.

-- Bulletin days in [p_from, p_to] and their periods:
--   monthly    on the first working day of each month; period = the month under review,
--              i.e. the previous month `YYYY-MM` (the bulletin of 2026-03-02 is "2026-02");
--   mid-year   on the first working day on or after 16 June; period `YYYY-06-16`;
--   year-end   on the first working day on or after 16 December; period `YYYY-12-16`.
CREATE OR REPLACE FUNCTION duban.bulletin_periods(p_from date, p_to date)
RETURNS TABLE (day date, period text, kind text) LANGUAGE sql STABLE AS $$
  SELECT d::date, x.period, x.kind
    FROM generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') d
   CROSS JOIN LATERAL (
           SELECT to_char(d - interval '1 month', 'YYYY-MM') AS period, 'monthly' AS kind
            WHERE d::date = duban.workday_on_or_after(date_trunc('month', d)::date)
           UNION ALL
           SELECT to_char(d, 'YYYY') || '-06-16', 'mid-year'
            WHERE d::date = duban.workday_on_or_after(make_date(extract(year FROM d)::int, 6, 16))
           UNION ALL
           SELECT to_char(d, 'YYYY') || '-12-16', 'year-end'
            WHERE d::date = duban.workday_on_or_after(make_date(extract(year FROM d)::int, 12, 16))
         ) x
$$;

-- The ranking of the local units (kinds town, street, park, department) on local date p_day,
-- for year p_year (default: p_day's; a bulletin passes the year of the period it reviews, so
-- the December bulletin of early January still counts December's year). Per unit, over the
-- problems of which it is the main unit:
--   open     = problems not closed (rectifying, applied, publicizing)
--   overdue  = rectifying problems whose due date D (ladder_due: earliest unmet milestone,
--              else deadline) is before p_day
--   closed   = closed problems; closed_on_time = those applied for acceptance (applied_on,
--              or closed_on when imported without one) on or before their deadline;
--              closed_late = the others
--   rate     = closed / (open + closed), a fraction 0..1 (4 decimals); NULL without problems
--   self_found = problems with source 自查 created (local date) in p_year, up to p_day
--   deducted = deduction points of p_year
-- index (score), with the default policy:
--   index = round(R + min(5 × self_found, 20) − 1 × deducted, 1)
--   R     = 100 × (closed_on_time + 0.5 × closed_late) / (closed + overdue),
--           or 100 when closed + overdue = 0 (nothing closed and nothing late yet)
-- and never below 0. Open problems not yet due do not count either way. Only units with
-- problems are ranked: rank 1 is the highest index and units with equal index share a place
-- (1, 2, 2, 4); rank is NULL for a unit without problems. Weights: policy
-- index.late_weight_percent (50), index.self_found_points (5), index.self_found_cap (20),
-- index.deduction_weight (1).
CREATE OR REPLACE FUNCTION duban.unit_ranking(p_day date, p_year int DEFAULT NULL)
RETURNS TABLE (unit_id int, unit text, name text, open int, overdue int, closed int,
               closed_on_time int, closed_late int, self_found int, deducted int,
               rate numeric, score numeric, rank int)
LANGUAGE sql STABLE AS $$
  WITH per AS (
    SELECT p.unit_id,
           count(*) FILTER (WHERE p.status <> 'closed') AS open,
           count(*) FILTER (WHERE p.status = 'rectifying' AND p.ladder_due < p_day) AS overdue,
           count(*) FILTER (WHERE p.status = 'closed') AS closed,
           count(*) FILTER (WHERE p.status = 'closed'
                              AND coalesce(p.applied_on, p.closed_on) <= p.deadline) AS on_time,
           count(*) FILTER (WHERE p.source = '自查'
                              AND p.created_at >= make_timestamp(y.year, 1, 1, 0, 0, 0) AT TIME ZONE duban.tz()
                              AND p.created_at < least(make_timestamp(y.year + 1, 1, 1, 0, 0, 0),
                                                       (p_day + 1)::timestamp) AT TIME ZONE duban.tz()) AS self_found
      FROM duban.problems p
     CROSS JOIN (SELECT coalesce(p_year, extract(year FROM p_day)::int) AS year) y
     GROUP BY p.unit_id
  ), ded AS (
    SELECT d.unit_id, sum(d.points) AS points
      FROM duban.deductions d
     WHERE d.year = coalesce(p_year, extract(year FROM p_day)::int)
     GROUP BY d.unit_id
  ), base AS (
    SELECT u.id, u.code, u.name, coalesce(x.open, 0)::int AS open, coalesce(x.overdue, 0)::int AS overdue,
           coalesce(x.closed, 0)::int AS closed, coalesce(x.on_time, 0)::int AS on_time,
           coalesce(x.self_found, 0)::int AS self_found, coalesce(d.points, 0)::int AS deducted
      FROM duban.units u
      LEFT JOIN per x ON x.unit_id = u.id
      LEFT JOIN ded d ON d.unit_id = u.id
     WHERE u.kind IN ('town', 'street', 'park', 'department')
  ), scored AS (
    SELECT b.*,
           CASE WHEN b.open + b.closed = 0 THEN NULL
                ELSE round(b.closed::numeric / (b.open + b.closed), 4) END AS rate,
           greatest(0.0, round(CASE WHEN b.closed + b.overdue = 0 THEN 100
                      ELSE 100.0 * (b.on_time + duban.policy_int('index.late_weight_percent') / 100.0
                                                * (b.closed - b.on_time)) / (b.closed + b.overdue) END
                 + least(duban.policy_int('index.self_found_points') * b.self_found,
                         duban.policy_int('index.self_found_cap'))
                 - duban.policy_int('index.deduction_weight') * b.deducted, 1)) AS score
      FROM base b
  )
  SELECT s.id, s.code, s.name, s.open, s.overdue, s.closed, s.on_time, s.closed - s.on_time,
         s.self_found, s.deducted, s.rate, s.score,
         CASE WHEN s.open + s.closed > 0
              THEN (rank() OVER (PARTITION BY s.open + s.closed > 0 ORDER BY s.score DESC))::int END
    FROM scored s
$$;

CREATE OR REPLACE FUNCTION duban.sweep_bulletin() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_today date := duban.today();
  v_days  date[];
  v_facts duban.notice_fact[];
BEGIN
  PERFORM duban.sweep_lock('bulletin');
  v_days := duban.sweep_days('bulletin');
  IF cardinality(v_days) = 0
     OR NOT EXISTS (SELECT 1 FROM duban.bulletin_periods(v_days[1], v_today)) THEN
    RETURN 0;
  END IF;
  WITH b AS (
    -- the year under review: a monthly bulletin's period is the month before
    SELECT bp.*, CASE WHEN bp.kind = 'monthly' THEN left(bp.period, 4)::int
                      ELSE extract(year FROM bp.day)::int END AS year
      FROM duban.bulletin_periods(v_days[1], v_today) bp
  ), r AS (
    SELECT b.period, x.* FROM b CROSS JOIN LATERAL duban.unit_ranking(v_today, b.year) x
  ), listed AS (
    -- the red and black lists rank only units that have problems (a unit with nothing
    -- assigned has done nothing to be praised or blamed for); units with equal index share a
    -- place, so a list takes all the units tied at its last place or none of them: a unit is
    -- on the red list when at most k units have its index or better, on the black list when
    -- at most k have its index or worse; k <= n/2, so no unit is on both
    SELECT r.period, r.unit, r.score, r.rank,
           count(*) OVER (PARTITION BY r.period ORDER BY r.score DESC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS top,
           count(*) OVER (PARTITION BY r.period ORDER BY r.score
                          RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bottom
      FROM r WHERE r.rank IS NOT NULL
  ), k AS (
    SELECT l.period, least(duban.policy_int('bulletin.list_size'), count(*)::int / 2) AS k,
           count(*)::int AS n
      FROM listed l GROUP BY l.period
  ), lists AS (
    SELECT l.period, l.unit,
           CASE WHEN l.top <= k.k THEN 'red' WHEN l.bottom <= k.k THEN 'black' END AS list
      FROM listed l JOIN k USING (period)
  ), late AS (
    SELECT p.ref, p.title, u.code, u.name, p.ladder_due, v_today - p.ladder_due AS days, p.unit_id
      FROM duban.problems p JOIN duban.units u ON u.id = p.unit_id
     WHERE p.status = 'rectifying' AND p.ladder_due < v_today
  ), overdue AS (
    SELECT coalesce((SELECT jsonb_agg(jsonb_build_object(
                       'ref', l.ref, 'title', l.title, 'unit', l.code, 'unit_name', l.name,
                       'due', l.ladder_due, 'days', l.days) ORDER BY l.days DESC, l.ref)
                       FROM (SELECT * FROM late ORDER BY days DESC, ref
                              LIMIT duban.policy_int('bulletin.overdue_max')) l), '[]') AS list,
           (SELECT count(*) FROM late) AS total
  ), body AS (
    SELECT b.period, jsonb_build_object(
             'units', coalesce((SELECT jsonb_agg(jsonb_build_object(
                          'unit', r.unit, 'name', r.name, 'open', r.open, 'overdue', r.overdue,
                          'closed', r.closed, 'rate', r.rate, 'index', r.score, 'place', r.rank,
                          'closed_on_time', r.closed_on_time, 'closed_late', r.closed_late,
                          'self_found', r.self_found, 'deducted', r.deducted) ORDER BY r.rank, r.unit)
                                 FROM r WHERE r.period = b.period AND r.rank IS NOT NULL), '[]'),
             'none', coalesce((SELECT jsonb_agg(jsonb_build_object('unit', r.unit, 'name', r.name)
                                                ORDER BY r.unit)
                                 FROM r WHERE r.period = b.period AND r.rank IS NULL), '[]'),
             'red', coalesce((SELECT jsonb_agg(l.unit ORDER BY x.score DESC, l.unit) FROM lists l
                               JOIN listed x USING (period, unit)
                               WHERE l.period = b.period AND l.list = 'red'), '[]'),
             'black', coalesce((SELECT jsonb_agg(l.unit ORDER BY x.score, l.unit) FROM lists l
                                 JOIN listed x USING (period, unit)
                                 WHERE l.period = b.period AND l.list = 'black'), '[]'),
             'overdue_problems', o.list, 'overdue_total', o.total,
             'year', b.year, 'as_of', v_today) AS doc
      FROM b CROSS JOIN overdue o
  ), own AS (
    -- each ranked unit's own line: its counts, place and overdue problems
    SELECT r.period, r.unit_id, jsonb_build_object(
             'unit', r.unit, 'unit_name', r.name, 'open', r.open, 'overdue', r.overdue,
             'closed', r.closed, 'rate', r.rate, 'index', r.score, 'place', r.rank,
             'ranked', k.n, 'list', l.list,
             'units', jsonb_build_array(jsonb_build_object(
                        'unit', r.unit, 'name', r.name, 'open', r.open, 'overdue', r.overdue,
                        'closed', r.closed, 'rate', r.rate, 'index', r.score, 'place', r.rank)),
             'red', CASE WHEN l.list = 'red' THEN jsonb_build_array(r.unit) ELSE '[]' END,
             'black', CASE WHEN l.list = 'black' THEN jsonb_build_array(r.unit) ELSE '[]' END,
             'overdue_problems', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                    'ref', t.ref, 'title', t.title, 'unit', t.code,
                                    'unit_name', t.name, 'due', t.ladder_due, 'days', t.days)
                                    ORDER BY t.days DESC, t.ref)
                                    FROM late t WHERE t.unit_id = r.unit_id), '[]'),
             'overdue_total', r.overdue) AS doc
      FROM r JOIN k USING (period) JOIN lists l ON l.period = r.period AND l.unit = r.unit
  )
  -- to every office and leadership unit; the key names the recipient unit
  SELECT array_agg(fact) INTO v_facts FROM (
    SELECT ROW(format('bulletin:%s:%s', b.period, ru.id), 'bulletin', NULL, ARRAY[ru.id],
               jsonb_build_object('period', b.period, 'kind', b.kind, 'day', b.day) || body.doc
              )::duban.notice_fact AS fact
      FROM b JOIN body ON body.period = b.period
      JOIN duban.units ru ON ru.kind IN ('office', 'leadership')
    UNION ALL
    SELECT ROW(format('bulletin:%s:unit:%s', b.period, own.unit_id), 'bulletin', NULL,
               ARRAY[own.unit_id],
               jsonb_build_object('period', b.period, 'kind', b.kind, 'day', b.day, 'year', b.year,
                                  'as_of', v_today) || own.doc
              )::duban.notice_fact
      FROM b JOIN own ON own.period = b.period) f;
  RETURN duban.notice_emit(v_facts);
END $$;
