-- 0009: who holds a push's claim (a delivery round's row lease), so a node
-- that restarts releases its own claims at once instead of waiting for
-- them to lapse. '' when unclaimed.
ALTER TABLE push_outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
