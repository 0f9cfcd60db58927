package gizws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/devsim"
	"github.com/switchboard-iot/switchboard/server"
)

// endWithin is how soon a session must learn that its access ended.
const endWithin = time.Second

// live is a logged-in session of a user bound and subscribed to dev.
type live struct {
	c          *client
	uid, token string
}

func (f *fixture) live(t *testing.T, uid, token string, dev *devsim.Device) live {
	t.Helper()
	c := f.dial(t)
	c.login(f.appID, uid, token, loginOpts{})
	if _, err := f.node().Binding(context.Background(), uid, dev.DID()); err != nil {
		f.bind(t, uid, dev)
		c.expect("s2c_binding_changed")
	}
	c.subscribe(dev.DID())
	c.expect("s2c_online_status")
	return live{c: c, uid: uid, token: token}
}

// expectWithin returns the next message with that cmd, skipping device
// traffic, and fails unless it arrives within d.
func (c *client) expectWithin(d time.Duration, cmd string) msg {
	c.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-c.in:
			switch m.Cmd {
			case cmd:
				return m
			case "s2c_noti", "s2c_online_status", "s2c_raw":
				continue
			}
			c.t.Fatalf("want %s, got %s", cmd, m)
		case <-c.done:
			c.t.Fatalf("connection ended: %v", c.err)
		case <-deadline:
			c.t.Fatalf("no %s within %v", cmd, d)
		}
	}
}

// expectEnded checks the session is told within endWithin (plus extra)
// that its token ended, with code.
func (c *client) expectEnded(code int, extra time.Duration) {
	c.t.Helper()
	m := c.expectWithin(endWithin+extra, "s2c_invalid_msg")
	if got := m.num(c.t, "error_code"); got != code {
		c.t.Fatalf("error_code %d, want %d: %s", got, code, m)
	}
	want := map[int]string{9004: "token invalid", 9006: "token expired"}[code]
	if got := m.str(c.t, "msg"); got != want {
		c.t.Fatalf("msg %q, want %q", got, want)
	}
}

// cannotWrite checks a c2s_write is refused with code and reaches no
// device.
func cannotWrite(t *testing.T, c *client, did string, down <-chan core.Downlink, code int) {
	t.Helper()
	c.send("c2s_write", map[string]any{"did": did, "attrs": map[string]any{"LED_OnOff": true}})
	c.expectInvalid(code, "s2c_noti", "s2c_online_status")
	c.ensureQuiet("s2c_noti", "s2c_online_status")
	select {
	case d := <-down:
		t.Fatalf("the device received %x", d.Frame)
	case <-time.After(200 * time.Millisecond):
	}
}

// canWrite checks a c2s_write still reaches the device.
func canWrite(t *testing.T, c *client, did string, down <-chan core.Downlink) {
	t.Helper()
	c.send("c2s_write", map[string]any{"did": did, "attrs": map[string]any{"LED_OnOff": true}})
	nextDown(t, down)
}

// putUser is PUT /app/users over HTTP with the user's token.
func (f *fixture) putUser(t *testing.T, token string, body any) {
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
		var e map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("PUT /app/users: %d %v", resp.StatusCode, e)
	}
}

// TestAccessEndsLogin: every way a token ends logs out the sessions that
// logged in with it within a second (s2c_invalid_msg 9004), and nothing
// they send reaches a device afterwards; sessions on other tokens of the
// user stay.
func TestAccessEndsLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()

	t.Run("revoke all tokens", func(t *testing.T) {
		dev := f.lamp(t)
		down := f.downlinks(t, dev.DID())
		uid, tok := f.user(t)
		a := f.live(t, uid, tok, dev)
		if _, err := f.srv.Admin.RevokeUserTokens(ctx, uid); err != nil {
			t.Fatal(err)
		}
		a.c.expectEnded(9004, 0)
		cannotWrite(t, a.c, dev.DID(), down, 1009)
		// Logged out, not closed: a login with the dead token fails.
		a.c.sendLogin(f.appID, uid, tok, loginOpts{})
		if m := a.c.expect("login_res"); m.num(t, "error_code") != 9004 {
			t.Fatalf("login with a revoked token: %s", m)
		}
	})

	t.Run("revoke one token", func(t *testing.T) {
		dev := f.lamp(t)
		down := f.downlinks(t, dev.DID())
		uid, tok := f.user(t)
		a := f.live(t, uid, tok, dev)
		// A second token of the same user, on its own session.
		u2, err := f.node().UserByToken(ctx, f.appID, tok)
		if err != nil {
			t.Fatal(err)
		}
		s2 := loginAgain(t, f, u2.PhoneID)
		b := f.live(t, uid, s2, dev)
		if err := f.node().RevokeToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		a.c.expectEnded(9004, 0)
		cannotWrite(t, a.c, dev.DID(), down, 1009)
		b.c.ensureQuiet("s2c_noti", "s2c_online_status")
		canWrite(t, b.c, dev.DID(), down)
	})

	t.Run("password change", func(t *testing.T) {
		dev := f.lamp(t)
		down := f.downlinks(t, dev.DID())
		u, s1, _, err := f.node().CreateUser(ctx, f.appID, core.NewUser{Username: "pw-" + f.mac(), Password: "old-pass-1"})
		if err != nil {
			t.Fatal(err)
		}
		_, s2, err := f.node().Login(ctx, f.appID, u.Username, "old-pass-1")
		if err != nil {
			t.Fatal(err)
		}
		mine := f.live(t, u.UID, s1.Token, dev)
		other := f.live(t, u.UID, s2.Token, dev)
		f.putUser(t, s1.Token, map[string]string{"old_pwd": "old-pass-1", "new_pwd": "new-pass-2"})
		other.c.expectEnded(9004, 0)
		cannotWrite(t, other.c, dev.DID(), down, 1009)
		// The session that changed the password keeps working.
		mine.c.ensureQuiet("s2c_noti", "s2c_online_status")
		canWrite(t, mine.c, dev.DID(), down)
	})

	// Access to one device, not the login, ends: the session stays logged
	// in and is refused that device.
	for _, tc := range []struct {
		name   string
		end    func(t *testing.T, uid, did string)
		notice string
		code   int
	}{
		{"unbind", func(t *testing.T, uid, did string) {
			if err := f.node().Unbind(ctx, uid, did); err != nil {
				t.Fatal(err)
			}
		}, "s2c_binding_changed", 9017},
		{"device deleted", func(t *testing.T, _, did string) {
			if err := f.node().DeleteDevice(ctx, did); err != nil {
				t.Fatal(err)
			}
		}, "s2c_binding_changed", 9017},
		{"device disabled", func(t *testing.T, _, did string) {
			if err := f.node().SetDeviceDisabled(ctx, did, true); err != nil {
				t.Fatal(err)
			}
		}, "s2c_online_status", 9023},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := f.lamp(t)
			down := f.downlinks(t, dev.DID())
			uid, tok := f.user(t)
			a := f.live(t, uid, tok, dev)
			tc.end(t, uid, dev.DID())
			m := a.c.expectWithin(endWithin, tc.notice)
			if tc.notice == "s2c_online_status" {
				var online bool
				m.field(t, "online", &online)
				if online {
					t.Fatalf("want offline: %s", m)
				}
			}
			cannotWrite(t, a.c, dev.DID(), down, tc.code)
		})
	}
}

// loginAgain issues another token to an anonymous user.
func loginAgain(t *testing.T, f *fixture, phoneID string) string {
	t.Helper()
	_, s, created, err := f.node().CreateUser(context.Background(), f.appID, core.NewUser{PhoneID: phoneID})
	if err != nil || created {
		t.Fatalf("login again: %v (created %v)", err, created)
	}
	return s.Token
}

// TestTokenExpiryEndsLogin: a session ends when its token expires, with no
// client action: s2c_invalid_msg 9006, then it is logged out.
func TestTokenExpiryEndsLogin(t *testing.T) {
	t.Parallel()
	const ttl = 2 * time.Second
	f := newFixture(t, func(c *server.Config) { c.TokenTTL = ttl })
	dev := f.lamp(t)
	down := f.downlinks(t, dev.DID())
	issued := time.Now().Truncate(time.Millisecond)
	uid, tok := f.user(t)
	a := f.live(t, uid, tok, dev)
	a.c.expectEnded(9006, time.Until(issued.Add(ttl)))
	if early := time.Since(issued); early < ttl {
		t.Fatalf("ended after %v, before the token's %v", early, ttl)
	}
	cannotWrite(t, a.c, dev.DID(), down, 1009)
}
