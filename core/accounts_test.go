package core_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/core"
)

func TestAnonymousUserLogsInAgain(t *testing.T) {
	n, _ := newNode(t, 0)
	app, _ := world(t, n)
	ctx := context.Background()
	u1, s1, created, err := n.CreateUser(ctx, app.ID, core.NewUser{PhoneID: "wx-open-id"})
	if err != nil || !created || len(s1.Token) != 32 || len(u1.UID) != 32 {
		t.Fatalf("first = %+v %+v %v %v", u1, s1, created, err)
	}
	u2, s2, created, err := n.CreateUser(ctx, app.ID, core.NewUser{PhoneID: "wx-open-id"})
	if err != nil || created || u2.UID != u1.UID || s2.Token == s1.Token {
		t.Fatalf("second = %+v %+v %v %v; want the same uid, a new token", u2, s2, created, err)
	}
	// Both tokens stay valid, as in the Gizwits cloud.
	for _, tok := range []string{s1.Token, s2.Token} {
		if u, err := n.UserByToken(ctx, app.ID, tok); err != nil || u.UID != u1.UID {
			t.Fatalf("token %s: %+v %v", tok, u, err)
		}
	}
	if _, _, _, err := n.CreateUser(ctx, "ffffffffffffffffffffffffffffffff", core.NewUser{PhoneID: "x"}); !errors.Is(err, core.ErrAppNotFound) {
		t.Fatalf("unknown app: %v", err)
	}
}

func TestRegisteredUserLogin(t *testing.T) {
	n, _ := newNode(t, 0)
	app, _ := world(t, n)
	ctx := context.Background()
	u, _, _, err := n.CreateUser(ctx, app.ID, core.NewUser{Username: "alice", Password: "s3cret-pw"})
	if err != nil || u.PasswordHash == "" || u.PasswordHash == "s3cret-pw" {
		t.Fatalf("create = %+v %v", u, err)
	}
	if _, _, _, err := n.CreateUser(ctx, app.ID, core.NewUser{Username: "alice", Password: "other-pw"}); !errors.Is(err, core.ErrUsernameTaken) {
		t.Fatalf("same username: %v", err)
	}
	if _, _, _, err := n.CreateUser(ctx, app.ID, core.NewUser{Email: "Bob@Example.com", Password: "s3cret-pw"}); err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string]core.NewUser{
		"short password": {Username: "carol", Password: "12345"},
		"nothing":        {},
		"both names":     {Username: "d", Email: "d@x", Password: "s3cret-pw"},
		"bad email":      {Email: "not-an-email", Password: "s3cret-pw"},
	} {
		if _, _, _, err := n.CreateUser(ctx, app.ID, req); !errors.Is(err, core.ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	if got, s, err := n.Login(ctx, app.ID, "alice", "s3cret-pw"); err != nil || got.UID != u.UID || s.Token == "" {
		t.Fatalf("login = %+v %v", got, err)
	}
	if _, _, err := n.Login(ctx, app.ID, "bob@example.com", "s3cret-pw"); err != nil {
		t.Fatalf("login by email (case-insensitive): %v", err)
	}
	for _, bad := range [][2]string{{"alice", "wrong-pw"}, {"nobody", "s3cret-pw"}, {"", ""}} {
		if _, _, err := n.Login(ctx, app.ID, bad[0], bad[1]); !errors.Is(err, core.ErrBadLogin) {
			t.Errorf("login %q/%q: %v, want ErrBadLogin", bad[0], bad[1], err)
		}
	}
	// An anonymous user has no password to log in with.
	if _, _, _, err := n.CreateUser(ctx, app.ID, core.NewUser{PhoneID: "install-1"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := n.Login(ctx, app.ID, "install-1", ""); !errors.Is(err, core.ErrBadLogin) {
		t.Errorf("anonymous login: %v", err)
	}
	// Another app is another user domain.
	other, _ := n.CreateApp(ctx, "other")
	if _, _, err := n.Login(ctx, other.ID, "alice", "s3cret-pw"); !errors.Is(err, core.ErrBadLogin) {
		t.Errorf("login under another app: %v", err)
	}
}

func TestTokens(t *testing.T) {
	n, _ := newNode(t, 300*time.Millisecond)
	app, _ := world(t, n)
	ctx := context.Background()
	_, s, _, err := n.CreateUser(ctx, app.ID, core.NewUser{PhoneID: "p"})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := n.CreateApp(ctx, "other")
	for name, c := range map[string][2]string{
		"unknown token": {app.ID, "0123456789abcdef0123456789abcdef"},
		"empty":         {app.ID, ""},
		"other app":     {other.ID, s.Token},
	} {
		if _, err := n.UserByToken(ctx, c[0], c[1]); !errors.Is(err, core.ErrTokenInvalid) {
			t.Errorf("%s: %v, want ErrTokenInvalid", name, err)
		}
	}
	// An appid no application has is what is wrong, whatever the token
	// (9003, not 9004, at both Gizwits edges).
	for name, tok := range map[string]string{"valid token": s.Token, "unknown token": "0123456789abcdef0123456789abcdef", "empty": ""} {
		if _, err := n.UserByToken(ctx, "ffffffffffffffffffffffffffffffff", tok); !errors.Is(err, core.ErrAppNotFound) {
			t.Errorf("unknown appid, %s: %v, want ErrAppNotFound", name, err)
		}
	}
	// Application tokens prove md5(appid+secret) and act for no user.
	sum := md5.Sum([]byte(app.ID + app.Secret))
	at, err := n.AppToken(ctx, app.ID, hex.EncodeToString(sum[:]))
	if err != nil || at.Token == "" || at.UID != "" {
		t.Fatalf("app token = %+v %v", at, err)
	}
	if _, err := n.UserByToken(ctx, app.ID, at.Token); !errors.Is(err, core.ErrTokenInvalid) {
		t.Errorf("an app token used as a user token: %v", err)
	}
	if _, err := n.AppToken(ctx, app.ID, "00000000000000000000000000000000"); !errors.Is(err, core.ErrAppAuth) {
		t.Errorf("bad app auth: %v", err)
	}
	// Expiry (the node was made with a 300 ms lifetime).
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := n.UserByToken(ctx, app.ID, s.Token)
		if errors.Is(err, core.ErrTokenExpired) {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("token never expired: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Revocation.
	_, s2, _, _ := n.CreateUser(ctx, app.ID, core.NewUser{PhoneID: "p"})
	if err := n.RevokeToken(ctx, s2.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := n.UserByToken(ctx, app.ID, s2.Token); !errors.Is(err, core.ErrTokenInvalid) {
		t.Errorf("revoked token: %v", err)
	}
}

func TestBindings(t *testing.T) {
	n, _ := newNode(t, 0)
	app, d := world(t, n)
	ctx := context.Background()
	alice, _, _, _ := n.CreateUser(ctx, app.ID, core.NewUser{PhoneID: "alice"})
	bob, _, _, _ := n.CreateUser(ctx, app.ID, core.NewUser{PhoneID: "bob"})
	aliceEvents := watch[core.BindingEvent](t, n, core.SubjectUserBinding(alice.UID))

	if _, err := n.BindDevice(ctx, alice.UID, d.DID, "WRONG", core.BindOptions{}); !errors.Is(err, core.ErrBadCredentials) {
		t.Fatalf("wrong passcode: %v", err)
	}
	if _, err := n.BindDevice(ctx, alice.UID, "AAAAAAAAAAAAAAAAAAAAAA", "x", core.BindOptions{}); !errors.Is(err, core.ErrBadCredentials) {
		t.Fatalf("unknown did: %v", err)
	}
	b, err := n.BindDevice(ctx, alice.UID, d.DID, d.Passcode, core.BindOptions{Alias: " hall "})
	if err != nil || b.Role != "owner" || b.Alias != "hall" {
		t.Fatalf("bind = %+v %v", b, err)
	}
	if ev := receive(t, aliceEvents); !ev.Bind || ev.DID != d.DID {
		t.Fatalf("bind event = %+v", ev)
	}
	// Binding twice changes nothing and announces nothing.
	if _, err := n.BindDevice(ctx, alice.UID, d.DID, d.Passcode, core.BindOptions{}); err != nil {
		t.Fatal(err)
	}
	_, dev2, err := n.BindByMAC(ctx, bob.UID, d.ProductKey, "AA:BB:CC:DD:EE:FF", core.BindOptions{})
	if err != nil || dev2.DID != d.DID {
		t.Fatalf("bind by MAC = %+v %v", dev2, err)
	}
	if b, _ := n.Binding(ctx, bob.UID, d.DID); b.Role != "normal" {
		t.Errorf("second user's role = %q, want normal", b.Role)
	}
	if _, _, err := n.BindByMAC(ctx, bob.UID, d.ProductKey, "000000000000", core.BindOptions{}); !errors.Is(err, core.ErrDeviceNotFound) {
		t.Errorf("unknown MAC: %v", err)
	}
	// Authorization, unbinding.
	if err := n.Unbind(ctx, alice.UID, d.DID); err != nil {
		t.Fatal(err)
	}
	if ev := receive(t, aliceEvents); ev.Bind || ev.DID != d.DID {
		t.Fatalf("unbind event = %+v", ev)
	}
	if _, err := n.Binding(ctx, alice.UID, d.DID); !errors.Is(err, core.ErrNotBound) {
		t.Errorf("after unbind: %v", err)
	}
	if err := n.Unbind(ctx, alice.UID, d.DID); !errors.Is(err, core.ErrNotBound) {
		t.Errorf("unbind twice: %v", err)
	}
	// Deleting the device tells the users still bound.
	bobEvents := watch[core.BindingEvent](t, n, core.SubjectUserBinding(bob.UID))
	if err := n.DeleteDevice(ctx, d.DID); err != nil {
		t.Fatal(err)
	}
	if ev := receive(t, bobEvents); ev.Bind || ev.DID != d.DID {
		t.Fatalf("delete event = %+v", ev)
	}
}
