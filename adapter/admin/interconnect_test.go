package admin_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/client/interconnect"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// TestInterconnectPairs: GET /admin/v1/interconnect/pairs shows each pair
// with exactly the documented fields, its live state and its counters.
func TestInterconnectPairs(t *testing.T) {
	ctx := context.Background()
	srv := testserver.Start(t)
	pairs := func() []map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.HTTPURL+"/admin/v1/interconnect/pairs", nil)
		req.Header.Set("Authorization", "Bearer "+srv.AdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Pairs []map[string]any `json:"pairs"`
		}
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&body) != nil || body.Pairs == nil {
			t.Fatalf("status %d, body %+v", resp.StatusCode, body)
		}
		return body.Pairs
	}
	if got := pairs(); len(got) != 0 {
		t.Fatalf("pairs on a new node = %v", got)
	}
	bad, _ := http.NewRequest(http.MethodGet, srv.HTTPURL+"/admin/v1/interconnect/pairs", nil)
	if resp, err := http.DefaultClient.Do(bad); err != nil || resp.StatusCode != 401 {
		t.Fatalf("without token: %v %v", resp.StatusCode, err)
	}

	app, err := srv.Admin.CreateApp(ctx, "pairs")
	if err != nil {
		t.Fatal(err)
	}
	prod, _ := srv.CreateProduct(t, "demo-lamp.json")
	u, sess, _, err := srv.Node().CreateUser(ctx, app.AppID, core.NewUser{PhoneID: "admin-pairs"})
	if err != nil {
		t.Fatal(err)
	}
	dev, _, err := srv.Node().RegisterDevice(ctx, prod.ProductKey, "a1b2c3d4e5f6", "WPASS")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Node().BindDevice(ctx, u.UID, dev.DID, "WPASS", core.BindOptions{}); err != nil {
		t.Fatal(err)
	}
	der := selfSigned(t)
	url := "ws" + strings.TrimPrefix(srv.HTTPURL, "http") + "/ws/interconnect/v1"
	phone, err := interconnect.DialPhone(ctx, interconnect.Config{URL: url, Package: "com.example.pair", Certificate: der, AppID: app.AppID, Token: sess.Token})
	if err != nil {
		t.Fatal(err)
	}
	defer phone.CloseNow()
	if _, err := phone.RequestPermissions(ctx, dev.DID, interconnect.PermDeviceManager); err != nil {
		t.Fatal(err)
	}
	if err := phone.Listen(ctx, dev.DID); err != nil {
		t.Fatal(err)
	}
	watch, err := interconnect.DialWatch(ctx, interconnect.Config{URL: url, Package: "com.example.pair", Certificate: der, DID: dev.DID, Passcode: "WPASS"})
	if err != nil {
		t.Fatal(err)
	}
	defer watch.CloseNow()
	go func() {
		for range watch.Events() {
		}
	}()
	go func() {
		for range phone.Events() {
		}
	}()
	testserver.Eventually(t, 10*time.Second, func() error {
		if st, err := watch.ReadyState(ctx); err != nil || st != 1 {
			return fmt.Errorf("ready state %d %v", st, err)
		}
		return nil
	})
	for _, m := range []string{"1", "2"} {
		if err := watch.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := phone.SendMessage(ctx, dev.DID, []byte("3")); err != nil {
		t.Fatal(err)
	}

	got := pairs()
	if len(got) != 1 {
		t.Fatalf("pairs = %v, want one", got)
	}
	p := got[0]
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"fingerprint", "last_message_at", "messages_phone_to_watch", "messages_watch_to_phone", "package",
		"phone_connected", "state", "user_id", "watch_connected", "watch_did"}
	if !slices.Equal(keys, want) {
		t.Fatalf("fields %v, want %v", keys, want)
	}
	if p["user_id"] != u.UID || p["package"] != "com.example.pair" || p["fingerprint"] != watch.Welcome().Fingerprint ||
		p["watch_did"] != dev.DID || p["watch_connected"] != true || p["phone_connected"] != true || p["state"] != "paired" ||
		p["messages_watch_to_phone"] != float64(2) || p["messages_phone_to_watch"] != float64(1) {
		t.Fatalf("pair = %v", p)
	}
	if s, ok := p["last_message_at"].(string); !ok {
		t.Fatalf("last_message_at = %v", p["last_message_at"])
	} else if _, err := time.Parse(time.RFC3339, s); err != nil {
		t.Fatalf("last_message_at %q: %v", s, err)
	}
	if !strings.Contains(watch.Welcome().Fingerprint, ":") || len(watch.Welcome().Fingerprint) != 59 {
		t.Errorf("fingerprint %q is not colon-separated SHA-1", watch.Welcome().Fingerprint)
	}

	state := func(want string) {
		t.Helper()
		testserver.Eventually(t, 10*time.Second, func() error {
			if s := pairs()[0]["state"]; s != want {
				return fmt.Errorf("state %v, want %s", s, want)
			}
			return nil
		})
	}
	phone.Close()
	state("watch_only")
	watch.Close()
	state("idle")

	// A phone app no watch app ever matched is listed without a watch.
	other, err := interconnect.DialPhone(ctx, interconnect.Config{URL: url, Package: "com.example.lonely", Certificate: der, AppID: app.AppID, Token: sess.Token})
	if err != nil {
		t.Fatal(err)
	}
	defer other.CloseNow()
	got = pairs()
	if len(got) != 2 || got[1]["package"] != "com.example.lonely" || got[1]["watch_did"] != "" || got[1]["state"] != "phone_only" || got[1]["last_message_at"] != nil {
		t.Fatalf("pairs = %v", got)
	}
	// Counters survive a restart (they are flushed on shutdown).
	dir := srv.DataDir
	srv.Stop(t)
	srv = testserver.Start(t, testserver.WithDataDir(dir))
	if p := pairs()[0]; p["messages_watch_to_phone"] != float64(2) || p["state"] != "idle" {
		t.Fatalf("after restart: %v", p)
	}
}

func selfSigned(t *testing.T) []byte {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "pair"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
