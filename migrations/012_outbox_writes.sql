-- 012: cheaper notice writes; a sweep that fires 15,000 notices spent as long writing them as
-- deciding them.
--
-- The outbox's last per-row foreign key goes (see 008 for the other two). Its check cost about
-- as much as writing the notices (the RI trigger's lookup and row lock per notice: 220–250 ms
-- of 450–550 for 15,000 on the 2-core machine). duban.notice_emit() (sql/32_notices.sql) is the
-- only writer and takes every channel from a join, and duban never deletes channels or units;
-- a channel deleted by hand still takes its notices with it, through the statement trigger
-- channels_notices_cascade (sql/32_notices.sql), which first waits out every transaction
-- writing notices so that none can add one for it afterwards.
ALTER TABLE duban.notices DROP CONSTRAINT notices_channel_id_fkey;

-- An index of every notice by status served only the count of dead ones; every write paid
-- for it. The dead are few: a partial index is enough.
DROP INDEX duban.notices_status_idx;
CREATE INDEX notices_dead_idx ON duban.notices (id) WHERE status = 'dead';

-- Keys are ASCII (`escalation:<problem>:<D>:<stage>:<cycle>:<channel>`): compared byte by byte,
-- not by the database's locale (zh_CN.UTF-8 collation on an office's server is many times
-- slower), in the unique index every new notice is checked against.
ALTER TABLE duban.notices ALTER COLUMN key TYPE text COLLATE "C";
