-- 005: a problem's contact (责任人 and phone), the enforcement figures of seed 003's
-- attachment 2 (SPEC §4), and 阶段办结 (SPEC §6): the office reports that a long-term
-- problem's current stage target is met; it stays rectifying.
ALTER TABLE duban.problems
  ADD COLUMN contact           text NOT NULL DEFAULT '',
  ADD COLUMN stage_done        boolean NOT NULL DEFAULT false,
  ADD COLUMN verified          text CHECK (verified IN ('属实', '部分属实', '不属实')),
  ADD COLUMN ordered           int NOT NULL DEFAULT 0 CHECK (ordered >= 0),
  ADD COLUMN penalized         int NOT NULL DEFAULT 0 CHECK (penalized >= 0),
  ADD COLUMN fine              numeric(12, 4) NOT NULL DEFAULT 0 CHECK (fine >= 0),
  ADD COLUMN investigated      int NOT NULL DEFAULT 0 CHECK (investigated >= 0),
  ADD COLUMN detained_admin    int NOT NULL DEFAULT 0 CHECK (detained_admin >= 0),
  ADD COLUMN detained_criminal int NOT NULL DEFAULT 0 CHECK (detained_criminal >= 0),
  ADD COLUMN interviewed       int NOT NULL DEFAULT 0 CHECK (interviewed >= 0),
  ADD COLUMN accountable       int NOT NULL DEFAULT 0 CHECK (accountable >= 0);
COMMENT ON COLUMN duban.problems.contact IS '责任人 and phone, free text; shown to the main unit';
COMMENT ON COLUMN duban.problems.stage_done IS '阶段办结: the current stage target of a long-term problem is met (it stays rectifying)';
COMMENT ON COLUMN duban.problems.verified IS '属实 / 部分属实 / 不属实; NULL: not verified yet';
COMMENT ON COLUMN duban.problems.fine IS '罚款 in 万元';
