-- 0010: the login and sign-in budgets as token buckets (twin of the SQLite
-- 0010), one budget per client across the nodes sharing the store.
CREATE TABLE rate_limits (
	bucket TEXT   NOT NULL COLLATE "C",
	key    TEXT   NOT NULL COLLATE "C",
	tat    BIGINT NOT NULL,
	PRIMARY KEY (bucket, key)
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);
