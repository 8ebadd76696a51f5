-- sql/22_import.sql
-- Support for bulk imports (`dubanctl problem import`): fresh planner statistics for what an
-- import changed, in its own transaction, so that the sweep a running daemon starts right after
-- the import (woken by its NOTIFY) is planned on the new ledger, not the old one.

-- Analyzes the ledger tables an import writes when it changed enough of them to matter (the
-- autovacuum rule: 50 rows + 10 % of the table). SECURITY DEFINER: ANALYZE needs the tables'
-- owner (the role that ran migrate), dubanctl may run as another. Returns whether it analyzed.
-- A sample of 6,000 rows (statistics target 20, not 100) is plenty for these columns' few
-- values and dates, and five times cheaper.
CREATE OR REPLACE FUNCTION duban.import_analyze(p_changed bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET default_statistics_target = 20 AS $$
BEGIN
  IF p_changed < 50 + 0.1 * greatest((SELECT reltuples FROM pg_class
                                       WHERE oid = 'duban.problems'::regclass), 0) THEN
    RETURN false;
  END IF;
  -- the columns the rules filter, join and group on; the long texts (title, measures …) would
  -- cost most of the time and help no plan
  ANALYZE duban.problems (status, unit_id, source, deadline, progress, ladder_due,
                          acceptance_next_on, applied_on, accepted_on, closed_on, created_at);
  ANALYZE duban.ladders;
  ANALYZE duban.progress_notes;
  RETURN true;
END $$;
