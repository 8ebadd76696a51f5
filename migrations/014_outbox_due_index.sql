-- 014: the index of pending notices by next_attempt_at served the claim that rescanned every
-- pending notice; since 013 the claim and the wait read pending notices by channel
-- (notices_claim_idx), and nothing reads this one. Every notice written and every notice
-- sent still paid for it.
DROP INDEX duban.notices_pending_idx;
