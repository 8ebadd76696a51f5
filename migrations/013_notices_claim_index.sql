-- 013: the claim pages through channels (sql/60_delivery.sql, duban.deliver_claim): it walks the
-- channels that have pending notices in id order from a cursor and reads each one's pending
-- notices most urgent first, both through this one partial index, instead of rescanning every
-- pending notice each round. It replaces the (channel_id) index of the same rows, which it
-- covers (deliver_sent_many and deliver_wait read pending notices by channel).
CREATE INDEX notices_claim_idx ON duban.notices (channel_id, urgency DESC, id) WHERE status = 'pending';
DROP INDEX duban.notices_channel_pending_idx;
