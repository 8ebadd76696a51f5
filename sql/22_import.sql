-- sql/22_import.sql
-- Support for bulk imports (`dubanctl problem import`): fresh planner statistics for what an
-- import changed, in its own transaction, so that the sweep a running daemon starts right after
-- the import (woken by its NOTIFY) is planned on the new ledger, not the old one.

-- Analyzes the ledger tables an import writes when it changed enough of them to matter (the
-- autovacuum rule: 50 rows + 10 % of the table). SECURITY DEFINER: ANALYZE needs the tables'
-- owner (the role that ran migrate), dubanctl may run as another. Returns whether it analyzed.
CREATE OR REPLACE FUNCTION duban.import_analyze(p_changed bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF p_changed < 50 + 0.1 * greatest((SELECT reltuples FROM pg_class
                                       WHERE oid = 'duban.problems'::regclass), 0) THEN
    RETURN false;
  END IF;
  ANALYZE duban.problems;
  ANALYZE duban.progress_notes;
  RETURN true;
END $$;
