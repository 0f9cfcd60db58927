-- 0004: what the Aqara-style partner API keeps per user, and the durable
-- push outbox (twin of the SQLite 0004; docs/protocol-aqara.md).

ALTER TABLE partners ADD COLUMN user_app_id TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN push_suspended BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE partners ADD COLUMN push_suspended_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN push_suspended_at BIGINT;

CREATE TABLE aqara_auth_codes (
	app_id     TEXT   NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	uid        TEXT   NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	code       TEXT   NOT NULL,
	validity   BIGINT NOT NULL,
	attempts   BIGINT NOT NULL DEFAULT 0,
	expires_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, uid)
);

CREATE TABLE aqara_tokens (
	access_hash        TEXT   PRIMARY KEY,
	refresh_hash       TEXT   NOT NULL UNIQUE,
	app_id             TEXT   NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	uid                TEXT   NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	access_expires_at  BIGINT NOT NULL,
	refresh_expires_at BIGINT NOT NULL,
	created_at         BIGINT NOT NULL
);
CREATE INDEX aqara_tokens_app_uid ON aqara_tokens (app_id, uid);
CREATE INDEX aqara_tokens_by_uid  ON aqara_tokens (uid, app_id, refresh_expires_at);

CREATE TABLE aqara_virtual_accounts (
	app_id     TEXT   NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	account_id TEXT   NOT NULL,
	uid        TEXT   NOT NULL UNIQUE REFERENCES users (uid) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, account_id)
);

CREATE TABLE aqara_positions (
	position_id TEXT   PRIMARY KEY,
	uid         TEXT   NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	parent_id   TEXT   NOT NULL DEFAULT '',
	name        TEXT   NOT NULL,
	description TEXT   NOT NULL DEFAULT '',
	created_at  BIGINT NOT NULL
);
CREATE INDEX aqara_positions_uid    ON aqara_positions (uid, parent_id, created_at, position_id);
CREATE INDEX aqara_positions_parent ON aqara_positions (parent_id);

CREATE TABLE aqara_device_positions (
	uid         TEXT NOT NULL,
	did         TEXT NOT NULL,
	position_id TEXT NOT NULL REFERENCES aqara_positions (position_id) ON DELETE CASCADE,
	PRIMARY KEY (uid, did),
	FOREIGN KEY (uid, did) REFERENCES bindings (uid, did) ON DELETE CASCADE
);
CREATE INDEX aqara_device_positions_pos ON aqara_device_positions (position_id);

CREATE TABLE aqara_subscriptions (
	app_id      TEXT NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	did         TEXT NOT NULL,
	resource_id TEXT NOT NULL,
	uid         TEXT NOT NULL,
	attach      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (app_id, did, resource_id),
	FOREIGN KEY (uid, did) REFERENCES bindings (uid, did) ON DELETE CASCADE
);
CREATE INDEX aqara_subscriptions_by_device ON aqara_subscriptions (did, app_id, resource_id);
-- The cascade from bindings searches by (uid, did).
CREATE INDEX aqara_subscriptions_by_binding ON aqara_subscriptions (uid, did);

-- The push outbox. state: 0 pending, 1 delivered after failing at least
-- once, 2 dead. A push delivered at the first attempt is deleted.
CREATE TABLE push_outbox (
	id         BIGINT   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	msg_id     TEXT     NOT NULL UNIQUE,
	app_id     TEXT     NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	payload    BYTEA    NOT NULL,
	state      SMALLINT NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
	attempts   BIGINT   NOT NULL DEFAULT 0,
	last_error TEXT     NOT NULL DEFAULT '',
	created_at BIGINT   NOT NULL,
	next_at    BIGINT   NOT NULL,
	failed_at  BIGINT,
	done_at    BIGINT
);
CREATE INDEX push_outbox_due    ON push_outbox (app_id, id, next_at) WHERE state = 0;
CREATE INDEX push_outbox_next   ON push_outbox (app_id, next_at)     WHERE state = 0;
CREATE INDEX push_outbox_failed ON push_outbox (app_id, failed_at)   WHERE failed_at IS NOT NULL;
CREATE INDEX push_outbox_done   ON push_outbox (failed_at)           WHERE state <> 0;
