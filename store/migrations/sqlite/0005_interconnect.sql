-- 0005: the interconnect relay (watch quick app <-> phone app, issue 6).
-- Fingerprints are SHA-1 of the DER signing certificate, upper-case hex pairs
-- joined by ':'. Rows go with their user or device (ON DELETE CASCADE).

-- Watch apps that ever registered: "is the app installed on that watch".
CREATE TABLE interconnect_watch_apps (
	uid         TEXT    NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	package     TEXT    NOT NULL,
	fingerprint TEXT    NOT NULL,
	did         TEXT    NOT NULL REFERENCES devices (did) ON DELETE CASCADE,
	first_seen  INTEGER NOT NULL,
	last_seen   INTEGER NOT NULL,
	PRIMARY KEY (uid, package, did, fingerprint)
) STRICT, WITHOUT ROWID;
CREATE INDEX interconnect_watch_apps_by_did ON interconnect_watch_apps (did);

-- Phone apps that ever registered: diagnosis 1001 vs 204.
CREATE TABLE interconnect_phone_apps (
	uid         TEXT    NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	package     TEXT    NOT NULL,
	fingerprint TEXT    NOT NULL,
	first_seen  INTEGER NOT NULL,
	last_seen   INTEGER NOT NULL,
	PRIMARY KEY (uid, package, fingerprint)
) STRICT, WITHOUT ROWID;

-- Message totals per pair, flushed in batches by the relay.
CREATE TABLE interconnect_counts (
	uid             TEXT    NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	package         TEXT    NOT NULL,
	fingerprint     TEXT    NOT NULL,
	did             TEXT    NOT NULL REFERENCES devices (did) ON DELETE CASCADE,
	watch_to_phone  INTEGER NOT NULL,
	phone_to_watch  INTEGER NOT NULL,
	last_message_at INTEGER,              -- NULL: never
	PRIMARY KEY (uid, package, did, fingerprint)
) STRICT, WITHOUT ROWID;
CREATE INDEX interconnect_counts_by_did ON interconnect_counts (did);

-- Permissions a user granted a phone app on a watch.
CREATE TABLE interconnect_grants (
	uid         TEXT    NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
	did         TEXT    NOT NULL REFERENCES devices (did) ON DELETE CASCADE,
	package     TEXT    NOT NULL,
	fingerprint TEXT    NOT NULL,
	permission  TEXT    NOT NULL,
	granted_at  INTEGER NOT NULL,
	PRIMARY KEY (uid, did, package, fingerprint, permission)
) STRICT, WITHOUT ROWID;
CREATE INDEX interconnect_grants_by_did ON interconnect_grants (did);
