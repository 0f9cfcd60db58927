-- 0002: app users, their access tokens and user-device bindings.
-- Unset unique user fields are NULL, never '' (the CHECKs enforce it), so the
-- partial unique indexes below ignore them: two anonymous users without a
-- username do not collide.

CREATE TABLE users (
	uid           TEXT    PRIMARY KEY,
	app_id        TEXT    NOT NULL REFERENCES apps (id),
	username      TEXT    CHECK (username <> ''),   -- NULL: unset
	email         TEXT    CHECK (email <> ''),      -- NULL: unset
	phone         TEXT    CHECK (phone <> ''),      -- NULL: unset
	phone_id      TEXT    CHECK (phone_id <> ''),   -- NULL: unset (registered user)
	password_hash TEXT    NOT NULL,                 -- PHC string; '' for anonymous users
	name          TEXT    NOT NULL,
	gender        TEXT    NOT NULL,
	birthday      TEXT    NOT NULL,
	address       TEXT    NOT NULL,
	remark        TEXT    NOT NULL,
	lang          TEXT    NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;

-- Each login value is unique within its app; these also serve FindUser.
CREATE UNIQUE INDEX users_by_username ON users (app_id, username) WHERE username IS NOT NULL;
CREATE UNIQUE INDEX users_by_email    ON users (app_id, email)    WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_by_phone    ON users (app_id, phone)    WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX users_by_phone_id ON users (app_id, phone_id) WHERE phone_id IS NOT NULL;

-- Looked up by hash on every app API call: WITHOUT ROWID makes that a single
-- b-tree search instead of primary-key index then table. Rows are small.
CREATE TABLE tokens (
	hash       TEXT    PRIMARY KEY,                 -- hex SHA-256 of the secret
	app_id     TEXT    NOT NULL REFERENCES apps (id),
	uid        TEXT    REFERENCES users (uid) ON DELETE CASCADE, -- NULL: app token
	expires_at INTEGER NOT NULL,
	created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX tokens_by_uid    ON tokens (uid);        -- DeleteUserTokens, and the cascade
CREATE INDEX tokens_by_expiry ON tokens (expires_at); -- DeleteExpiredTokens

CREATE TABLE bindings (
	uid        TEXT    NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	did        TEXT    NOT NULL REFERENCES devices (did) ON DELETE CASCADE,
	remark     TEXT    NOT NULL,
	alias      TEXT    NOT NULL,
	label      TEXT    NOT NULL,
	role       TEXT    NOT NULL,                    -- 'owner' or 'normal'; not CHECKed so sharing roles need no rebuild
	created_at INTEGER NOT NULL,
	PRIMARY KEY (uid, did)
) STRICT, WITHOUT ROWID;

-- ListDeviceBindings orders by (created_at, uid) within a device; the index
-- also makes the ON DELETE CASCADE from devices a search, not a scan.
CREATE INDEX bindings_by_device ON bindings (did, created_at, uid);
