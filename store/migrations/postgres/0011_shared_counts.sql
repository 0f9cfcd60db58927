-- 0011: counts the nodes sharing a store add up (twin of the SQLite 0011).

CREATE TABLE app_presence (
	did      TEXT   NOT NULL,
	node_id  TEXT   NOT NULL,
	epoch    BIGINT NOT NULL,
	sessions BIGINT NOT NULL CHECK (sessions > 0),
	PRIMARY KEY (did, node_id)
);
CREATE INDEX app_presence_life ON app_presence (node_id, epoch);

CREATE TABLE push_counts (
	app_id   TEXT   NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	bucket   BIGINT NOT NULL,
	attempts BIGINT NOT NULL,
	failed   BIGINT NOT NULL,
	PRIMARY KEY (app_id, bucket)
);

ALTER TABLE push_health DROP COLUMN window_start;
ALTER TABLE push_health DROP COLUMN attempts;
ALTER TABLE push_health DROP COLUMN failed;
