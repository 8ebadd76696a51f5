-- 006: what the chat groups receive (SPEC §4, §8): a channel's robot keyword (every message to
-- it contains the word), and the notices the status transitions make in their own transaction
-- (sql/34_transition_notices.sql).
ALTER TABLE duban.channels ADD COLUMN keyword text
  CHECK (keyword IS NULL OR (keyword <> '' AND length(keyword) <= 64 AND keyword !~ '[[:cntrl:]]'));
COMMENT ON COLUMN duban.channels.keyword IS
  'the word the robot''s keyword security requires: every message to the channel contains it';
ALTER TABLE duban.notices DROP CONSTRAINT notices_type_check;
ALTER TABLE duban.notices ADD CONSTRAINT notices_type_check
  CHECK (type IN ('escalation', 'acceptance', 'closed', 'reminder', 'missed', 'bulletin',
                  'deduction', 'sample', 'calendar', 'test', 'applied', 'rejected', 'objected',
                  'publicity', 'reopened'));
