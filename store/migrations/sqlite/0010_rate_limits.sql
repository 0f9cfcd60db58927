-- 0010: the login and sign-in budgets as token buckets in the store
-- (issue 16), so nodes sharing it spend one budget per client, not one
-- each. tat is the bucket's theoretical arrival time in unix ms (GCRA): when
-- it would be full again; a row whose tat has passed is pruned.
CREATE TABLE rate_limits (
	bucket TEXT    NOT NULL,
	key    TEXT    NOT NULL,
	tat    INTEGER NOT NULL,
	PRIMARY KEY (bucket, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX rate_limits_tat ON rate_limits (tat);
