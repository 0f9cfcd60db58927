-- 0009: who holds a push's claim (twin of the SQLite 0009).
ALTER TABLE push_outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '' COLLATE "C";
