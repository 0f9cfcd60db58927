package securitytest_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/adapter/interconnect"
	icclient "github.com/switchboard-iot/switchboard/client/interconnect"
)

const relayPkg = "com.example.matrix"

// relayCert is a signing identity for hellos.
type relayCert struct {
	pem []byte
	key crypto.Signer
}

func newRelayCert(t *testing.T) relayCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "matrix"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return relayCert{pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: key}
}

// relayConn is a raw relay client.
type relayConn struct {
	t     *testing.T
	c     *websocket.Conn
	nonce []byte
	sent  string
}

func dialRelay(t *testing.T, w *world) *relayConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, _, err := websocket.Dial(ctx, w.relayURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	r := &relayConn{t: t, c: c}
	var ch struct {
		Type  string `json:"type"`
		Nonce []byte `json:"nonce"`
	}
	if err := json.Unmarshal([]byte(r.read(w)), &ch); err != nil || ch.Type != "challenge" {
		t.Fatalf("no challenge: %+v %v", ch, err)
	}
	r.nonce = ch.Nonce
	return r
}

func (r *relayConn) send(v any) {
	r.t.Helper()
	b, _ := json.Marshal(v)
	r.sent += string(b)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := r.c.Write(ctx, websocket.MessageText, b); err != nil {
		r.t.Fatal(err)
	}
}

// read returns the next frame, or "" once the relay closed; frames are
// checked for leaks.
func (r *relayConn) read(w *world) string {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, b, err := r.c.Read(ctx)
	if err != nil {
		if websocket.CloseStatus(err) == -1 {
			r.t.Fatalf("relay read: %v", err)
		}
		return ""
	}
	if l := w.leaks(r.sent, string(b)); len(l) > 0 {
		r.t.Errorf("a relay frame leaks %v: %s", l, b)
	}
	return string(b)
}

// closeCode reads until the relay closes and returns its close code.
func (r *relayConn) closeCode(w *world) int {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		_, b, err := r.c.Read(ctx)
		if err != nil {
			return int(websocket.CloseStatus(err))
		}
		if l := w.leaks(r.sent, string(b)); len(l) > 0 {
			r.t.Errorf("a relay frame leaks %v: %s", l, b)
		}
	}
}

// result sends a request frame and returns its result's code.
func (r *relayConn) result(w *world, f map[string]any) (int, string) {
	r.t.Helper()
	f["id"] = 42
	r.send(f)
	for {
		s := r.read(w)
		if s == "" {
			r.t.Fatalf("the relay closed instead of answering %v", f["type"])
		}
		var res struct {
			Type string `json:"type"`
			ID   int64  `json:"id"`
			Code int    `json:"code"`
		}
		if json.Unmarshal([]byte(s), &res) == nil && res.Type == "result" && res.ID == 42 {
			return res.Code, s
		}
	}
}

// hello builds a hello; role "phone" or "watch".
func phoneHello(w *world, cert relayCert, appID, token string) map[string]any {
	return map[string]any{"type": "hello", "role": "phone", "package": relayPkg, "certificate": string(cert.pem), "appid": appID, "token": token}
}

func watchHello(cert relayCert, did, passcode, userID string) map[string]any {
	h := map[string]any{"type": "hello", "role": "watch", "package": relayPkg, "certificate": string(cert.pem), "did": did, "passcode": passcode}
	if userID != "" {
		h["user_id"] = userID
	}
	return h
}

// relayCase: a hello case expects the relay to close with close; a
// frame case sends the row's frame as who ("" = before any hello) and
// expects close (for a frame before hello) or the result code.
type relayCase struct {
	hello func(w *world, r *relayConn) map[string]any
	who   string // "phone" (a2's phone app) or "" (no hello)
	node  func(w *world) string
	close int
	code  int
}

type relayRow struct {
	public string
	cases  map[Case]relayCase
}

// frameCases are the cases of a request frame of role.
func frameCases(role string) map[Case]relayCase {
	m := map[Case]relayCase{
		// Nothing but a hello is read before a hello.
		NoCreds: {who: "", close: interconnect.CloseBadHello},
	}
	switch role {
	case "phone":
		// a2's phone app, about the victim's watch.
		m[OtherParty] = relayCase{who: "phone", node: victimLamp, code: interconnect.StatusPermissionDenied}
	case "watch":
		// A phone cannot ask what only a watch may.
		m[OtherParty] = relayCase{who: "phone", node: victimLamp, code: interconnect.StatusCancelled}
	}
	return m
}

// relayRows: one per interconnect.FrameTypes() entry.
var relayRows = map[string]relayRow{
	"hello": {cases: map[Case]relayCase{
		NoCreds: {hello: func(w *world, r *relayConn) map[string]any {
			h := phoneHello(w, r.cert(), w.appA, "")
			delete(h, "token")
			return h
		}, close: interconnect.CloseBadHello},
		WrongCreds: {hello: func(w *world, r *relayConn) map[string]any {
			return watchHello(r.cert(), w.victimLamp.did, "WRONGPASS", "")
		}, close: interconnect.CloseBadAuth},
		WrongCreds + ": phone": {hello: func(w *world, r *relayConn) map[string]any { return phoneHello(w, r.cert(), w.appA, "not-a-token") }, close: interconnect.CloseBadAuth},
		OtherApp:               {hello: func(w *world, r *relayConn) map[string]any { return phoneHello(w, r.cert(), w.appA, w.b1.token) }, close: interconnect.CloseBadAuth},
		Expired:                {hello: func(w *world, r *relayConn) map[string]any { return phoneHello(w, r.cert(), w.appA, w.expiredToken) }, close: interconnect.CloseBadAuth},
		Revoked:                {hello: func(w *world, r *relayConn) map[string]any { return phoneHello(w, r.cert(), w.appA, w.revokedToken) }, close: interconnect.CloseBadAuth},
		// The victim's watch claimed for the attacker's account.
		OtherParty: {hello: func(w *world, r *relayConn) map[string]any {
			return watchHello(r.cert(), w.victimLamp.did, w.victimLamp.passcode, w.a2.uid)
		}, close: interconnect.CloseForbidden},
		Disabled: {hello: func(w *world, r *relayConn) map[string]any {
			return watchHello(r.cert(), w.disabledLamp.did, w.disabledLamp.passcode, "")
		}, close: interconnect.CloseForbidden},
		// A proof made for another connection's nonce.
		Replayed: {hello: func(w *world, r *relayConn) map[string]any {
			cert := r.cert()
			other := dialRelay(r.t, w)
			proof, err := icclient.Sign(cert.key, other.nonce)
			if err != nil {
				r.t.Fatal(err)
			}
			h := phoneHello(w, cert, w.appA, w.a2.token)
			h["proof"] = proof
			return h
		}, close: interconnect.CloseForbidden},
	}},
	"ping":                {cases: map[Case]relayCase{NoCreds: {who: "", close: interconnect.CloseBadHello}}},
	"send":                {cases: frameCases("phone")},
	"state":               {cases: frameCases("watch")},
	"diagnosis":           {cases: frameCases("watch")},
	"nodes":               {cases: map[Case]relayCase{NoCreds: {who: "", close: interconnect.CloseBadHello}, OtherParty: {who: "phone", code: interconnect.StatusSuccess}}},
	"installed":           {cases: frameCases("phone")},
	"check_permissions":   {cases: frameCases("phone")},
	"request_permissions": {cases: frameCases("phone")},
	"listen":              {cases: frameCases("phone")},
	// Forgetting a listener one never had is a no-op; it reveals nothing.
	"unlisten": {cases: map[Case]relayCase{NoCreds: {who: "", close: interconnect.CloseBadHello}, OtherParty: {who: "phone", node: victimLamp, code: interconnect.StatusSuccess}}},
}

func (r *relayConn) cert() relayCert { return newRelayCert(r.t) }

// relayFrame is a valid frame of typ about node.
func relayFrame(typ, node string) map[string]any {
	f := map[string]any{"type": typ}
	switch typ {
	case "send":
		f["data"], f["node"] = "hello watch", node
	case "installed", "listen", "unlisten":
		f["node"] = node
	case "check_permissions", "request_permissions":
		f["node"], f["permissions"] = node, []string{"data_manager"}
	}
	return f
}

func testRelay(t *testing.T, w *world) {
	seen := map[string]bool{}
	defer func() { staleRows(t, "relay", relayRows, seen) }()
	for _, ft := range interconnect.FrameTypes() {
		seen[ft.Type] = true
		t.Run(ft.Type, func(t *testing.T) {
			row, ok := relayRows[ft.Type]
			if !ok {
				noRow(t, "relay frame type "+ft.Type)
				return
			}
			w.tally.add("relay", len(row.cases))
			for _, k := range sortedCases(row.cases) {
				tc := row.cases[k]
				t.Run(string(k), func(t *testing.T) {
					r := dialRelay(t, w)
					if tc.hello != nil {
						r.send(tc.hello(w, r))
						if got := r.closeCode(w); got != tc.close {
							t.Errorf("hello closed with %d, want %d", got, tc.close)
						}
						return
					}
					node := ""
					if tc.node != nil {
						node = tc.node(w)
					}
					f := relayFrame(ft.Type, node)
					if tc.who == "" {
						f["id"] = 1
						r.send(f)
						if got := r.closeCode(w); got != tc.close {
							t.Errorf("%s before hello closed with %d, want %d", ft.Type, got, tc.close)
						}
						return
					}
					r.send(phoneHello(w, r.cert(), w.appA, w.a2.token))
					if s := r.read(w); !json.Valid([]byte(s)) || !containsType(s, "welcome") {
						t.Fatalf("a2's phone hello: %s", s)
					}
					if got, s := r.result(w, f); got != tc.code {
						t.Errorf("%s: code %d (%s), want %d", ft.Type, got, s, tc.code)
					}
				})
			}
		})
	}
}

func containsType(s, typ string) bool {
	var f struct{ Type string }
	return json.Unmarshal([]byte(s), &f) == nil && f.Type == typ
}
