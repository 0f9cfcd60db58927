-- 0008: the nonces of accepted partner intents (twin of the SQLite 0008),
-- so a request replayed to another node is refused.
CREATE TABLE intent_nonces (
	app_id     TEXT   NOT NULL COLLATE "C",
	nonce      TEXT   NOT NULL COLLATE "C",
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, nonce)
);
CREATE INDEX intent_nonces_expiry ON intent_nonces (expires_at);
