package partners_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// life is one run of a node and its partner domain on a database file.
type life struct {
	n  *core.Node
	d  *partners.Domain
	st store.Store
}

func startLife(t *testing.T, path, nodeID string, logs *testserver.LogBuffer, policy partners.PushPolicy) *life {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	b := memory.New(memory.Options{})
	log := slog.New(slog.NewTextHandler(logs, nil))
	d := partners.New(partners.Options{Store: st, Logger: log, PushPolicy: policy})
	n, err := core.New(core.Options{Store: st, Bus: b, NodeID: nodeID, Logger: log, Follower: d.Follower()})
	if err != nil {
		t.Fatal(err)
	}
	d.Bind(n)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	l := &life{n: n, d: d, st: st}
	t.Cleanup(func() { l.die(); _ = b.Close() })
	return l
}

// die ends the life without ending its sessions, as a crash does.
func (l *life) die() {
	_ = l.n.Close(context.Background())
	_ = l.st.Close()
}

// TestPushWarningSurvivesRestarts: a partner warned for failing pushes stays
// warned across restarts, with the same clock and without a second warning
// line, and is suspended once the grace period after the one warning ends,
// however often the node restarts meanwhile.
func TestPushWarningSurvivesRestarts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	logs := &testserver.LogBuffer{}
	policy := partners.PushPolicy{MinSample: 5, Grace: 300 * time.Millisecond}
	l := startLife(t, path, "node-a", logs, policy)
	p, err := l.d.CreatePartner(ctx, partners.PartnerSettings{Name: "acme", PushURL: "http://127.0.0.1:1/push"})
	if err != nil {
		t.Fatal(err)
	}
	l.d.RecordPushAttempts(ctx, p.AppID, 1, 9, "HTTP 503")
	h, err := l.d.PartnerPushHealth(ctx, p.AppID)
	if err != nil || h.State != partners.PushWarned {
		t.Fatalf("health = %+v, %v; want warned", h, err)
	}
	warnedAt := h.WarnedAt
	const warning = "partner push failures over the limit"
	lives := 1
	deadline := time.Now().Add(20 * time.Second)
	for h.State != partners.PushSuspended {
		if time.Now().After(deadline) {
			t.Fatalf("not suspended after %d lives; health %+v", lives, h)
		}
		l.die()
		l = startLife(t, path, "node-a", logs, policy)
		lives++
		if h, err = l.d.PartnerPushHealth(ctx, p.AppID); err != nil {
			t.Fatal(err)
		}
		// Each life adds one failure; the window (5 min) keeps them all.
		if want := 9 + lives - 2; h.State != partners.PushSuspended && (h.State != partners.PushWarned || !h.WarnedAt.Equal(warnedAt) || h.Failed != want) {
			t.Fatalf("after restart %d: health %+v, want warned at %v with %d failures", lives, h, warnedAt, want)
		}
		l.d.RecordPushAttempts(ctx, p.AppID, 0, 1, "HTTP 503")
		if h, err = l.d.PartnerPushHealth(ctx, p.AppID); err != nil {
			t.Fatal(err)
		}
	}
	if c := logs.Count(warning); c != 1 {
		t.Fatalf("%d warning lines over %d lives, want 1", c, lives)
	}
	// Re-enabling forgets the window for good, restart or not.
	if err := l.d.ResumePartnerPushes(ctx, p.AppID); err != nil {
		t.Fatal(err)
	}
	l.die()
	l = startLife(t, path, "node-a", logs, policy)
	if h, err = l.d.PartnerPushHealth(ctx, p.AppID); err != nil || h.State != partners.PushActive || h.Failed != 0 {
		t.Fatalf("after re-enable and restart: %+v, %v; want active with an empty window", h, err)
	}
}

// newDomain is a partner domain on a fresh database.
func newDomain(t *testing.T) *partners.Domain {
	t.Helper()
	return startLife(t, filepath.Join(t.TempDir(), "db"), "local", &testserver.LogBuffer{}, partners.PushPolicy{}).d
}
