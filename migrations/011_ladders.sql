-- 011: the ladder's moving state in a narrow table of its own. The ladder sweep
-- (sql/40_ladder.sql) raises thousands of problems a stage on a busy day; as columns of
-- duban.problems every raise rewrote the wide problem row, a new entry in each of its indexes,
-- and passed it through the problems triggers (1M ledger, 10,000 raises: the UPDATE alone
-- 260–400 ms). Here a raise rewrites a row of five small columns with two indexes (38 ms).
-- The due date D (problems.ladder_due) stays on the problem: it changes only with the
-- deadline or the milestones, and the overdue filters read it there.
--
-- One row per problem that has been open: a bulk import writes the rows of its open problems
-- set-based, the problem triggers write the others (sql/40_ladder.sql). A problem without a row
-- is at stage 0 and off the ladder. No foreign key: duban never deletes problems (see 008), and
-- a first import of a million problems must not pay a check per row.
CREATE TABLE duban.ladders (
  problem_id         bigint PRIMARY KEY,
  stage              smallint NOT NULL DEFAULT 0 CHECK (stage BETWEEN 0 AND 4),
  supervise_first_on date,
  supervise_cycle    int NOT NULL DEFAULT 0,
  next_on            date      -- the next local date the ladder may move; NULL: off the ladder
);
COMMENT ON TABLE duban.ladders IS
  'the rectification ladder of each problem (SPEC §7a): stage 0–4 (none, prompt, warn, supervise, interview), kept by duban.sweep_ladder() and the problem triggers';

INSERT INTO duban.ladders (problem_id, stage, supervise_first_on, supervise_cycle, next_on)
SELECT id, ladder_stage, supervise_first_on, supervise_cycle, ladder_next_on
  FROM duban.problems
 WHERE status <> 'closed' OR ladder_stage <> 0;

CREATE INDEX ladders_next_idx ON duban.ladders (next_on) WHERE next_on IS NOT NULL;

ALTER TABLE duban.problems
  DROP COLUMN ladder_stage,
  DROP COLUMN supervise_first_on,
  DROP COLUMN supervise_cycle,
  DROP COLUMN ladder_next_on;
