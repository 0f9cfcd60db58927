-- 0005: the interconnect relay (twin of the SQLite 0005).

CREATE TABLE interconnect_watch_apps (
	uid         TEXT   NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	package     TEXT   NOT NULL,
	fingerprint TEXT   NOT NULL,
	did         TEXT   NOT NULL REFERENCES devices (did) ON DELETE CASCADE,
	first_seen  BIGINT NOT NULL,
	last_seen   BIGINT NOT NULL,
	PRIMARY KEY (uid, package, did, fingerprint)
);
CREATE INDEX interconnect_watch_apps_by_did ON interconnect_watch_apps (did);

CREATE TABLE interconnect_phone_apps (
	uid         TEXT   NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	package     TEXT   NOT NULL,
	fingerprint TEXT   NOT NULL,
	first_seen  BIGINT NOT NULL,
	last_seen   BIGINT NOT NULL,
	PRIMARY KEY (uid, package, fingerprint)
);

CREATE TABLE interconnect_counts (
	uid             TEXT   NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	package         TEXT   NOT NULL,
	fingerprint     TEXT   NOT NULL,
	did             TEXT   NOT NULL REFERENCES devices (did) ON DELETE CASCADE,
	watch_to_phone  BIGINT NOT NULL,
	phone_to_watch  BIGINT NOT NULL,
	last_message_at BIGINT,
	PRIMARY KEY (uid, package, did, fingerprint)
);
CREATE INDEX interconnect_counts_by_did ON interconnect_counts (did);

CREATE TABLE interconnect_grants (
	uid         TEXT   NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	did         TEXT   NOT NULL REFERENCES devices (did) ON DELETE CASCADE,
	package     TEXT   NOT NULL,
	fingerprint TEXT   NOT NULL,
	permission  TEXT   NOT NULL,
	granted_at  BIGINT NOT NULL,
	PRIMARY KEY (uid, did, package, fingerprint, permission)
);
CREATE INDEX interconnect_grants_by_did ON interconnect_grants (did);
