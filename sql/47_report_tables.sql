-- sql/47_report_tables.sql
-- Tables on a schedule (SPEC §7d, §11): a custom schedule with a `table` (schedule add --table)
-- has the table made and sent to the office on each due day; a due day that is not a working
-- day moves to the working day before it, as reminders do. One `table` notice per office
-- channel and due day (key table:SCHEDULE:PERIOD:UNIT), made at the first sweep of that day, or
-- at the next sweep after downtime — once, for the latest table day missed per schedule (the
-- table is the ledger as of the sending: older copies would say nothing new). How it travels
-- (a WeCom file, a link under web.base_url) is duband's business: see deliver_sent_many.

-- The table days in [p_from, p_to]: per due date of a schedule with a table, the working day
-- on or before it.
CREATE OR REPLACE FUNCTION duban.schedule_table_days(p_from date, p_to date)
RETURNS TABLE (schedule text, label text, table_name text, period text, due date, day date)
LANGUAGE sql STABLE AS $$
  SELECT d.schedule, d.label, s.table_name, d.period, d.due, duban.workday_on_or_before(d.due)
    FROM duban.schedules s
   CROSS JOIN LATERAL duban.schedule_dues(p_from, p_to + 45) d
   WHERE s.table_name IS NOT NULL AND d.schedule = s.name
     AND duban.workday_on_or_before(d.due) BETWEEN p_from AND p_to
$$;

CREATE OR REPLACE FUNCTION duban.sweep_tables() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_today date := duban.today();
  v_tz    text := duban.tz();
  v_days  date[];
  v_facts duban.notice_fact[];
BEGIN
  PERFORM duban.sweep_lock('tables');
  v_days := duban.sweep_days('tables');
  IF cardinality(v_days) = 0 OR NOT EXISTS (SELECT 1 FROM duban.schedules WHERE table_name IS NOT NULL) THEN
    RETURN 0;
  END IF;
  WITH due AS (
    -- per schedule, the latest table day that has come; none for due days before it was added
    SELECT DISTINCT ON (t.schedule) t.*
      FROM duban.schedule_table_days(v_days[1], v_today) t
      JOIN duban.schedules s ON s.name = t.schedule
     WHERE t.due >= (s.created_at AT TIME ZONE v_tz)::date
     ORDER BY t.schedule, t.day DESC, t.due DESC
  )
  SELECT array_agg(ROW(format('table:%s:%s:%s', d.schedule, d.period, ru), 'table', NULL, ARRAY[ru],
                       jsonb_build_object('schedule', d.schedule, 'schedule_label', d.label,
                                          'period', d.period, 'table', d.table_name,
                                          'due', d.due, 'day', d.day)
                      )::duban.notice_fact)
    INTO v_facts
    FROM due d CROSS JOIN unnest(duban.office_units()) ru;
  RETURN duban.notice_emit(v_facts);
END $$;
