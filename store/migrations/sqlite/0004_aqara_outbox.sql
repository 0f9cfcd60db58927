-- 0004: what the Aqara-style partner API keeps per user, and the durable
-- push outbox (docs/protocol-aqara.md).

-- Partners act for the users of one Gizwits application (their accounts
-- are that app's users), and their pushes can be suspended on their own
-- (the 5 %-of-5-minutes rule) without refusing their API calls.
ALTER TABLE partners ADD COLUMN user_app_id TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN push_suspended INTEGER NOT NULL DEFAULT 0 CHECK (push_suspended IN (0, 1));
ALTER TABLE partners ADD COLUMN push_suspended_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN push_suspended_at INTEGER;

-- One live authorization code per partner and account (config.auth.getAuthCode).
CREATE TABLE aqara_auth_codes (
	app_id     TEXT    NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	uid        TEXT    NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	code       TEXT    NOT NULL,
	validity   INTEGER NOT NULL,          -- access-token lifetime asked for, seconds
	attempts   INTEGER NOT NULL DEFAULT 0,  -- wrong codes tried against it
	expires_at INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (app_id, uid)
) STRICT;

-- Access/refresh token pairs a partner holds for an account. Only SHA-256
-- hashes are kept, as for app tokens. Looked up by access hash on every
-- partner call made for an account: WITHOUT ROWID, as tokens.
CREATE TABLE aqara_tokens (
	access_hash        TEXT    PRIMARY KEY,
	refresh_hash       TEXT    NOT NULL UNIQUE,
	app_id             TEXT    NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	uid                TEXT    NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	access_expires_at  INTEGER NOT NULL,
	refresh_expires_at INTEGER NOT NULL,
	created_at         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX aqara_tokens_app_uid ON aqara_tokens (app_id, uid);    -- DeleteAqaraTokens, the partner cascade
CREATE INDEX aqara_tokens_by_uid  ON aqara_tokens (uid, app_id, refresh_expires_at); -- PartnersOfUser, the user cascade

-- Virtual accounts (config.auth.createAccount): a user with no login of
-- its own, named by the partner's accountId.
CREATE TABLE aqara_virtual_accounts (
	app_id     TEXT    NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	account_id TEXT    NOT NULL,
	uid        TEXT    NOT NULL UNIQUE REFERENCES users (uid) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (app_id, account_id)
) STRICT;

-- Positions (spaces) of a user, a tree.
CREATE TABLE aqara_positions (
	position_id TEXT    PRIMARY KEY,
	uid         TEXT    NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	parent_id   TEXT    NOT NULL DEFAULT '',  -- '': a top-level home
	name        TEXT    NOT NULL,
	description TEXT    NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL
) STRICT;
-- ListPositions pages (uid, parent_id) oldest first; DeletePosition asks
-- whether a position has children, whoever's they are.
CREATE INDEX aqara_positions_uid    ON aqara_positions (uid, parent_id, created_at, position_id);
CREATE INDEX aqara_positions_parent ON aqara_positions (parent_id);

-- Which position a user put a device in.
CREATE TABLE aqara_device_positions (
	uid         TEXT NOT NULL,
	did         TEXT NOT NULL,
	position_id TEXT NOT NULL REFERENCES aqara_positions (position_id) ON DELETE CASCADE,
	PRIMARY KEY (uid, did),
	FOREIGN KEY (uid, did) REFERENCES bindings (uid, did) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX aqara_device_positions_pos ON aqara_device_positions (position_id);

-- Resource subscriptions (config.resource.subscribe): partner app_id wants
-- pushes of resource resource_id of device did, seen through account uid.
CREATE TABLE aqara_subscriptions (
	app_id      TEXT NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	did         TEXT NOT NULL,
	resource_id TEXT NOT NULL,
	uid         TEXT NOT NULL,
	attach      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (app_id, did, resource_id),
	FOREIGN KEY (uid, did) REFERENCES bindings (uid, did) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
-- DeviceSubscriptions runs on every state change of a device; the index is
-- also what the cascade from bindings (uid, did) searches by.
CREATE INDEX aqara_subscriptions_by_device ON aqara_subscriptions (did, app_id, resource_id);

-- The push outbox. A row is written in the same transaction as the event
-- that causes it. state: 0 pending, 1 delivered after failing at least once
-- (kept for query.push.errorMsg), 2 dead (gave up). A push delivered at the
-- first attempt is deleted.
CREATE TABLE push_outbox (
	id         INTEGER PRIMARY KEY,
	msg_id     TEXT    NOT NULL UNIQUE,
	app_id     TEXT    NOT NULL REFERENCES partners (app_id) ON DELETE CASCADE,
	payload    BLOB    NOT NULL,
	state      INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	next_at    INTEGER NOT NULL,
	failed_at  INTEGER,                   -- first failed attempt; NULL: none yet
	done_at    INTEGER
) STRICT;
-- The pending indexes are partial, so the delivered and dead rows kept for
-- query.push.errorMsg do not weigh on the hot path. DuePushes walks a
-- partner's pending pushes in id order and tests next_at from the index, so
-- draining a backlog reads only the rows it returns (an index on next_at
-- would have to sort every due row first); NextPushAt is one seek.
CREATE INDEX push_outbox_due    ON push_outbox (app_id, id, next_at) WHERE state = 0;
CREATE INDEX push_outbox_next   ON push_outbox (app_id, next_at)     WHERE state = 0;
CREATE INDEX push_outbox_failed ON push_outbox (app_id, failed_at)   WHERE failed_at IS NOT NULL; -- FailedPushes
CREATE INDEX push_outbox_done   ON push_outbox (failed_at)           WHERE state <> 0;              -- PrunePushes
