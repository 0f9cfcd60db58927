package sqlite

import (
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// TestUpgradeFrom0001 opens a database written by a binary that knew only
// 0001 (with rows in it) and checks 0002 applies on top and the new tables
// work against the old rows.
func TestUpgradeFrom0001(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "hub.db")
	if err := createFile(path); err != nil {
		t.Fatal(err)
	}
	initSQL, err := fs.ReadFile(migrationFS, "0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	old, err := loadMigrations(fstest.MapFS{"0001_init.sql": {Data: initSQL}})
	if err != nil {
		t.Fatal(err)
	}
	db, err := openPool(path, roleMigrate, 1)
	if err != nil {
		t.Fatal(err)
	}
	err = migrate(ctx, db, old)
	if err == nil {
		_, err = db.ExecContext(ctx, `INSERT INTO apps (id, secret, name, created_at) VALUES ('a1', 's', 'n', 1);
			INSERT INTO products (key, secret, name, schema, created_at) VALUES ('p1', 's', 'n', '{}', 1);
			INSERT INTO devices (did, product_key, mac, passcode, created_at) VALUES ('d1', 'p1', 'm', 'pc', 1)`)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(0001 database): %v", err)
	}
	defer s.Close()
	now := time.UnixMilli(2).UTC()
	if err := s.CreateUser(ctx, store.User{UID: "u1", AppID: "a1", Username: "alice", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatalf("CreateUser on upgraded database: %v", err)
	}
	if err := s.CreateToken(ctx, store.Token{Hash: "h", AppID: "a1", UID: "u1", ExpiresAt: now, CreatedAt: now}); err != nil {
		t.Fatalf("CreateToken on upgraded database: %v", err)
	}
	if _, created, err := s.Bind(ctx, store.Binding{UID: "u1", DID: "d1", Role: "owner", CreatedAt: now}); err != nil || !created {
		t.Fatalf("Bind to a pre-upgrade device = created %v, %v", created, err)
	}
	var versions int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if ms, _ := loadMigrations(migrationFS); versions != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", versions, len(ms))
	}
}

// TestUpgradeFrom0003 opens a database written by a binary that knew
// migrations up to 0003, with a partner and a binding in it, and checks
// that 0004's new partner columns take their defaults on the old row and
// that its tables work against the old rows.
func TestUpgradeFrom0003(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "hub.db")
	migrateUpTo(t, path, 3, `INSERT INTO apps (id, secret, name, created_at) VALUES ('a1', 's', 'n', 1);
		INSERT INTO products (key, secret, name, schema, created_at) VALUES ('p1', 's', 'n', '{}', 1);
		INSERT INTO devices (did, product_key, mac, passcode, created_at) VALUES ('d1', 'p1', 'm', 'pc', 1);
		INSERT INTO users (uid, app_id, username, password_hash, name, gender, birthday, address, remark, lang, created_at, updated_at)
			VALUES ('u1', 'a1', 'alice', '', '', '', '', '', '', '', 1, 1);
		INSERT INTO bindings (uid, did, remark, alias, label, role, created_at) VALUES ('u1', 'd1', '', '', '', 'owner', 1);
		INSERT INTO partners (app_id, key_id, app_key, name, push_url, push_app_key, push_app_secret, created_at)
			VALUES ('pa', 'K.1', 'k', 'partner', 'https://p.example/push', 'pk', 'ps', 1)`)

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(0003 database): %v", err)
	}
	defer s.Close()
	p, err := s.GetPartner(ctx, "pa")
	if err != nil {
		t.Fatalf("GetPartner(pre-upgrade partner): %v", err)
	}
	if p.UserAppID != "" || p.PushSuspended || p.PushSuspendedReason != "" || !p.PushSuspendedAt.IsZero() {
		t.Errorf("pre-upgrade partner = %+v, want the 0004 defaults", p)
	}
	now := time.UnixMilli(2).UTC()
	push := store.Push{MsgID: "m1", AppID: "pa", Payload: []byte(`{}`), CreatedAt: now, NextAt: now}
	if err := s.PutStates(ctx, []store.State{{DID: "d1", Attrs: []byte(`{}`), UpdatedAt: now}}, push); err != nil {
		t.Fatalf("PutStates with a push on upgraded database: %v", err)
	}
	if due, err := s.DuePushes(ctx, "pa", now, 0); err != nil || len(due) != 1 {
		t.Errorf("DuePushes = %v, %v; want the push", due, err)
	}
	if err := s.Subscribe(ctx, []partners.Subscription{{AppID: "pa", DID: "d1", ResourceID: "r", UID: "u1"}}); err != nil {
		t.Errorf("Subscribe through a pre-upgrade binding: %v", err)
	}
}

// migrateUpTo creates a database at path with the embedded migrations up
// to version applied, as a binary that knew only those would leave it,
// and runs seed on it.
func migrateUpTo(t *testing.T, path string, version int, seed string) {
	t.Helper()
	ctx := t.Context()
	if err := createFile(path); err != nil {
		t.Fatal(err)
	}
	all, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	old := fstest.MapFS{}
	for _, m := range all {
		if m.Version <= version {
			old[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	ms, err := loadMigrations(old)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openPool(path, roleMigrate, 1)
	if err != nil {
		t.Fatal(err)
	}
	err = migrate(ctx, db, ms)
	if err == nil {
		_, err = db.ExecContext(ctx, seed)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestUpgradeFrom0005 opens a database written by a binary that knew
// migrations up to 0005, holding a device that was online when that binary
// died, and checks that 0006 leaves it online without an owner, which is
// what every node's start-up reconcile ends, and that push windows can be
// kept for an old partner.
func TestUpgradeFrom0005(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "hub.db")
	migrateUpTo(t, path, 5, `INSERT INTO products (key, secret, name, schema, created_at) VALUES ('p1', 's', 'n', '{}', 1);
		INSERT INTO devices (did, product_key, mac, passcode, online, last_seen, created_at) VALUES ('d1', 'p1', 'm1', 'pc', 1, 5, 1);
		INSERT INTO devices (did, product_key, mac, passcode, online, last_seen, created_at) VALUES ('d2', 'p1', 'm2', 'pc', 0, 5, 1);
		INSERT INTO partners (app_id, key_id, app_key, name, push_url, push_app_key, push_app_secret, created_at)
			VALUES ('pa', 'K.1', 'k', 'partner', 'https://p.example/push', 'pk', 'ps', 1)`)

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(0005 database): %v", err)
	}
	defer s.Close()
	if epoch, err := s.StartNode(ctx, "n1", time.UnixMilli(9)); err != nil || epoch != 1 {
		t.Fatalf("StartNode = %d, %v; want 1", epoch, err)
	}
	stale, err := s.StaleSessions(ctx, "n1", 1)
	if err != nil || len(stale) != 1 || stale[0].DID != "d1" || stale[0].Owner != (store.SessionOwner{}) {
		t.Fatalf("StaleSessions = %+v, %v; want d1 without an owner", stale, err)
	}
	if ended, err := s.EndSessions(ctx, []store.SessionEnd{{DID: "d1", At: time.UnixMilli(10)}}); err != nil || !ended[0] {
		t.Fatalf("EndSessions(d1, no owner) = %v, %v", ended, err)
	}
	if _, err := s.AddPushCounts(ctx, "pa", []partners.PushCount{{Bucket: time.UnixMilli(10), Attempts: 1, Failed: 1}}, "HTTP 500", time.UnixMilli(0)); err != nil {
		t.Fatalf("AddPushCounts(pre-upgrade partner): %v", err)
	}
}

// TestUpgradeKeepsPushWarning opens a database of a binary that kept a
// partner's push window per node (migrations up to 0009, a warned partner)
// and checks that 0011 keeps the warning clock and last error while the
// window's counts start afresh.
func TestUpgradeKeepsPushWarning(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "hub.db")
	migrateUpTo(t, path, 9, `INSERT INTO partners (app_id, key_id, app_key, name, push_url, push_app_key, push_app_secret, created_at)
			VALUES ('pa', 'K.1', 'k', 'partner', 'https://p.example/push', 'pk', 'ps', 1);
		INSERT INTO push_health (app_id, window_start, attempts, failed, warned_at, last_error)
			VALUES ('pa', 10, '[30]', '[29]', 15, 'HTTP 503')`)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(0009 database): %v", err)
	}
	defer s.Close()
	got, err := s.PushTally(ctx, "pa", time.UnixMilli(0))
	want := partners.PushTally{WarnedAt: time.UnixMilli(15).UTC(), LastError: "HTTP 503"}
	if err != nil || got != want {
		t.Fatalf("PushTally after the upgrade = %+v, %v; want %+v", got, err, want)
	}
	if ok, err := s.SetPushWarning(ctx, "pa", time.UnixMilli(15), time.Time{}); err != nil || !ok {
		t.Fatalf("SetPushWarning(clear the kept warning) = %v, %v", ok, err)
	}
}
