package core_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/core"
)

func sha(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// accessEvents collects the AccessEvents the node publishes on its bus.
func accessEvents(t *testing.T, n *core.Node) <-chan core.AccessEvent {
	t.Helper()
	ch := make(chan core.AccessEvent, 16)
	sub, err := n.Bus().Subscribe(core.PatternAllUserAccess, func(subject string, data []byte) {
		var e core.AccessEvent
		if err := json.Unmarshal(data, &e); err != nil {
			t.Errorf("bad access event %s: %v", data, err)
			return
		}
		if subject != core.SubjectUserAccess(e.UID) {
			t.Errorf("event of %s on %s", e.UID, subject)
		}
		ch <- e
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	return ch
}

func nextAccess(t *testing.T, ch <-chan core.AccessEvent) core.AccessEvent {
	t.Helper()
	select {
	case e := <-ch:
		if e.At.IsZero() {
			t.Errorf("event %+v has no time", e)
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no access event")
	}
	return core.AccessEvent{}
}

// Every way a token ends publishes one AccessEvent naming what ended, and
// a profile change without a password publishes none.
func TestAccessEventsPublished(t *testing.T) {
	n, _ := newNode(t, 0)
	app, _ := world(t, n)
	ctx := context.Background()
	events := accessEvents(t, n)
	u, s1, _, err := n.CreateUser(ctx, app.ID, core.NewUser{Username: "alice", Password: "s3cret-pw"})
	if err != nil {
		t.Fatal(err)
	}
	login := func() string {
		t.Helper()
		_, s, err := n.Login(ctx, app.ID, "alice", "s3cret-pw")
		if err != nil {
			t.Fatal(err)
		}
		return s.Token
	}
	s2, s3 := login(), login()

	// The grant a session keeps names the token by its stored hash.
	_, g, err := n.AuthToken(ctx, app.ID, s2)
	if err != nil || g.Hash != sha(s2) || g.ExpiresAt.Before(time.Now().Add(core.DefaultTokenTTL-time.Minute)) {
		t.Fatalf("AuthToken = %+v, %v", g, err)
	}

	// One token.
	if err := n.RevokeToken(ctx, s2); err != nil {
		t.Fatal(err)
	}
	e := nextAccess(t, events)
	if e.UID != u.UID || e.TokenHash != sha(s2) || e.KeepHash != "" || e.Reason != core.AccessTokenRevoked {
		t.Fatalf("RevokeToken published %+v", e)
	}
	if !e.Ends(sha(s2)) || e.Ends(sha(s3)) {
		t.Fatalf("%+v ends the wrong tokens", e)
	}
	if err := n.RevokeToken(ctx, s2); !errors.Is(err, core.ErrTokenInvalid) {
		t.Fatalf("revoking again: %v", err)
	}

	// A password change: every token but the caller's.
	u.Name = "Alice"
	if _, err := n.UpdateUser(ctx, u, "", s1.Token); err != nil {
		t.Fatal(err)
	}
	u, err = n.UpdateUser(ctx, u, "new-s3cret", s3)
	if err != nil {
		t.Fatal(err)
	}
	e = nextAccess(t, events) // not the profile change: it published nothing
	if e.UID != u.UID || e.TokenHash != "" || e.KeepHash != sha(s3) || e.Reason != core.AccessPasswordChange {
		t.Fatalf("password change published %+v", e)
	}
	if !e.Ends(sha(s1.Token)) || e.Ends(sha(s3)) {
		t.Fatalf("%+v ends the wrong tokens", e)
	}
	if _, err := n.UserByToken(ctx, app.ID, s1.Token); !errors.Is(err, core.ErrTokenInvalid) {
		t.Fatalf("other token after password change: %v", err)
	}
	if _, err := n.UserByToken(ctx, app.ID, s3); err != nil {
		t.Fatalf("the caller's token after its password change: %v", err)
	}

	// Every token (an operator).
	s4 := func() string {
		_, s, err := n.Login(ctx, app.ID, "alice", "new-s3cret")
		if err != nil {
			t.Fatal(err)
		}
		return s.Token
	}()
	if c, err := n.RevokeUserTokens(ctx, u.UID); err != nil || c != 2 {
		t.Fatalf("RevokeUserTokens = %d, %v; want 2", c, err)
	}
	e = nextAccess(t, events)
	if e.UID != u.UID || e.TokenHash != "" || e.KeepHash != "" || e.Reason != core.AccessTokensRevoked {
		t.Fatalf("RevokeUserTokens published %+v", e)
	}
	if !e.Ends(sha(s3)) || !e.Ends(sha(s4)) {
		t.Fatalf("%+v spares a token", e)
	}
	select {
	case e := <-events:
		t.Fatalf("unexpected %+v", e)
	case <-time.After(50 * time.Millisecond):
	}
}
