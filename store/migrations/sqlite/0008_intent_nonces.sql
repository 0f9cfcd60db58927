-- 0008: the nonces of accepted partner intents (issue 16), so a request
-- replayed to another node sharing the store is refused as it is on the
-- node that took it. A row lives until expires_at (twice the signature's
-- freshness window); anything older is refused as stale before this table
-- is asked.
CREATE TABLE intent_nonces (
	app_id     TEXT    NOT NULL,
	nonce      TEXT    NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (app_id, nonce)
) STRICT, WITHOUT ROWID;
CREATE INDEX intent_nonces_expiry ON intent_nonces (expires_at);
