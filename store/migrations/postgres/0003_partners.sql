-- 0003: Aqara-style partner applications (twin of the SQLite 0003).

CREATE TABLE partners (
	app_id           TEXT    PRIMARY KEY,
	key_id           TEXT    NOT NULL,
	app_key          TEXT    NOT NULL,
	name             TEXT    NOT NULL,
	push_url         TEXT    NOT NULL,
	push_sign        BOOLEAN NOT NULL DEFAULT false,
	push_app_key     TEXT    NOT NULL,
	push_app_secret  TEXT    NOT NULL,
	suspended        BOOLEAN NOT NULL DEFAULT false,
	suspended_reason TEXT    NOT NULL DEFAULT '',
	suspended_at     BIGINT,
	created_at       BIGINT  NOT NULL
);
