-- 0011: counts the nodes sharing a store add up (issue 16): which app
-- sessions watch a device, and a partner's push attempts.

-- How many app sessions of one node life watch a device (core.Presence),
-- so a device's cli2ser_req 0x020F counts the apps on every node. A node
-- keeps one row per device it has watchers for, under its current epoch;
-- the readers join nodes and leave out lives that are over (restarted,
-- or reaped after their lease lapsed), whose rows are deleted later.
CREATE TABLE app_presence (
	did      TEXT    NOT NULL,
	node_id  TEXT    NOT NULL,
	epoch    INTEGER NOT NULL,
	sessions INTEGER NOT NULL CHECK (sessions > 0),
	PRIMARY KEY (did, node_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX app_presence_life ON app_presence (node_id, epoch);

-- A partner's push attempts per time bucket (partners/pushhealth.go), added
-- to by every node that delivers for it, so the failure rule judges the
-- partner's pushes and not one node's share of them.
CREATE TABLE push_counts (
	app_id   TEXT    NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	bucket   INTEGER NOT NULL, -- start of the bucket
	attempts INTEGER NOT NULL,
	failed   INTEGER NOT NULL,
	PRIMARY KEY (app_id, bucket)
) STRICT, WITHOUT ROWID;

-- push_health keeps the warning clock and the last error; its per-node
-- windows are replaced by push_counts. The current window's counts start
-- afresh on upgrade, a warning keeps its clock.
ALTER TABLE push_health DROP COLUMN window_start;
ALTER TABLE push_health DROP COLUMN attempts;
ALTER TABLE push_health DROP COLUMN failed;
