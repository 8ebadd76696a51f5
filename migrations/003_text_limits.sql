-- 003: length limits of the indexed text columns, in characters: the same numbers as
-- include/duban/limits.h, which dubanctl checks first (bad data, exit 65); here they keep any
-- other writer (psql, dubanweb) from a btree's "index row size exceeds maximum" error.
-- NOT VALID: rows already stored are not re-checked (none can be longer than an index allows,
-- and an upgrade must not fail on an old, odd but working row); new and updated rows are.

ALTER TABLE duban.problems ADD CONSTRAINT problems_ref_length
  CHECK (char_length(ref) <= 64) NOT VALID;
ALTER TABLE duban.units ADD CONSTRAINT units_code_length
  CHECK (char_length(code) <= 32) NOT VALID;
ALTER TABLE duban.units ADD CONSTRAINT units_name_length
  CHECK (char_length(name) <= 100) NOT VALID;
ALTER TABLE duban.channels ADD CONSTRAINT channels_url_length
  CHECK (char_length(url) <= 512) NOT VALID;
ALTER TABLE duban.schedules ADD CONSTRAINT schedules_name_length
  CHECK (char_length(name) <= 64) NOT VALID;
