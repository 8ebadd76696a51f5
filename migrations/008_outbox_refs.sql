-- 008: the outbox keeps one foreign key per notice, not three. duban.notice_emit()
-- (sql/32_notices.sql) is the only writer and takes unit and channel from a join, so the unit is
-- always the channel's, and a deleted channel (or unit: channels cascade) still removes its
-- notices through notices_channel_id_fkey. problem_id names a problem of the same transaction;
-- duban never deletes problems. A sweep firing 100,000 notices saves 200,000 per-row checks.
ALTER TABLE duban.notices DROP CONSTRAINT notices_unit_id_fkey;
ALTER TABLE duban.notices DROP CONSTRAINT notices_problem_id_fkey;
