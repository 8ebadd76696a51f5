-- sql/46_reports.sql
-- Reporting duties (SPEC §7d): due dates and periods of every schedule, who owes a period
-- (report_duty: the sweep and the console's duties both ask it), reminders before the due day,
-- and after it the missed lists and each missing unit's own notice.

-- Every due date of every schedule in [p_from, p_to] with its period. Monthly kinds are due on
-- the last day of the month; the others on each of `days` (a day past the month's end means
-- its last day) of each of `months` (NULL: every month); a dated custom schedule on each of
-- its `dates` (its period is the due date, as for a custom schedule's `days`).
CREATE OR REPLACE FUNCTION duban.schedule_dues(p_from date, p_to date)
RETURNS TABLE (schedule text, kind text, label text, period text, due date)
LANGUAGE sql STABLE AS $$
  SELECT DISTINCT s.name, s.kind, s.label,
         CASE WHEN s.kind IN ('monthly-self-found', 'monthly-dispatch') THEN to_char(x.due, 'YYYY-MM')
              WHEN s.kind IN ('quarterly-self-inspection', 'quarterly-exposure') THEN to_char(x.due, 'YYYY-"Q"Q')
              ELSE to_char(x.due, 'YYYY-MM-DD') END,
         x.due
    FROM duban.schedules s
   CROSS JOIN generate_series(date_trunc('month', p_from::timestamp), p_to::timestamp, interval '1 month') m(first)
   CROSS JOIN LATERAL (
           SELECT (m.first + interval '1 month' - interval '1 day')::date AS due
            WHERE s.kind IN ('monthly-self-found', 'monthly-dispatch')
           UNION ALL
           SELECT least(m.first::date + (d - 1), (m.first + interval '1 month' - interval '1 day')::date)
             FROM unnest(s.days) d
            WHERE s.kind NOT IN ('monthly-self-found', 'monthly-dispatch') AND d BETWEEN 1 AND 31
              AND (s.months IS NULL OR extract(month FROM m.first)::int = ANY (s.months))
           UNION ALL
           SELECT t FROM unnest(s.dates) t
            WHERE s.kind = 'custom' AND date_trunc('month', t::timestamp) = m.first
         ) x
   WHERE x.due BETWEEN p_from AND p_to
$$;

-- The days a period spans: a month `YYYY-MM`, a quarter `YYYY-Qn`, a day `YYYY-MM-DD`;
-- NULLs for anything else.
CREATE OR REPLACE FUNCTION duban.period_span(p_period text, OUT first_day date, OUT last_day date)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN
    first_day := make_date(left(p_period, 4)::int, right(p_period, 2)::int, 1);
    last_day := (first_day + interval '1 month' - interval '1 day')::date;
  ELSIF p_period ~ '^[0-9]{4}-Q[1-4]$' THEN
    first_day := make_date(left(p_period, 4)::int, right(p_period, 1)::int * 3 - 2, 1);
    last_day := (first_day + interval '3 months' - interval '1 day')::date;
  ELSIF p_period ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
    first_day := make_date(left(p_period, 4)::int, substr(p_period, 6, 2)::int, right(p_period, 2)::int);
    last_day := first_day;
  END IF;
EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
  first_day := NULL;
  last_day := NULL;
END $$;

-- The due date of a schedule's period; NULL when the schedule has no such period.
-- A submission on a later local date is late.
CREATE OR REPLACE FUNCTION duban.report_due(p_schedule text, p_period text) RETURNS date LANGUAGE sql STABLE SET jit = off AS $$
  SELECT max(d.due)
    FROM duban.period_span(p_period) s,
         LATERAL duban.schedule_dues(s.first_day, s.last_day) d
   WHERE s.first_day IS NOT NULL AND d.schedule = p_schedule AND d.period = p_period
$$;

-- The period a date belongs to: its month, its quarter (a quarterly report handed in after
-- the due day still belongs to that quarter, as late), or for a custom schedule the first
-- due date on or after it. NULL for an unknown schedule.
CREATE OR REPLACE FUNCTION duban.report_period(p_schedule text, p_day date) RETURNS text LANGUAGE sql STABLE SET jit = off AS $$
  SELECT CASE
           WHEN s.kind IN ('monthly-self-found', 'monthly-dispatch') THEN to_char(p_day, 'YYYY-MM')
           WHEN s.kind IN ('quarterly-self-inspection', 'quarterly-exposure') THEN to_char(p_day, 'YYYY-"Q"Q')
           ELSE (SELECT d.period FROM duban.schedule_dues(p_day, p_day + 400) d
                  WHERE d.schedule = s.name ORDER BY d.due LIMIT 1) END
    FROM duban.schedules s
   WHERE s.name = p_schedule
$$;

-- Every reminder whose (working-day adjusted) day lies in [p_from, p_to]: per schedule and
-- period, the distinct days. Monthly kinds remind on a day of the month (policy); the others
-- `remind` days before the due day (0 = on the day); a custom schedule without its own
-- `remind` list uses quarterly-self-inspection's.
CREATE OR REPLACE FUNCTION duban.schedule_reminders(p_from date, p_to date)
RETURNS TABLE (schedule text, kind text, label text, period text, due date, day date)
LANGUAGE sql STABLE AS $$
  SELECT DISTINCT d.schedule, d.kind, d.label, d.period, d.due, duban.workday_on_or_before(r.raw)
    FROM duban.schedule_dues(p_from, p_to + 45 + (SELECT coalesce(max(x), 0)
                                                    FROM duban.schedules, unnest(remind) x)) d
    JOIN duban.schedules s ON s.name = d.schedule
   CROSS JOIN LATERAL (
           SELECT least(date_trunc('month', d.due::timestamp)::date
                        + duban.policy_int(CASE d.kind WHEN 'monthly-self-found' THEN 'report.self_found_remind_day'
                                                       ELSE 'report.dispatch_remind_day' END) - 1,
                        d.due) AS raw
            WHERE d.kind IN ('monthly-self-found', 'monthly-dispatch')
           UNION ALL
           SELECT d.due - r
             FROM unnest(CASE WHEN s.kind = 'custom' AND cardinality(s.remind) = 0
                              THEN coalesce((SELECT q.remind FROM duban.schedules q
                                              WHERE q.name = 'quarterly-self-inspection'), '{7,3,1,0}')
                              ELSE s.remind END) r
            WHERE d.kind NOT IN ('monthly-self-found', 'monthly-dispatch') AND r >= 0
         ) r
   WHERE duban.workday_on_or_before(r.raw) BETWEEN p_from AND p_to
$$;

-- Who owes a schedule's period (SPEC §7d): the one rule behind the reminders, the missed lists
-- and the console's reporting duties. One row per unit the period due on p_due obliges, with
-- when it submitted (its report, or for monthly-self-found the first self-found problem it
-- created that month by the end of the due day; NULL: not yet) and whether that was after the
-- due day. The built-in kinds oblige by unit kind (quarterly-exposure: the office; the others:
-- towns, streets, parks, departments), a custom schedule its own units (none for a due day
-- before it was added), and monthly-dispatch the main units of rectifying problems (made by the
-- end of the due day) with no progress note dated in the month by p_due, naming those problems.
CREATE OR REPLACE FUNCTION duban.report_duty(p_schedule text, p_period text, p_due date)
RETURNS TABLE (unit_id int, submitted_at timestamptz, late boolean, problems text[],
               problem_titles jsonb)
LANGUAGE sql STABLE AS $$
  WITH s AS (
    SELECT sc.name, sc.kind, date_trunc('month', p_due::timestamp)::date AS month_first,
           date_trunc('month', p_due::timestamp) AT TIME ZONE duban.tz() AS month_start,
           (p_due + 1)::timestamp AT TIME ZONE duban.tz() AS due_end
      FROM duban.schedules sc
     WHERE sc.name = p_schedule
       AND (sc.kind <> 'custom' OR p_due >= (sc.created_at AT TIME ZONE duban.tz())::date)
  ), obliged AS (
    SELECT s.name, s.kind, s.month_start, s.due_end, u.id AS unit_id,
           NULL::text[] AS refs, NULL::jsonb AS titles
      FROM s
      JOIN duban.units u ON u.kind = ANY (CASE s.kind WHEN 'quarterly-exposure' THEN ARRAY['office']
                                              ELSE ARRAY['town', 'street', 'park', 'department'] END)
     WHERE s.kind IN ('monthly-self-found', 'quarterly-self-inspection', 'quarterly-exposure')
    UNION ALL
    SELECT s.name, s.kind, s.month_start, s.due_end, su.unit_id, NULL, NULL
      FROM s JOIN duban.schedule_units su ON su.schedule = s.name
     WHERE s.kind = 'custom'
    UNION ALL
    SELECT s.name, s.kind, s.month_start, s.due_end, p.unit_id,
           array_agg(p.ref ORDER BY p.ref), jsonb_object_agg(p.ref, p.title)
      FROM s JOIN duban.problems p ON p.status = 'rectifying' AND p.created_at < s.due_end
     WHERE s.kind = 'monthly-dispatch'
       AND NOT EXISTS (SELECT 1 FROM duban.progress_notes n
                        WHERE n.problem_id = p.id AND n.on_date BETWEEN s.month_first AND p_due)
     GROUP BY s.name, s.kind, s.month_start, s.due_end, p.unit_id
  )
  SELECT o.unit_id, x.at, x.at >= o.due_end, o.refs, o.titles
    FROM obliged o
   CROSS JOIN LATERAL (
           SELECT least((SELECT r.submitted_at FROM duban.reports r
                          WHERE r.schedule = o.name AND r.unit_id = o.unit_id AND r.period = p_period),
                        (SELECT min(p.created_at) FROM duban.problems p
                          WHERE o.kind = 'monthly-self-found' AND p.source = '自查'
                            AND p.unit_id = o.unit_id
                            AND p.created_at >= o.month_start AND p.created_at < o.due_end)) AS at
         ) x
$$;

CREATE OR REPLACE FUNCTION duban.sweep_reports() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_today date := duban.today();
  v_days  date[];
  v_facts duban.notice_fact[];
BEGIN
  PERFORM duban.sweep_lock('reports');
  v_days := duban.sweep_days('reports');
  IF cardinality(v_days) = 0
     OR (NOT EXISTS (SELECT 1 FROM duban.schedule_reminders(v_days[1], v_today) WHERE due >= v_today)
         AND NOT EXISTS (SELECT 1 FROM duban.schedule_dues(v_days[1] - 1, v_today - 1))) THEN
    RETURN 0;
  END IF;
  WITH rem AS (
    -- per period, the latest reminder day that has come, while the due day is not over
    SELECT DISTINCT ON (r.schedule, r.period) 'reminder' AS what, r.schedule, r.kind, r.label,
           r.period, r.due, r.day
      FROM duban.schedule_reminders(v_days[1], v_today) r
     WHERE r.due >= v_today
     ORDER BY r.schedule, r.period, r.day DESC
  ), mis AS (
    SELECT 'missed' AS what, d.schedule, d.kind, d.label, d.period, d.due, d.due + 1 AS day
      FROM duban.schedule_dues(v_days[1] - 1, v_today - 1) d
  ), ev AS (
    SELECT * FROM rem UNION ALL SELECT * FROM mis
  ), owing AS (
    -- a reminder while nothing is submitted; a missed list when nothing came by the due day
    SELECT e.what, e.schedule, e.kind, e.label, e.period, e.due, e.day, d.unit_id,
           d.problems AS refs, d.problem_titles AS titles
      FROM ev e
     CROSS JOIN LATERAL duban.report_duty(e.schedule, e.period, e.due) d
     WHERE d.submitted_at IS NULL OR (e.what = 'missed' AND d.late)
  ), lists AS (
    SELECT o.schedule, o.kind, o.label, o.period, o.due,
           jsonb_agg(u.code ORDER BY u.code) AS units,
           jsonb_object_agg(u.code, u.name) AS unit_names,
           jsonb_agg(jsonb_build_object('unit', u.code, 'name', u.name, 'count', cardinality(o.refs),
                                        'problems', o.refs[1:duban.policy_int('report.missed_problems_max')])
                     ORDER BY u.code) FILTER (WHERE o.refs IS NOT NULL) AS unit_problems
      FROM owing o JOIN duban.units u ON u.id = o.unit_id
     WHERE o.what = 'missed'
     GROUP BY o.schedule, o.kind, o.label, o.period, o.due
  ), facts AS (
    -- a reminder goes to the unit that owes the report
    SELECT ROW(format('reminder:%s:%s:%s:%s', o.schedule, o.period, o.day, o.unit_id), 'reminder', NULL,
               ARRAY[o.unit_id],
               jsonb_build_object(
                 'schedule', o.schedule, 'period', o.period, 'unit', u.code,
                 'due', o.due, 'schedule_label', o.label, 'unit_name', u.name,
                 'days_left', o.due - v_today)
               || CASE WHEN o.refs IS NULL THEN '{}'::jsonb
                       ELSE jsonb_build_object('problems', to_jsonb(o.refs), 'problem_titles', o.titles) END
              )::duban.notice_fact AS fact
      FROM owing o
      JOIN duban.units u ON u.id = o.unit_id
     WHERE o.what = 'reminder'
    UNION ALL
    -- a missed list goes to each office unit (and leadership unit for quarterly-exposure); the
    -- key names the recipient unit, as one list is one fact per recipient
    SELECT ROW(format('missed:%s:%s:%s', l.schedule, l.period, ru.id), 'missed', NULL, ARRAY[ru.id],
               jsonb_build_object(
                 'schedule', l.schedule, 'period', l.period, 'units', l.units,
                 'schedule_label', l.label, 'due', l.due, 'unit_names', l.unit_names)
               || CASE WHEN l.unit_problems IS NULL THEN '{}'::jsonb
                       ELSE jsonb_build_object('unit_problems', l.unit_problems) END
              )::duban.notice_fact
      FROM lists l
      JOIN duban.units ru ON ru.kind = 'office' OR (ru.kind = 'leadership' AND l.kind = 'quarterly-exposure')
    UNION ALL
    -- and each unit that missed is told itself (SPEC §7d): schedule, period and due day (the
    -- office, obliged by quarterly-exposure, has the list)
    SELECT ROW(format('missed-unit:%s:%s:%s', o.schedule, o.period, o.unit_id), 'missed', NULL,
               ARRAY[o.unit_id],
               jsonb_build_object(
                 'schedule', o.schedule, 'period', o.period, 'units', jsonb_build_array(u.code),
                 'unit', u.code, 'unit_name', u.name, 'schedule_label', o.label, 'due', o.due,
                 'unit_names', jsonb_build_object(u.code, u.name))
               || CASE WHEN o.refs IS NULL THEN '{}'::jsonb
                       ELSE jsonb_build_object('problems', to_jsonb(o.refs), 'problem_titles', o.titles) END
              )::duban.notice_fact
      FROM owing o
      JOIN duban.units u ON u.id = o.unit_id
     WHERE o.what = 'missed' AND u.kind NOT IN ('office', 'leadership')
  )
  SELECT array_agg(fact) INTO v_facts FROM facts;
  RETURN duban.notice_emit(v_facts);
END $$;
