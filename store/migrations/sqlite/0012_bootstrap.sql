-- 0012: values the nodes sharing a store agree on once (issue 16): the
-- first node to start claims a name (the generated admin token, the demo
-- data set), every other node reads it.
CREATE TABLE bootstrap (
	name  TEXT NOT NULL PRIMARY KEY,
	value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
