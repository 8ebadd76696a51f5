-- 007: problem imports as one record each. A bulk import writes its problems set-based and
-- records itself once in duban.imports (who, when, which file, how many rows) instead of one
-- history row per problem; each problem it created points to it with import_id, and
-- duban.problem_history (sql/20_history.sql) shows that as the problem's creation entry.
-- duban.imports is append-only (triggers in sql/20_history.sql), so import_id stays valid
-- without a per-row foreign-key check on the bulk path.

CREATE TABLE duban.imports (
  id       bigserial PRIMARY KEY,
  at       timestamptz NOT NULL DEFAULT duban.now(),
  actor    text NOT NULL DEFAULT duban.actor(),
  kind     text NOT NULL CHECK (kind IN ('problems')),
  file     text NOT NULL,
  added    int NOT NULL CHECK (added >= 0),
  updated  int NOT NULL CHECK (updated >= 0)
);

ALTER TABLE duban.problems ADD COLUMN import_id bigint;
COMMENT ON COLUMN duban.problems.import_id IS
  'the duban.imports row that created the problem (its creation entry), NULL when created otherwise';

-- The main unit is checked set-based like the supervisors (sql/14_problem_units.sql): a bulk
-- import of a million problems then pays one query instead of a million foreign-key checks.
ALTER TABLE duban.problems DROP CONSTRAINT problems_unit_id_fkey;
