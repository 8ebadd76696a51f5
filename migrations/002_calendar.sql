-- 002: working-day calendar (SPEC §3). Monday-Friday work unless duban.calendar says
-- otherwise; ships the State Council General Office holiday notices for 2024-2026.
-- One implementation, used by both programs and every sweep.

CREATE FUNCTION duban.is_workday(p_day date) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT workday FROM duban.calendar WHERE day = p_day),
                  extract(isodow FROM p_day) < 6)
$$;

-- The Nth working day after p_day (p_n >= 1); p_n = 0 gives p_day itself.
CREATE FUNCTION duban.add_workdays(p_day date, p_n int) RETURNS date LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN p_n <= 0 THEN p_day ELSE (
    SELECT d::date FROM generate_series(p_day + 1, p_day + p_n * 2 + 40, interval '1 day') d
     WHERE duban.is_workday(d::date) ORDER BY d OFFSET p_n - 1 LIMIT 1) END
$$;

-- The latest working day strictly before p_day.
CREATE FUNCTION duban.prev_workday(p_day date) RETURNS date LANGUAGE sql STABLE AS $$
  SELECT d::date FROM generate_series(p_day - 1, p_day - 40, interval '-1 day') d
   WHERE duban.is_workday(d::date) ORDER BY d DESC LIMIT 1
$$;

-- p_day if it is a working day, else the working day before it.
CREATE FUNCTION duban.workday_on_or_before(p_day date) RETURNS date LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN duban.is_workday(p_day) THEN p_day ELSE duban.prev_workday(p_day) END
$$;

-- p_day if it is a working day, else the next working day.
CREATE FUNCTION duban.workday_on_or_after(p_day date) RETURNS date LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN duban.is_workday(p_day) THEN p_day ELSE duban.add_workdays(p_day, 1) END
$$;

-- Number of working days in (p_from, p_to].
CREATE FUNCTION duban.workdays_between(p_from date, p_to date) RETURNS int LANGUAGE sql STABLE AS $$
  SELECT count(*)::int FROM generate_series(p_from + 1, p_to, interval '1 day') d
   WHERE duban.is_workday(d::date)
$$;

INSERT INTO duban.calendar (day, workday, name) VALUES
('2024-01-01', false, '元旦'),
('2024-02-10', false, '春节'),
('2024-02-11', false, '春节'),
('2024-02-12', false, '春节'),
('2024-02-13', false, '春节'),
('2024-02-14', false, '春节'),
('2024-02-15', false, '春节'),
('2024-02-16', false, '春节'),
('2024-02-17', false, '春节'),
('2024-04-04', false, '清明节'),
('2024-04-05', false, '清明节'),
('2024-04-06', false, '清明节'),
('2024-05-01', false, '劳动节'),
('2024-05-02', false, '劳动节'),
('2024-05-03', false, '劳动节'),
('2024-05-04', false, '劳动节'),
('2024-05-05', false, '劳动节'),
('2024-06-10', false, '端午节'),
('2024-09-15', false, '中秋节'),
('2024-09-16', false, '中秋节'),
('2024-09-17', false, '中秋节'),
('2024-10-01', false, '国庆节'),
('2024-10-02', false, '国庆节'),
('2024-10-03', false, '国庆节'),
('2024-10-04', false, '国庆节'),
('2024-10-05', false, '国庆节'),
('2024-10-06', false, '国庆节'),
('2024-10-07', false, '国庆节'),
('2024-02-04', true, '调休上班'),
('2024-02-18', true, '调休上班'),
('2024-04-07', true, '调休上班'),
('2024-04-28', true, '调休上班'),
('2024-05-11', true, '调休上班'),
('2024-09-14', true, '调休上班'),
('2024-09-29', true, '调休上班'),
('2024-10-12', true, '调休上班'),
('2025-01-01', false, '元旦'),
('2025-01-28', false, '春节'),
('2025-01-29', false, '春节'),
('2025-01-30', false, '春节'),
('2025-01-31', false, '春节'),
('2025-02-01', false, '春节'),
('2025-02-02', false, '春节'),
('2025-02-03', false, '春节'),
('2025-02-04', false, '春节'),
('2025-04-04', false, '清明节'),
('2025-04-05', false, '清明节'),
('2025-04-06', false, '清明节'),
('2025-05-01', false, '劳动节'),
('2025-05-02', false, '劳动节'),
('2025-05-03', false, '劳动节'),
('2025-05-04', false, '劳动节'),
('2025-05-05', false, '劳动节'),
('2025-05-31', false, '端午节'),
('2025-06-01', false, '端午节'),
('2025-06-02', false, '端午节'),
('2025-10-01', false, '国庆节、中秋节'),
('2025-10-02', false, '国庆节、中秋节'),
('2025-10-03', false, '国庆节、中秋节'),
('2025-10-04', false, '国庆节、中秋节'),
('2025-10-05', false, '国庆节、中秋节'),
('2025-10-06', false, '国庆节、中秋节'),
('2025-10-07', false, '国庆节、中秋节'),
('2025-10-08', false, '国庆节、中秋节'),
('2025-01-26', true, '调休上班'),
('2025-02-08', true, '调休上班'),
('2025-04-27', true, '调休上班'),
('2025-09-28', true, '调休上班'),
('2025-10-11', true, '调休上班'),
('2026-01-01', false, '元旦'),
('2026-01-02', false, '元旦'),
('2026-01-03', false, '元旦'),
('2026-02-15', false, '春节'),
('2026-02-16', false, '春节'),
('2026-02-17', false, '春节'),
('2026-02-18', false, '春节'),
('2026-02-19', false, '春节'),
('2026-02-20', false, '春节'),
('2026-02-21', false, '春节'),
('2026-02-22', false, '春节'),
('2026-02-23', false, '春节'),
('2026-04-04', false, '清明节'),
('2026-04-05', false, '清明节'),
('2026-04-06', false, '清明节'),
('2026-05-01', false, '劳动节'),
('2026-05-02', false, '劳动节'),
('2026-05-03', false, '劳动节'),
('2026-05-04', false, '劳动节'),
('2026-05-05', false, '劳动节'),
('2026-06-19', false, '端午节'),
('2026-06-20', false, '端午节'),
('2026-06-21', false, '端午节'),
('2026-09-25', false, '中秋节'),
('2026-09-26', false, '中秋节'),
('2026-09-27', false, '中秋节'),
('2026-10-01', false, '国庆节'),
('2026-10-02', false, '国庆节'),
('2026-10-03', false, '国庆节'),
('2026-10-04', false, '国庆节'),
('2026-10-05', false, '国庆节'),
('2026-10-06', false, '国庆节'),
('2026-10-07', false, '国庆节'),
('2026-01-04', true, '调休上班'),
('2026-02-14', true, '调休上班'),
('2026-02-28', true, '调休上班'),
('2026-05-09', true, '调休上班'),
('2026-09-20', true, '调休上班'),
('2026-10-10', true, '调休上班');
