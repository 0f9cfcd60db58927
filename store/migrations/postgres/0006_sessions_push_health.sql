-- 0006: who holds a device online, node lives, and the push-failure window
-- (twin of the SQLite 0006).

CREATE TABLE nodes (
	node_id    TEXT   PRIMARY KEY,
	epoch      BIGINT NOT NULL,
	started_at BIGINT NOT NULL
);

ALTER TABLE devices ADD COLUMN owner_node  TEXT   NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN owner_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN owner_seq   BIGINT NOT NULL DEFAULT 0;
CREATE INDEX devices_online_owner ON devices (owner_node, owner_epoch) WHERE online;

CREATE TABLE push_health (
	app_id       TEXT   PRIMARY KEY REFERENCES partners (app_id) ON DELETE CASCADE,
	window_start BIGINT NOT NULL,
	attempts     TEXT   NOT NULL,
	failed       TEXT   NOT NULL,
	warned_at    BIGINT,
	last_error   TEXT   NOT NULL
);
