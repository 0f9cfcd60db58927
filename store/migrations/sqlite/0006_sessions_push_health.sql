-- 0006: who holds a device online, node lives, and the push-failure window
-- (issue 13). Presence must survive a crash: a node that restarts ends the
-- sessions of its previous life, and an offline write is a compare-and-set
-- on the session that owns the device, so a stale offline never overrides a
-- newer online.

-- One row per node id; epoch grows by one on every start of that node.
CREATE TABLE nodes (
	node_id    TEXT    PRIMARY KEY,
	epoch      INTEGER NOT NULL,
	started_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The session that put the device online (or last did): node, that node's
-- epoch, and the node's session counter. Rows online before this migration
-- get owner '' (no node), which every node's start-up reconcile ends.
ALTER TABLE devices ADD COLUMN owner_node  TEXT    NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN owner_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN owner_seq   INTEGER NOT NULL DEFAULT 0;
-- The reconcile's look-up: online devices of one node.
CREATE INDEX devices_online_owner ON devices (owner_node, owner_epoch) WHERE online = 1;

-- A partner's push-failure window (core/pushhealth.go): buckets newest
-- first as JSON arrays of counts, the start of the newest bucket, and when
-- the partner was warned (NULL: not warned).
CREATE TABLE push_health (
	app_id       TEXT    PRIMARY KEY REFERENCES partners (app_id) ON DELETE CASCADE,
	window_start INTEGER NOT NULL,
	attempts     TEXT    NOT NULL,
	failed       TEXT    NOT NULL,
	warned_at    INTEGER,
	last_error   TEXT    NOT NULL
) STRICT, WITHOUT ROWID;
