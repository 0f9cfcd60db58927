-- 0001: products, apps, devices and their latest state.
-- Times are integer unix milliseconds (UTC). Tables are STRICT so a type
-- mistake in Go fails loudly instead of being stored as the wrong type.

CREATE TABLE products (
	key        TEXT    PRIMARY KEY,
	secret     TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	schema     TEXT    NOT NULL,           -- datapoint definition JSON, verbatim
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE apps (
	id         TEXT    PRIMARY KEY,
	secret     TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE devices (
	did         TEXT    PRIMARY KEY,
	product_key TEXT    NOT NULL REFERENCES products (key),
	mac         TEXT    NOT NULL,
	passcode    TEXT    NOT NULL,
	disabled    INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	online      INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),
	last_seen   INTEGER,                   -- NULL: never connected
	created_at  INTEGER NOT NULL,
	UNIQUE (product_key, mac)              -- same product+mac registers to the same did
) STRICT;

-- ListDevices orders by (created_at, did), optionally within one product.
CREATE INDEX devices_by_created ON devices (created_at, did);
CREATE INDEX devices_by_product_created ON devices (product_key, created_at, did);

CREATE TABLE device_states (
	did        TEXT    PRIMARY KEY REFERENCES devices (did) ON DELETE CASCADE,
	attrs      TEXT    NOT NULL,           -- JSON object, datapoint name -> value
	updated_at INTEGER NOT NULL
) STRICT;
