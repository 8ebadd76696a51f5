-- sql/54_calendar_notice.sql
-- The calendar notice (SPEC §3, §8 `calendar`): while the working-day calendar lacks a year
-- (duban.calendar_missing: the current one, or from 1 December the next one), the office is
-- told once per ISO week — on the first working day of the week on which the year is missing
-- (so on 1 December itself when that is a working day) — which year to import, until it is
-- imported. Past the last covered date working days are Monday–Friday. A daemon that was down
-- makes the week's notice at its next sweep (the latest missed working day counts); weeks
-- missed entirely are not sent one by one: one notice says it all.

CREATE OR REPLACE FUNCTION duban.sweep_calendar() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_day   date;
  v_year  int;
  v_facts duban.notice_fact[];
BEGIN
  PERFORM duban.sweep_lock('calendar');
  SELECT d, m INTO v_day, v_year
    FROM unnest(duban.sweep_days('calendar')) d, duban.calendar_missing(d) m
   WHERE m IS NOT NULL AND duban.is_workday(d)
   ORDER BY d DESC LIMIT 1;
  IF v_day IS NULL THEN
    RETURN 0;
  END IF;
  -- to every office unit; the key names the year, the ISO week and the recipient unit
  SELECT array_agg(ROW(format('calendar:%s:%s:%s', v_year, to_char(v_day, 'IYYY-"W"IW'), ru),
                       'calendar', NULL, ARRAY[ru],
                       jsonb_build_object('year', v_year, 'until', duban.calendar_until())
                      )::duban.notice_fact)
    INTO v_facts
    FROM unnest(duban.office_units()) ru;
  RETURN duban.notice_emit(v_facts);
END $$;
