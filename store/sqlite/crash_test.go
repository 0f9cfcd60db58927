package sqlite

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// TestCommittedWithoutClose snapshots the database files while the store is
// still open, as a crash would leave them, and opens the snapshot. Unlike
// TestDurability this does not get help from Close's final checkpoint: what
// a returned write left in the main file and the WAL must be enough.
func TestCommittedWithoutClose(t *testing.T) {
	ctx := t.Context()
	s, path := openTemp(t)
	p := store.Product{Key: "p1", Secret: "s", Name: "n", Schema: []byte(`{}`), CreatedAt: time.UnixMilli(1)}
	if err := s.CreateProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RegisterDevice(ctx, store.Device{DID: "d1", ProductKey: "p1", MAC: "m", Passcode: "pc", CreatedAt: time.UnixMilli(2)}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePartner(ctx, partners.Partner{AppID: "pa", KeyID: "K.1", Name: "p", CreatedAt: time.UnixMilli(1)}); err != nil {
		t.Fatal(err)
	}
	// The push rides in the state's transaction: it must be on disk too.
	push := store.Push{MsgID: "m1", AppID: "pa", Payload: []byte(`{"on":true}`), CreatedAt: time.UnixMilli(3), NextAt: time.UnixMilli(3)}
	if err := s.PutStates(ctx, []store.State{{DID: "d1", Attrs: []byte(`{"on":true}`), UpdatedAt: time.UnixMilli(3)}}, push); err != nil {
		t.Fatal(err)
	}

	// The -shm index is rebuilt from the WAL on open, so like a crash we
	// leave it behind.
	crash := filepath.Join(t.TempDir(), "hub.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(crash+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Open(ctx, crash)
	if err != nil {
		t.Fatalf("open snapshot: %v", err)
	}
	defer c.Close()
	if _, err := c.GetProduct(ctx, "p1"); err != nil {
		t.Errorf("product lost: %v", err)
	}
	if _, err := c.GetDevice(ctx, "d1"); err != nil {
		t.Errorf("device lost: %v", err)
	}
	if st, err := c.GetState(ctx, "d1"); err != nil || string(st.Attrs) != `{"on":true}` {
		t.Errorf("state = %s, %v; want {\"on\":true}", st.Attrs, err)
	}
	if due, err := c.DuePushes(ctx, "pa", time.UnixMilli(3), 0); err != nil || len(due) != 1 || due[0].MsgID != "m1" {
		t.Errorf("pushes = %+v, %v; want m1", due, err)
	}
}
