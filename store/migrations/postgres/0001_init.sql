-- 0001: products, apps, devices and their latest state (PostgreSQL twin of
-- store/sqlite/migrations/0001_init.sql). Times are bigint unix
-- milliseconds (UTC), as in SQLite, so values compare identically on both
-- engines; flags are booleans.

CREATE TABLE products (
	key        TEXT   PRIMARY KEY,
	secret     TEXT   NOT NULL,
	name       TEXT   NOT NULL,
	schema     TEXT   NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE apps (
	id         TEXT   PRIMARY KEY,
	secret     TEXT   NOT NULL,
	name       TEXT   NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE devices (
	did         TEXT    PRIMARY KEY,
	product_key TEXT    NOT NULL REFERENCES products (key),
	mac         TEXT    NOT NULL,
	passcode    TEXT    NOT NULL,
	disabled    BOOLEAN NOT NULL DEFAULT false,
	online      BOOLEAN NOT NULL DEFAULT false,
	last_seen   BIGINT,                    -- NULL: never connected
	created_at  BIGINT  NOT NULL,
	UNIQUE (product_key, mac)
);
CREATE INDEX devices_by_created ON devices (created_at, did);
CREATE INDEX devices_by_product_created ON devices (product_key, created_at, did);

CREATE TABLE device_states (
	did        TEXT   PRIMARY KEY REFERENCES devices (did) ON DELETE CASCADE,
	attrs      TEXT   NOT NULL,
	updated_at BIGINT NOT NULL
);
