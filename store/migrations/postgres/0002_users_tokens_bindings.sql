-- 0002: app users, their access tokens and user-device bindings (twin of
-- the SQLite 0002). Unset unique user fields are NULL, never ''.

CREATE TABLE users (
	uid           TEXT   PRIMARY KEY,
	app_id        TEXT   NOT NULL REFERENCES apps (id),
	username      TEXT   CHECK (username <> ''),
	email         TEXT   CHECK (email <> ''),
	phone         TEXT   CHECK (phone <> ''),
	phone_id      TEXT   CHECK (phone_id <> ''),
	password_hash TEXT   NOT NULL,
	name          TEXT   NOT NULL,
	gender        TEXT   NOT NULL,
	birthday      TEXT   NOT NULL,
	address       TEXT   NOT NULL,
	remark        TEXT   NOT NULL,
	lang          TEXT   NOT NULL,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_by_username ON users (app_id, username) WHERE username IS NOT NULL;
CREATE UNIQUE INDEX users_by_email    ON users (app_id, email)    WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_by_phone    ON users (app_id, phone)    WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX users_by_phone_id ON users (app_id, phone_id) WHERE phone_id IS NOT NULL;

CREATE TABLE tokens (
	hash       TEXT   PRIMARY KEY,
	app_id     TEXT   NOT NULL REFERENCES apps (id),
	uid        TEXT   REFERENCES users (uid) ON DELETE CASCADE, -- NULL: app token
	expires_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX tokens_by_uid    ON tokens (uid);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

CREATE TABLE bindings (
	uid        TEXT   NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	did        TEXT   NOT NULL REFERENCES devices (did) ON DELETE CASCADE,
	remark     TEXT   NOT NULL,
	alias      TEXT   NOT NULL,
	label      TEXT   NOT NULL,
	role       TEXT   NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (uid, did)
);
CREATE INDEX bindings_by_device ON bindings (did, created_at, uid);
