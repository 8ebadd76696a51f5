-- 002: the weekly `calendar` notice to the office while the working-day calendar lacks a year
-- (SPEC §3, §8; the rule is sql/54_calendar_notice.sql).
ALTER TABLE duban.notices DROP CONSTRAINT notices_type_check;
ALTER TABLE duban.notices ADD CONSTRAINT notices_type_check
  CHECK (type IN ('escalation', 'acceptance', 'closed', 'reminder', 'missed', 'bulletin',
                  'deduction', 'sample', 'calendar', 'test'));
