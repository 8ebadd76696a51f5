-- sql/12_calendar.sql
-- Working days (SPEC §3): Monday-Friday unless duban.calendar says otherwise. One
-- implementation, used by both programs and every sweep.

CREATE OR REPLACE FUNCTION duban.is_workday(p_day date) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT workday FROM duban.calendar WHERE day = p_day),
                  extract(isodow FROM p_day) < 6)
$$;

-- The Nth working day after p_day (p_n >= 1); p_n = 0 gives p_day itself.
CREATE OR REPLACE FUNCTION duban.add_workdays(p_day date, p_n int) RETURNS date LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN p_n <= 0 THEN p_day ELSE (
    SELECT d::date FROM generate_series(p_day + 1, p_day + p_n * 2 + 40, interval '1 day') d
     WHERE duban.is_workday(d::date) ORDER BY d OFFSET p_n - 1 LIMIT 1) END
$$;

-- The latest working day strictly before p_day.
CREATE OR REPLACE FUNCTION duban.prev_workday(p_day date) RETURNS date LANGUAGE sql STABLE AS $$
  SELECT d::date FROM generate_series(p_day - 1, p_day - 40, interval '-1 day') d
   WHERE duban.is_workday(d::date) ORDER BY d DESC LIMIT 1
$$;

-- p_day if it is a working day, else the working day before it.
CREATE OR REPLACE FUNCTION duban.workday_on_or_before(p_day date) RETURNS date LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN duban.is_workday(p_day) THEN p_day ELSE duban.prev_workday(p_day) END
$$;

-- p_day if it is a working day, else the next working day.
CREATE OR REPLACE FUNCTION duban.workday_on_or_after(p_day date) RETURNS date LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN duban.is_workday(p_day) THEN p_day ELSE duban.add_workdays(p_day, 1) END
$$;

-- Number of working days in (p_from, p_to].
CREATE OR REPLACE FUNCTION duban.workdays_between(p_from date, p_to date) RETURNS int LANGUAGE sql STABLE AS $$
  SELECT count(*)::int FROM generate_series(p_from + 1, p_to, interval '1 day') d
   WHERE duban.is_workday(d::date)
$$;

-- How far the calendar reaches (SPEC §3): 31 December of the last year it holds a date of,
-- NULL when it is empty.
CREATE OR REPLACE FUNCTION duban.calendar_until() RETURNS date LANGUAGE sql STABLE AS $$
  SELECT make_date(extract(year FROM max(day))::int, 12, 31) FROM duban.calendar
$$;

-- Whether the calendar holds any date of year p_year (an index range probe).
CREATE OR REPLACE FUNCTION duban.calendar_holds(p_year int) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT FROM duban.calendar
                  WHERE day >= make_date(p_year, 1, 1) AND day < make_date(p_year + 1, 1, 1))
$$;

-- The year to import as of p_day: p_day's year when the calendar holds none of its dates, or,
-- from 1 December, the next year when it holds none of that; NULL when nothing is missing.
CREATE OR REPLACE FUNCTION duban.calendar_missing(p_day date) RETURNS int LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN NOT duban.calendar_holds(y) THEN y
              WHEN extract(month FROM p_day) = 12 AND NOT duban.calendar_holds(y + 1) THEN y + 1 END
    FROM (SELECT extract(year FROM p_day)::int AS y) t
$$;

-- The calendar's reach at the clock's today, as dubanctl status, the sweep's warning and
-- /metrics report it: until (calendar_until), until_days (from today; negative past it),
-- missing (calendar_missing of today).
CREATE OR REPLACE FUNCTION duban.calendar_state(OUT until date, OUT until_days int, OUT missing int)
LANGUAGE sql STABLE AS $$
  SELECT u, u - duban.today(), duban.calendar_missing(duban.today()) FROM duban.calendar_until() u
$$;
