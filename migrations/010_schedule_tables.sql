-- 010: tables on a schedule (SPEC §5 `schedule add --table`, §7(d)): a custom schedule may name
-- a statutory table of §11, made on each due day and sent to the office (the rule is
-- sql/47_report_tables.sql): `table` notices (one per office channel and due day) and, for
-- WeCom robots, `table_file` notices (the file message, made once the text went out).
ALTER TABLE duban.schedules ADD COLUMN table_name text;
ALTER TABLE duban.schedules ADD CONSTRAINT schedules_table_name_check
  CHECK (table_name IS NULL OR (kind = 'custom' AND table_name IN ('ledger', 'attachment1',
                                                                   'attachment2', 'bulletin',
                                                                   'closure')));
COMMENT ON COLUMN duban.schedules.table_name IS
  'the §11 table made and sent to the office on each due day (schedule add --table); NULL: none';
ALTER TABLE duban.notices DROP CONSTRAINT notices_type_check;
ALTER TABLE duban.notices ADD CONSTRAINT notices_type_check
  CHECK (type IN ('escalation', 'acceptance', 'closed', 'reminder', 'missed', 'bulletin',
                  'deduction', 'sample', 'calendar', 'test', 'applied', 'rejected', 'objected',
                  'publicity', 'reopened', 'table', 'table_file'));
