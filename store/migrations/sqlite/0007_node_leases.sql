-- 0007: node leases (issue 16). A node renews its lease while it runs; when
-- it lapses, another node ends the dead node's device sessions. NULL: no
-- lease yet (a node just started, or a row from before leases); 0: the
-- life was reaped by another node and may not renew.
ALTER TABLE nodes ADD COLUMN lease_until INTEGER;
