package gizapp_test

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/server"
)

func TestCreateAnonymousUser(t *testing.T) {
	e := start(t)
	r := e.do("POST", "/app/users", e.appHdr(), map[string]any{"phone_id": "wx-open-id-1", "lang": "en"})
	wantOK(t, r, http.StatusCreated)
	m := r.obj(t)
	uid, tok := m["uid"].(string), m["token"].(string)
	exp, ok := m["expire_at"].(float64)
	if uid == "" || tok == "" || !ok || int64(exp) <= time.Now().Unix() {
		t.Fatalf("reply %s", r.body)
	}
	// The same install signs in again: same user, new token, still 201.
	r = e.do("POST", "/app/users", e.appHdr(), map[string]any{"phone_id": "wx-open-id-1"})
	wantOK(t, r, http.StatusCreated)
	m2 := r.obj(t)
	if m2["uid"] != uid || m2["token"] == tok {
		t.Fatalf("second sign-in %s, first %s", r.body, tok)
	}
	wantOK(t, e.do("GET", "/app/users", e.userHdr(tok), nil), http.StatusOK)
}

func TestCreateRegisteredUsers(t *testing.T) {
	e := start(t)
	r := e.do("POST", "/app/users", e.appHdr(), map[string]any{"username": "alice", "password": "secret-1"})
	wantOK(t, r, http.StatusCreated)
	wantErr(t, e.do("POST", "/app/users", e.appHdr(), map[string]any{"username": "alice", "password": "secret-2"}), 400, 9019)
	wantOK(t, e.do("POST", "/app/users", e.appHdr(), map[string]any{"email": "Bob@Example.com", "password": "secret-1"}), http.StatusCreated)
	wantErr(t, e.do("POST", "/app/users", e.appHdr(), map[string]any{"email": "bob@example.com", "password": "secret-1"}), 400, 9022)
	for name, body := range map[string]any{
		"short password":  map[string]any{"username": "carol", "password": "123"},
		"phone with code": map[string]any{"phone": "+8613800000000", "password": "secret-1", "code": "1234"},
		"authData":        map[string]any{"authData": map[string]string{"src": "qq", "uid": "x", "token": "y"}},
		"nothing":         map[string]any{},
		"wrong type":      map[string]any{"phone_id": 42},
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, e.do("POST", "/app/users", e.appHdr(), body), 400, 9015) })
	}
}

func TestLogin(t *testing.T) {
	e := start(t)
	wantOK(t, e.do("POST", "/app/users", e.appHdr(), map[string]any{"username": "alice", "password": "secret-1"}), http.StatusCreated)
	wantOK(t, e.do("POST", "/app/users", e.appHdr(), map[string]any{"email": "al@example.com", "password": "secret-2"}), http.StatusCreated)

	r := e.do("POST", "/app/login", e.appHdr(), map[string]any{"username": "alice", "password": "secret-1", "lang": "en"})
	wantOK(t, r, http.StatusOK)
	m := r.obj(t)
	if m["uid"] == "" || m["token"] == "" || m["expire_at"] == nil {
		t.Fatalf("login %s", r.body)
	}
	wantOK(t, e.do("POST", "/app/login", e.appHdr(), map[string]any{"username": "AL@example.com", "password": "secret-2"}), http.StatusOK)
	wantErr(t, e.do("POST", "/app/login", e.appHdr(), map[string]any{"username": "alice", "password": "wrong-pw"}), 400, 9020)
	wantErr(t, e.do("POST", "/app/login", e.appHdr(), map[string]any{"username": "nobody", "password": "secret-1"}), 400, 9020)
	wantErr(t, e.do("POST", "/app/login", e.appHdr(), map[string]any{"username": "alice"}), 400, 9015)
}

func TestAppIDRequired(t *testing.T) {
	e := start(t)
	_, tok := e.anonUser("p1")
	for _, h := range []hdr{{}, {"X-Gizwits-Application-Id": "0123456789abcdef0123456789abcdef"}} {
		wantErr(t, e.do("POST", "/app/users", h, map[string]any{"phone_id": "p2"}), 400, 9003)
		wantErr(t, e.do("POST", "/app/login", h, map[string]any{"username": "a", "password": "b"}), 400, 9003)
		wantErr(t, e.do("GET", "/app/datapoint?product_key="+e.product.ProductKey, h, nil), 400, 9003)
		h["X-Gizwits-User-token"] = tok
		wantErr(t, e.do("GET", "/app/bindings", h, nil), 400, 9003)
	}
}

func TestUserTokenChecks(t *testing.T) {
	e := start(t)
	_, tok := e.anonUser("p1")
	other, err := e.srv.Admin.CreateApp(t.Context(), "other app")
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum([]byte(e.app.AppID + e.app.AppSecret))
	r := e.do("POST", "/app/request_token", hdr{"X-Gizwits-Application-Id": e.app.AppID, "X-Gizwits-Application-Auth": hex.EncodeToString(sum[:])}, nil)
	wantOK(t, r, http.StatusOK)
	appToken := r.obj(t)["token"].(string)

	for name, h := range map[string]hdr{
		"missing":         e.appHdr(),
		"bogus":           e.userHdr("ffffffffffffffffffffffffffffffff"),
		"other app":       {"X-Gizwits-Application-Id": other.AppID, "X-Gizwits-User-token": tok},
		"app token":       e.userHdr(appToken),
		"overlong header": e.userHdr(strings.Repeat("a", 500)),
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, e.do("GET", "/app/users", h, nil), 400, 9004) })
	}
	// Header names are case-insensitive (pyGizwits sends User-Token).
	wantOK(t, e.do("GET", "/app/users", hdr{"x-gizwits-application-id": e.app.AppID, "X-Gizwits-User-Token": tok}, nil), http.StatusOK)
}

// TestUserTokenExpires: a token is accepted until its lifetime has passed
// and refused after. How long the requests take does not matter: a refusal
// only fails the test when its reply came back before the lifetime could
// have run out (the token cannot be older than the time since before it was
// asked for), so a slow machine is no reason to fail.
func TestUserTokenExpires(t *testing.T) {
	const ttl = 2 * time.Second
	e := start(t, withConfig(func(c *server.Config) { c.TokenTTL = ttl }))
	asked := time.Now()
	_, tok := e.anonUser("p1")
	r := e.do("GET", "/app/users", e.userHdr(tok), nil)
	// ExpiresAt is kept in milliseconds: allow for that truncation.
	if r.status != http.StatusOK {
		if time.Since(asked) < ttl-10*time.Millisecond {
			t.Fatalf("a fresh token was refused within its %s lifetime: %d %s", ttl, r.status, r.body)
		}
		wantErr(t, r, 400, 9006)
	}
	eventually(t, func() error {
		r := e.do("GET", "/app/bindings", e.userHdr(tok), nil)
		if r.status == http.StatusOK {
			return errors.New("token still valid")
		}
		wantErr(t, r, 400, 9006)
		return nil
	})
}

func TestRequestToken(t *testing.T) {
	e := start(t)
	sum := md5.Sum([]byte(e.app.AppID + e.app.AppSecret))
	good := hex.EncodeToString(sum[:])
	r := e.do("POST", "/app/request_token", hdr{"X-Gizwits-Application-Id": e.app.AppID, "X-Gizwits-Application-Auth": strings.ToUpper(good)}, nil)
	wantOK(t, r, http.StatusOK)
	m := r.obj(t)
	if m["token"] == "" || m["expired_at"] == nil || m["expire_at"] != nil {
		t.Fatalf("reply %s", r.body)
	}
	wantErr(t, e.do("POST", "/app/request_token", hdr{"X-Gizwits-Application-Id": e.app.AppID, "X-Gizwits-Application-Auth": "00" + good[2:]}, nil), 400, 9038)
	wantErr(t, e.do("POST", "/app/request_token", e.appHdr(), nil), 400, 9038)
	wantErr(t, e.do("POST", "/app/request_token", hdr{"X-Gizwits-Application-Auth": good}, nil), 400, 9003)
}

func TestGetAndUpdateUser(t *testing.T) {
	e := start(t)
	uid, tok := e.anonUser("install-1")
	r := e.do("GET", "/app/users", e.userHdr(tok), nil)
	wantOK(t, r, http.StatusOK)
	m := r.obj(t)
	for _, k := range []string{"uid", "username", "email", "phone", "name", "gender", "birthday", "address", "remark", "lang", "is_anonymous", "created_at", "updated_at"} {
		if _, ok := m[k]; !ok {
			t.Errorf("GET /app/users lacks %q: %s", k, r.body)
		}
	}
	if m["uid"] != uid || m["is_anonymous"] != true || m["lang"] != "en" {
		t.Fatalf("user %s", r.body)
	}

	r = e.do("PUT", "/app/users", e.userHdr(tok), map[string]any{"name": "Ann", "gender": "F", "birthday": "1990-02-03", "address": "here", "remark": "r", "lang": "zh-cn"})
	wantOK(t, r, http.StatusOK)
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$`).MatchString(r.obj(t)["updatedAt"].(string)) {
		t.Fatalf("updatedAt %s", r.body)
	}
	m = e.do("GET", "/app/users", e.userHdr(tok), nil).obj(t)
	if m["name"] != "Ann" || m["gender"] != "F" || m["birthday"] != "1990-02-03" || m["lang"] != "zh-cn" {
		t.Fatalf("after update %v", m)
	}

	for name, body := range map[string]any{
		"empty":             map[string]any{},
		"bad gender":        map[string]any{"gender": "X"},
		"bad birthday":      map[string]any{"birthday": "13-45"},
		"phone":             map[string]any{"phone": "123", "code": "1"},
		"username, no pw":   map[string]any{"username": "ann"},
		"password, no name": map[string]any{"password": "secret-1"},
		"short password":    map[string]any{"username": "ann", "password": "1"},
		"not JSON":          "{",
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, e.do("PUT", "/app/users", e.userHdr(tok), body), 400, 9015) })
	}

	// Anonymous -> registered, then a password change.
	wantOK(t, e.do("PUT", "/app/users", e.userHdr(tok), map[string]any{"username": "ann", "password": "secret-1"}), http.StatusOK)
	if m := e.do("GET", "/app/users", e.userHdr(tok), nil).obj(t); m["is_anonymous"] != false || m["username"] != "ann" {
		t.Fatalf("after conversion %v", m)
	}
	wantOK(t, e.do("POST", "/app/login", e.appHdr(), map[string]any{"username": "ann", "password": "secret-1"}), http.StatusOK)
	wantErr(t, e.do("PUT", "/app/users", e.userHdr(tok), map[string]any{"password": "secret-9"}), 400, 9015)
	wantErr(t, e.do("PUT", "/app/users", e.userHdr(tok), map[string]any{"old_pwd": "wrong-pw", "new_pwd": "secret-2"}), 400, 9020)
	wantOK(t, e.do("PUT", "/app/users", e.userHdr(tok), map[string]any{"old_pwd": "secret-1", "new_pwd": "secret-2"}), http.StatusOK)
	wantOK(t, e.do("POST", "/app/login", e.appHdr(), map[string]any{"username": "ann", "password": "secret-2"}), http.StatusOK)

	// A taken username or email is refused with its own code.
	wantOK(t, e.do("POST", "/app/users", e.appHdr(), map[string]any{"username": "zed", "password": "secret-1"}), http.StatusCreated)
	wantOK(t, e.do("POST", "/app/users", e.appHdr(), map[string]any{"email": "zed@example.com", "password": "secret-1"}), http.StatusCreated)
	wantErr(t, e.do("PUT", "/app/users", e.userHdr(tok), map[string]any{"username": "zed"}), 400, 9019)
	wantErr(t, e.do("PUT", "/app/users", e.userHdr(tok), map[string]any{"email": "ZED@example.com"}), 400, 9022)
}
