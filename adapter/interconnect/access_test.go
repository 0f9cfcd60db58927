package interconnect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	ic "github.com/switchboard-iot/switchboard/adapter/interconnect"
	"github.com/switchboard-iot/switchboard/client/interconnect"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/server"
)

// endWithin is how soon a session must end once its access ended.
const endWithin = time.Second

// pairUp connects a listening phone app and its watch app and waits until
// both know the pair is open.
func (w *pairWorld) pairUp(t *testing.T) (*interconnect.Phone, *interconnect.Watch) {
	t.Helper()
	phone := w.readyPhone(t)
	watch := w.watch(t)
	expect(t, watch.Events(), "open", 0)
	if e := skipTo(t, phone.Events(), "node"); !e.Connected {
		t.Fatalf("phone event %+v", e)
	}
	return phone, watch
}

// within returns the next event of type typ, failing unless it comes
// within d.
func within(t testing.TB, ch <-chan interconnect.Event, d time.Duration, typ string) interconnect.Event {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("events closed before %s", typ)
			}
			if e.Type == typ {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event within %v", typ, d)
		}
	}
}

// ended checks the session was closed within d with 4401 and one of the
// reasons.
func ended(t *testing.T, ch <-chan interconnect.Event, d time.Duration, reasons ...string) {
	t.Helper()
	e := within(t, ch, d, "closed")
	if e.Code != ic.CloseBadAuth {
		t.Fatalf("closed with %+v, want %d", e, ic.CloseBadAuth)
	}
	for _, r := range reasons {
		if e.Data == r || strings.HasSuffix(e.Data, ": "+r) {
			return
		}
	}
	t.Fatalf("closed with %q, want a reason among %q", e.Data, reasons)
}

// phoneGone checks what a watch sees when its phone app's session ended
// (onclose 1006) and that nothing the phone app sends gets through.
func phoneGone(t *testing.T, w *pairWorld, phone *interconnect.Phone, watch *interconnect.Watch) {
	t.Helper()
	if e := within(t, watch.Events(), endWithin, "close"); e.Code != 1006 {
		t.Fatalf("watch saw %+v, want close 1006", e)
	}
	if err := phone.SendMessage(ctx(t), w.did, []byte("after")); !errors.Is(err, interconnect.ErrClosed) {
		t.Fatalf("phone send after its end: %v, want ErrClosed", err)
	}
	if err := watch.Send(ctx(t), "to nobody"); codeOf(err) != ic.WatchDisconnected {
		t.Fatalf("watch send to the ended phone: %v, want %d", err, ic.WatchDisconnected)
	}
	if st, err := watch.ReadyState(ctx(t)); err != nil || st != ic.WatchStateClosed {
		t.Fatalf("ReadyState = %d, %v; want closed", st, err)
	}
	noEvent(t, watch.Events())
}

// watchGone checks what a phone app sees when the watch's session ended
// (the node left) and that nothing the watch sends gets through.
func watchGone(t *testing.T, w *pairWorld, phone *interconnect.Phone, watch *interconnect.Watch) {
	t.Helper()
	if e := within(t, phone.Events(), endWithin, "node"); e.Node != w.did || e.Connected {
		t.Fatalf("phone saw %+v, want node %s left", e, w.did)
	}
	if err := watch.Send(ctx(t), "after"); !errors.Is(err, interconnect.ErrClosed) {
		t.Fatalf("watch send after its end: %v, want ErrClosed", err)
	}
	if err := phone.SendMessage(ctx(t), w.did, []byte("to nobody")); err == nil {
		t.Fatal("phone send to the ended watch succeeded")
	}
	if err := phone.Ping(ctx(t)); err != nil {
		t.Fatalf("the phone app's own session: %v", err)
	}
	noEvent(t, phone.Events())
}

// TestPhoneAccessEnds: a phone app's session ends within a second when its
// token is revoked (alone or with the user's others) or replaced by a
// password change made elsewhere; sessions on the user's other tokens stay.
func TestPhoneAccessEnds(t *testing.T) {
	f := newFixture(t)
	bg := context.Background()

	t.Run("revoke all tokens", func(t *testing.T) {
		w := f.world(t)
		phone, watch := w.pairUp(t)
		if _, err := f.srv.Admin.RevokeUserTokens(bg, w.uid); err != nil {
			t.Fatal(err)
		}
		ended(t, phone.Events(), endWithin, core.AccessTokensRevoked)
		phoneGone(t, w, phone, watch)
	})

	t.Run("revoke one token", func(t *testing.T) {
		w := f.world(t)
		phone, watch := w.pairUp(t)
		other := w.otherPhone(t, w.secondToken(t))
		if err := f.node().RevokeToken(bg, w.token); err != nil {
			t.Fatal(err)
		}
		ended(t, phone.Events(), endWithin, core.AccessTokenRevoked)
		phoneGone(t, w, phone, watch)
		if err := other.Ping(ctx(t)); err != nil {
			t.Fatalf("session on another token: %v", err)
		}
	})

	t.Run("password change", func(t *testing.T) {
		u, s1, _, err := f.node().CreateUser(bg, f.appID, core.NewUser{Username: fmt.Sprintf("pw-%d", f.n.Add(1)), Password: "old-pass-1"})
		if err != nil {
			t.Fatal(err)
		}
		_, s2, err := f.node().Login(bg, f.appID, u.Username, "old-pass-1")
		if err != nil {
			t.Fatal(err)
		}
		did, pc := f.watchDevice(t, u.UID)
		w := &pairWorld{f: f, uid: u.UID, token: s2.Token, did: did, passcode: pc, cert: newCert(t, "pw")}
		phone, watch := w.pairUp(t)
		mine := w.otherPhone(t, s1.Token)
		putUser(t, f, s1.Token, map[string]string{"old_pwd": "old-pass-1", "new_pwd": "new-pass-2"})
		ended(t, phone.Events(), endWithin, core.AccessPasswordChange)
		phoneGone(t, w, phone, watch)
		// The session of the token that changed the password stays.
		if err := mine.Ping(ctx(t)); err != nil {
			t.Fatalf("the caller's session after its password change: %v", err)
		}
		noEvent(t, mine.Events())
	})
}

// TestPhoneTokenExpiry: a phone app's session ends when its token expires,
// without any client action.
func TestPhoneTokenExpiry(t *testing.T) {
	const ttl = 2 * time.Second
	f := newFixture(t, func(c *server.Config) { c.TokenTTL = ttl })
	issued := time.Now().Truncate(time.Millisecond)
	w := f.world(t)
	phone, watch := w.pairUp(t)
	ended(t, phone.Events(), time.Until(issued.Add(ttl))+endWithin, "token expired")
	if early := time.Since(issued); early < ttl {
		t.Fatalf("ended after %v, before the token's %v", early, ttl)
	}
	phoneGone(t, w, phone, watch)
}

// TestWatchAccessEnds: a watch app's session ends within a second when its
// device is unbound from the user it acts for, disabled, deleted or
// registered again (new passcode); its phone app stays and learns the
// node left.
func TestWatchAccessEnds(t *testing.T) {
	f := newFixture(t)
	bg := context.Background()
	for _, tc := range []struct {
		name    string
		end     func(t *testing.T, w *pairWorld)
		reasons []string
	}{
		{"unbind", func(t *testing.T, w *pairWorld) {
			if err := f.node().Unbind(bg, w.uid, w.did); err != nil {
				t.Fatal(err)
			}
		}, []string{"device unbound"}},
		{"device disabled", func(t *testing.T, w *pairWorld) {
			if err := f.node().SetDeviceDisabled(bg, w.did, true); err != nil {
				t.Fatal(err)
			}
		}, []string{"device disabled"}},
		// Deletion removes the bindings first: either news may end it.
		{"device deleted", func(t *testing.T, w *pairWorld) {
			if err := f.node().DeleteDevice(bg, w.did); err != nil {
				t.Fatal(err)
			}
		}, []string{"device unbound", "device deleted"}},
		{"registered again", func(t *testing.T, w *pairWorld) {
			d, err := f.node().Device(bg, w.did)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.node().RegisterDevice(bg, d.ProductKey, d.MAC, "NEWPASS2"); err != nil {
				t.Fatal(err)
			}
		}, []string{"device registered again"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := f.world(t)
			phone, watch := w.pairUp(t)
			tc.end(t, w)
			ended(t, watch.Events(), endWithin, tc.reasons...)
			watchGone(t, w, phone, watch)
		})
	}
}

// A watch that reconnects with its new passcode right after registering
// again keeps the new session: the registration's control concerns only
// sessions older than it.
func TestWatchReregisteredReconnects(t *testing.T) {
	w := newPairWorld(t)
	phone, watch := w.pairUp(t)
	d, err := w.f.node().Device(context.Background(), w.did)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.f.node().RegisterDevice(context.Background(), d.ProductKey, d.MAC, "NEWPASS2"); err != nil {
		t.Fatal(err)
	}
	w.passcode = "NEWPASS2"
	again := w.watch(t)
	ended(t, watch.Events(), endWithin, "device registered again")
	expect(t, again.Events(), "open", 0)
	if err := again.Send(ctx(t), "hello again"); err != nil {
		t.Fatal(err)
	}
	if e := skipTo(t, phone.Events(), "message"); e.Data != "hello again" {
		t.Fatalf("phone got %+v", e)
	}
	if st, err := again.ReadyState(ctx(t)); err != nil || st != ic.WatchStateOpen {
		t.Fatalf("new session ReadyState = %d, %v", st, err)
	}
}

// secondToken issues another token to the world's anonymous user.
func (w *pairWorld) secondToken(t *testing.T) string {
	t.Helper()
	u, err := w.f.node().UserByToken(context.Background(), w.f.appID, w.token)
	if err != nil {
		t.Fatal(err)
	}
	_, s, created, err := w.f.node().CreateUser(context.Background(), w.f.appID, core.NewUser{PhoneID: u.PhoneID})
	if err != nil || created {
		t.Fatalf("second token: %v (created %v)", err, created)
	}
	return s.Token
}

// otherPhone connects another phone app of the user (another package, so
// it replaces nothing) with token.
func (w *pairWorld) otherPhone(t *testing.T, token string) *interconnect.Phone {
	t.Helper()
	cfg := w.phoneCfg(w.cert)
	cfg.Package, cfg.Token = "com.example.other", token
	p, err := interconnect.DialPhone(ctx(t), cfg)
	if err != nil {
		t.Fatalf("DialPhone: %v", err)
	}
	t.Cleanup(func() { p.CloseNow() })
	return p
}

// putUser is PUT /app/users over HTTP with a user token.
func putUser(t *testing.T, f *fixture, token string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPut, f.srv.HTTPURL+"/app/users", bytes.NewReader(b))
	req.Header.Set("X-Gizwits-Application-Id", f.appID)
	req.Header.Set("X-Gizwits-User-token", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /app/users: %d", resp.StatusCode)
	}
}
