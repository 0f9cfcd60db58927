package server_test

// The wechat SDK's sequence over HTTPS and WSS, with a device over MQTTS,
// trusting only the certificate the node generated in its data dir; and a
// certificate reload under live sessions.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-iot/switchboard/devsim"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/internal/tlscert"
	"github.com/switchboard-iot/switchboard/server"
)

// e2eTrusted maps the host:port of a node's TLS listener to the client
// config that trusts its certificate; e2eClientFor uses it for https and
// wss URLs (ports are random, so parallel tests do not collide).
var e2eTrusted sync.Map

func e2eClientFor(hostport string) *http.Client {
	if c, ok := e2eTrusted.Load(hostport); ok {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: c.(*tls.Config)}}
	}
	return http.DefaultClient
}

// startTLSNode starts a node with TLS listeners on random ports and
// returns it and a client config trusting the generated certificate, read
// from the data dir as an operator's client would.
func startTLSNode(t *testing.T) (*testserver.Server, *tls.Config) {
	t.Helper()
	srv := testserver.Start(t, func(c *server.Config) { c.HTTPSAddr, c.MQTTSAddr = "127.0.0.1:0", "127.0.0.1:0" })
	pemBytes, err := os.ReadFile(filepath.Join(srv.DataDir, tlscert.CertFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("generated certificate is not PEM")
	}
	cfg := &tls.Config{RootCAs: pool}
	e2eTrusted.Store(srv.HTTPSAddr().String(), cfg)
	t.Cleanup(func() { e2eTrusted.Delete(srv.HTTPSAddr().String()) })
	return srv, cfg
}

// secureDevice connects a simulated (paho) device over MQTTS.
func secureDevice(t *testing.T, srv *testserver.Server, trust *tls.Config, mac string) (*devsim.Device, string) {
	t.Helper()
	product, schema := srv.CreateProduct(t, "demo-lamp.json")
	dev := srv.StartDevice(t, product.ProductKey, schema, mac, func(o *devsim.Options) {
		o.MQTTAddr = srv.MQTTSAddr().String()
		o.TLSConfig = trust.Clone()
	})
	srv.WaitOnline(t, dev.DID(), true)
	return dev, product.ProductKey
}

// wechatOverTLS runs notes §7.1 steps 1–5 against api (https) and returns
// the logged-in, subscribed socket dialled from the binding's wss_port.
func wechatOverTLS(t *testing.T, srv *testserver.Server, api, did, passcode string) *e2eWS {
	t.Helper()
	app, err := srv.Admin.CreateApp(context.Background(), "wechat mini program")
	if err != nil {
		t.Fatal(err)
	}
	r := browserCall(t, "POST", api+"/app/users", map[string]string{
		"X-Gizwits-Application-Id": app.AppID, "Content-Type": "application/json",
	}, `{"phone_id":"oWx-tls-open-id","lang":"en"}`)
	user := r.object(t, "init (POST /app/users)", is2xx)
	uid, _ := user["uid"].(string)
	token, _ := user["token"].(string)
	if uid == "" || token == "" {
		t.Fatalf("init reply without uid/token: %s", r.body)
	}
	r = browserCall(t, "POST", api+"/app/bindings", map[string]string{
		"X-Gizwits-Application-Id": app.AppID, "X-Gizwits-User-token": token, "Content-Type": "application/json",
	}, `{"devices":[{"did":"`+did+`","passcode":"`+passcode+`"}]}`)
	r.object(t, "POST /app/bindings", is200)

	devices := pagedBindings(t, func(path string) e2eReply {
		return browserCall(t, "GET", api+path, map[string]string{
			"X-Gizwits-Application-Id": app.AppID, "X-Gizwits-User-token": token,
		}, "")
	})
	if len(devices) != 1 || devices[0].did != did {
		t.Fatalf("bindings: %+v", devices)
	}
	d := devices[0]
	wantPorts := map[string]int{
		"wss_port": srv.HTTPSAddr().(*net.TCPAddr).Port, "port_s": srv.MQTTSAddr().(*net.TCPAddr).Port,
		"ws_port": srv.HTTPAddr().(*net.TCPAddr).Port, "port": srv.Server.MQTTAddr().(*net.TCPAddr).Port,
	}
	for k, want := range wantPorts {
		if got, _ := d.raw[k].(float64); int(got) != want {
			t.Errorf("binding %s = %v, want %d (%v)", k, d.raw[k], want, d.raw)
		}
	}
	// The SDK's default: wss://<host>:<wss_port>/ws/app/v1.
	c := dialWS(t, "wss://"+net.JoinHostPort(d.host, strconv.Itoa(d.wssPort))+"/ws/app/v1")
	c.send(loginReq(app.AppID, uid, token, 180, false))
	c.loginOK()
	c.send(map[string]any{"cmd": "subscribe_req", "data": []map[string]any{{"did": did}}})
	checkSubscribed(t, c.expect(wantCmd("subscribe_res"))["subscribe_res"], did)
	return c
}

// writeThrough is step 7: c2s_write reaches the device, which applies it,
// and its report comes back as s2c_noti.
func writeThrough(t *testing.T, c *e2eWS, dev *devsim.Device, attrs map[string]any) {
	t.Helper()
	c.send(map[string]any{"cmd": "c2s_write", "data": map[string]any{"did": dev.DID(), "attrs": attrs}})
	waitDeviceValues(t, dev, attrs)
	c.expect(wantNoti(dev.DID(), attrs))
}

// TestWechatSDKOverTLS: the wechat SDK's calls over https and wss, the
// device over mqtts, every client trusting only the generated certificate,
// and the bindings reply pointing wss_port and port_s at the bound TLS
// ports.
func TestWechatSDKOverTLS(t *testing.T) {
	srv, trust := startTLSNode(t)
	dev, _ := secureDevice(t, srv, trust, "a1b2c3d4e5f7")
	c := wechatOverTLS(t, srv, "https://"+srv.HTTPSAddr().String(), dev.DID(), dev.Passcode())
	writeThrough(t, c, dev, map[string]any{"LED_OnOff": true, "LED_Color": "purple"})

	// A client that does not trust the certificate is refused: TLS is
	// really in the way, not a plain port behind an https:// name.
	if _, err := http.Get("https://" + srv.HTTPSAddr().String() + "/healthz"); err == nil {
		t.Fatal("https with no trust in the generated certificate succeeded")
	}
}

// peerFingerprint is the fingerprint a new TLS connection to addr sees.
func peerFingerprint(t *testing.T, addr string) string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) // we read the certificate, not trust it
	if err != nil {
		t.Fatalf("tls dial %s: %v", addr, err)
	}
	defer conn.Close()
	return tlscert.FingerprintDER(conn.ConnectionState().PeerCertificates[0].Raw)
}

// TestCertificateReloadKeepsSessions: replacing the certificate files and
// reloading leaves an established WSS session and an MQTTS device session
// up and working, while new connections on both ports see the new
// certificate; a broken file afterwards keeps the new one served.
func TestCertificateReloadKeepsSessions(t *testing.T) {
	srv, trust := startTLSNode(t)
	dev, _ := secureDevice(t, srv, trust, "a1b2c3d4e5f8")
	c := wechatOverTLS(t, srv, "https://"+srv.HTTPSAddr().String(), dev.DID(), dev.Passcode())
	writeThrough(t, c, dev, map[string]any{"LED_OnOff": true})

	old := srv.CertificateFingerprint()
	for _, addr := range []string{srv.HTTPSAddr().String(), srv.MQTTSAddr().String()} {
		if got := peerFingerprint(t, addr); got != old {
			t.Fatalf("%s serves %s, node says %s", addr, got, old)
		}
	}
	certPath, keyPath := srv.CertificateFiles()
	certPEM, keyPEM, err := tlscert.Generate(tlscert.Hosts())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.ReloadCertificate(); err != nil {
		t.Fatal(err)
	}
	fresh := srv.CertificateFingerprint()
	if fresh == old {
		t.Fatal("fingerprint unchanged after reload")
	}
	for _, addr := range []string{srv.HTTPSAddr().String(), srv.MQTTSAddr().String()} {
		if got := peerFingerprint(t, addr); got != fresh {
			t.Fatalf("new connection to %s sees %s, want the new %s", addr, got, fresh)
		}
	}
	// The sessions from before the reload still carry traffic both ways
	// (the device does not reconnect by itself: a dropped session would
	// leave it offline and the write undelivered).
	writeThrough(t, c, dev, map[string]any{"LED_Color": "pink"})
	writeThrough(t, c, dev, map[string]any{"LED_OnOff": false})

	if err := os.WriteFile(certPath, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.ReloadCertificate(); err == nil {
		t.Fatal("reload of a broken certificate succeeded")
	}
	if got := peerFingerprint(t, srv.HTTPSAddr().String()); got != fresh {
		t.Fatalf("after a failed reload new connections see %s, want %s", got, fresh)
	}
	if !strings.Contains(srv.Log.String(), "TLS certificate not reloaded") {
		t.Error("failed reload not logged")
	}
}
