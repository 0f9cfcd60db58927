-- 0003: Aqara-style partner applications (open API callers and push targets).
-- app_key and push_app_secret are MD5 signing secrets and so are kept in the
-- clear: the server must recompute signatures with them.

CREATE TABLE partners (
	app_id           TEXT    PRIMARY KEY,
	key_id           TEXT    NOT NULL,
	app_key          TEXT    NOT NULL,
	name             TEXT    NOT NULL,
	push_url         TEXT    NOT NULL,           -- '': push not set up
	push_sign        INTEGER NOT NULL DEFAULT 0 CHECK (push_sign IN (0, 1)),
	push_app_key     TEXT    NOT NULL,
	push_app_secret  TEXT    NOT NULL,
	suspended        INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1)),
	suspended_reason TEXT    NOT NULL DEFAULT '',
	suspended_at     INTEGER,                    -- NULL: not suspended
	created_at       INTEGER NOT NULL
) STRICT;
