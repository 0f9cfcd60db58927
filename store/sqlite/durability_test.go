package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// TestDurability writes one of everything, closes, reopens the same file and
// reads it all back. It cannot simulate power loss (synchronous=FULL is
// checked in TestPragmas); it proves nothing lives only in process memory and
// that reopening an existing database is clean.
func TestDurability(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "not", "yet", "there", "hub.db") // Open creates the directories
	ts := func(sec int) time.Time { return time.Date(2025, 1, 2, 3, 4, sec, 5_000_000, time.UTC) }

	p := store.Product{Key: "p1", Secret: "ps", Name: "lamp", Schema: []byte(`{"entities": []}`), CreatedAt: ts(1)}
	a := store.App{ID: "a1", Secret: "as", Name: "app", CreatedAt: ts(2)}
	d1 := store.Device{DID: "d1", ProductKey: "p1", MAC: "aabbccddeeff", Passcode: "pc1", CreatedAt: ts(3)}
	d2 := store.Device{DID: "d2", ProductKey: "p1", MAC: "aabbccddee00", Passcode: "pc2", CreatedAt: ts(4)}
	st := store.State{DID: "d1", Attrs: []byte(`{"on":true}`), UpdatedAt: ts(6)}
	u := store.User{UID: "u1", AppID: "a1", Username: "alice", PhoneID: "install", PasswordHash: "h", Lang: "en", CreatedAt: ts(7), UpdatedAt: ts(8)}
	anon := store.User{UID: "u2", AppID: "a1", PhoneID: "install2", CreatedAt: ts(7), UpdatedAt: ts(7)}
	tok := store.Token{Hash: "t1", AppID: "a1", UID: "u1", ExpiresAt: ts(50), CreatedAt: ts(9)}
	appTok := store.Token{Hash: "t2", AppID: "a1", ExpiresAt: ts(51), CreatedAt: ts(9)}
	owner := store.SessionOwner{NodeID: "n", Epoch: 1, Seq: 1}
	bd := store.Binding{UID: "u1", DID: "d1", Remark: "r", Alias: "lamp", Label: "l", Role: "owner", CreatedAt: ts(10)}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateProduct(ctx, p))
	must(s.CreateApp(ctx, a))
	for _, d := range []store.Device{d1, d2} {
		_, _, err := s.RegisterDevice(ctx, d)
		must(err)
	}
	must(s.SetDeviceDisabled(ctx, "d2", true))
	_, err = s.SetDeviceOnline(ctx, "d1", owner, ts(5))
	must(err)
	must(s.PutStates(ctx, []store.State{st}))
	must(s.CreateUser(ctx, u))
	must(s.CreateUser(ctx, anon))
	must(s.CreateToken(ctx, tok))
	must(s.CreateToken(ctx, appTok))
	_, _, err = s.Bind(ctx, bd)
	must(err)
	must(s.Close())

	for reopen := range 2 { // the second reopen checks migrations stay idempotent
		s, err = Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen %d: %v", reopen, err)
		}
		gp, err := s.GetProduct(ctx, "p1")
		must(err)
		if gp.Name != p.Name || gp.Secret != p.Secret || string(gp.Schema) != string(p.Schema) || !gp.CreatedAt.Equal(p.CreatedAt) {
			t.Errorf("product = %+v, want %+v", gp, p)
		}
		ga, err := s.GetApp(ctx, "a1")
		must(err)
		if ga != a {
			t.Errorf("app = %+v, want %+v", ga, a)
		}
		wantD1 := d1
		wantD1.Online, wantD1.LastSeen, wantD1.Owner = true, ts(5), owner
		wantD2 := d2
		wantD2.Disabled = true
		ds, err := s.ListDevices(ctx, store.DeviceFilter{})
		must(err)
		if len(ds) != 2 || ds[0] != wantD1 || ds[1] != wantD2 {
			t.Errorf("devices = %+v, want %+v and %+v", ds, wantD1, wantD2)
		}
		gs, err := s.GetState(ctx, "d1")
		must(err)
		if gs.DID != st.DID || string(gs.Attrs) != string(st.Attrs) || !gs.UpdatedAt.Equal(st.UpdatedAt) {
			t.Errorf("state = %+v, want %+v", gs, st)
		}
		for _, want := range []store.User{u, anon} {
			gu, err := s.GetUser(ctx, want.UID)
			must(err)
			if gu != want {
				t.Errorf("user = %+v, want %+v", gu, want)
			}
		}
		for _, want := range []store.Token{tok, appTok} {
			gt, err := s.GetToken(ctx, want.Hash)
			must(err)
			if gt != want {
				t.Errorf("token = %+v, want %+v", gt, want)
			}
		}
		gb, err := s.GetBinding(ctx, "u1", "d1")
		must(err)
		if gb != bd {
			t.Errorf("binding = %+v, want %+v", gb, bd)
		}
		var versions int
		must(s.r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&versions))
		ms, err := loadMigrations(migrationFS)
		must(err)
		if versions != len(ms) {
			t.Errorf("schema_migrations has %d rows, want %d", versions, len(ms))
		}
		must(s.Close())
	}
}
