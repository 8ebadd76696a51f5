-- sql/90_sweep_all.sql
-- The sweep entry point duband calls: every sweep, in order, in the caller's one transaction,
-- each run recorded by duban.sweep_mark(). Returns (sweep, notices made) per sweep.

CREATE OR REPLACE FUNCTION duban.sweep_all() RETURNS TABLE (sweep text, notices int) LANGUAGE plpgsql AS $$
DECLARE t timestamptz;
BEGIN
  t := clock_timestamp(); sweep := 'ladder'; notices := duban.sweep_ladder();
  PERFORM duban.sweep_mark(sweep, notices, t); RETURN NEXT;
  t := clock_timestamp(); sweep := 'acceptance'; notices := duban.sweep_acceptance();
  PERFORM duban.sweep_mark(sweep, notices, t); RETURN NEXT;
  t := clock_timestamp(); sweep := 'publicity'; notices := duban.sweep_publicity();
  PERFORM duban.sweep_mark(sweep, notices, t); RETURN NEXT;
  t := clock_timestamp(); sweep := 'reports'; notices := duban.sweep_reports();
  PERFORM duban.sweep_mark(sweep, notices, t); RETURN NEXT;
  t := clock_timestamp(); sweep := 'tables'; notices := duban.sweep_tables();
  PERFORM duban.sweep_mark(sweep, notices, t); RETURN NEXT;
  t := clock_timestamp(); sweep := 'bulletin'; notices := duban.sweep_bulletin();
  PERFORM duban.sweep_mark(sweep, notices, t); RETURN NEXT;
  t := clock_timestamp(); sweep := 'sample'; notices := duban.sweep_sample();
  PERFORM duban.sweep_mark(sweep, notices, t); RETURN NEXT;
  t := clock_timestamp(); sweep := 'calendar'; notices := duban.sweep_calendar();
  PERFORM duban.sweep_mark(sweep, notices, t); RETURN NEXT;
END $$;
