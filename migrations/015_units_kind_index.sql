-- 015: every sweep reads the office's and the leadership's units (duban.office_units(),
-- duban.leadership_units()) before it knows whether anything is due; on a district of 5,000
-- units each read scanned the whole table (0.6 ms), a third of an idle sweep. The two or three
-- special units are found through this index instead; their ids come from it in order.
CREATE INDEX units_kind_idx ON duban.units (kind, id);
