-- 0007: node leases (twin of the SQLite 0007). NULL: no lease yet; 0: the
-- life was reaped by another node and may not renew.
ALTER TABLE nodes ADD COLUMN lease_until BIGINT;
