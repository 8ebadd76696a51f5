-- 009: custom schedules with one-off due dates (`schedule add --dates`, SPEC §7d): `dates` holds
-- them (sorted, distinct); such a schedule has no `days` and no `months`. NULL: not dated.
ALTER TABLE duban.schedules ADD COLUMN dates date[];
ALTER TABLE duban.schedules ADD CONSTRAINT schedules_dates_custom
  CHECK (dates IS NULL OR (kind = 'custom' AND cardinality(dates) > 0
                           AND cardinality(days) = 0 AND months IS NULL));
