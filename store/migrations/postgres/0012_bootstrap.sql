-- 0012: values the nodes sharing a store agree on once (twin of the SQLite
-- 0012): the first node to claim a name sets it, the others read it.
CREATE TABLE bootstrap (
	name  TEXT NOT NULL COLLATE "C" PRIMARY KEY,
	value TEXT NOT NULL
);
