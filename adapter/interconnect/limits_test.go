package interconnect_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	ic "github.com/switchboard-iot/switchboard/adapter/interconnect"
	"github.com/switchboard-iot/switchboard/relay"
)

// TestOversizeMessage: a payload over relay.MaxMessage fails with 1009 on
// the watch and -9 on the phone, and both connections keep working; one
// of exactly the maximum goes through.
func TestOversizeMessage(t *testing.T) {
	w := newPairWorld(t)
	phone := w.readyPhone(t)
	watch := w.watch(t)
	expect(t, watch.Events(), "open", 0)
	skipTo(t, phone.Events(), "node")
	if got := watch.Welcome().MaxMessageBytes; got != relay.MaxMessage {
		t.Fatalf("challenge max_message_bytes = %d, want %d", got, relay.MaxMessage)
	}
	big := strings.Repeat("x", relay.MaxMessage+1)
	if err := watch.Send(ctx(t), big); codeOf(err) != ic.WatchTooLarge {
		t.Fatalf("oversize watch Send = %v, want 1009", err)
	}
	if err := phone.SendMessage(ctx(t), w.did, []byte(big)); codeOf(err) != ic.StatusTooLarge {
		t.Fatalf("oversize phone SendMessage = %v, want -9", err)
	}
	// Size counts UTF-8 bytes: "é" is two.
	if err := watch.Send(ctx(t), strings.Repeat("é", relay.MaxMessage/2+1)); codeOf(err) != ic.WatchTooLarge {
		t.Fatalf("oversize UTF-8 Send = %v, want 1009", err)
	}
	// Control characters escape to six bytes each in JSON and still fit.
	max := strings.Repeat("\x01", relay.MaxMessage)
	if err := watch.Send(ctx(t), max); err != nil {
		t.Fatalf("maximum Send = %v", err)
	}
	if e := next(t, phone.Events()); e.Type != "message" || e.Data != max {
		t.Fatalf("phone got %s of %d bytes", e.Type, len(e.Data))
	}
	if err := phone.SendMessage(ctx(t), w.did, []byte(max)); err != nil {
		t.Fatalf("maximum SendMessage = %v", err)
	}
	if e := next(t, watch.Events()); e.Type != "message" || len(e.Data) != relay.MaxMessage {
		t.Fatalf("watch got %s of %d bytes", e.Type, len(e.Data))
	}
}

// TestFrameTooBig: a frame over the read limit ends that connection with
// 1009 and the peer sees the pair close (1006); the relay keeps serving.
func TestFrameTooBig(t *testing.T) {
	w := newPairWorld(t)
	phone := w.readyPhone(t)
	c := rawHello(t, w.f.url, w.watchHello())
	skipTo(t, phone.Events(), "node")
	huge := `{"type":"send","id":1,"data":"` + strings.Repeat("a", 200<<10) + `"}`
	_ = c.Write(context.Background(), websocket.MessageText, []byte(huge))
	if code := readUntilClose(t, c); code != websocket.StatusMessageTooBig {
		t.Fatalf("close code %d, want 1009", code)
	}
	if e := skipTo(t, phone.Events(), "node"); e.Connected {
		t.Fatalf("phone event %+v, want the node gone", e)
	}
	watch := w.watch(t) // the relay still serves
	expect(t, watch.Events(), "open", 0)
}

// TestBadFramesKeepConnection: after the hello, malformed frames get a
// result with the role's bad-input code and the connection stays.
func TestBadFramesKeepConnection(t *testing.T) {
	w := newPairWorld(t)
	c := rawHello(t, w.f.url, w.watchHello())
	for i, bad := range []string{
		`not json`,
		`{"type":"teleport","id":7}`,
		`{"type":"send","id":8}`,
		`{"type":"send","id":9,"data":{"an":"object"}}`,
		`{"type":"diagnosis","id":10,"timeout":-1}`,
		`{"type":"nodes","id":11}`,
		`{"type":"state","id":0}`,
		`{"type":"state","id":1}{"type":"state","id":2}`,
	} {
		if err := c.Write(ctx(t), websocket.MessageText, []byte(bad)); err != nil {
			t.Fatal(err)
		}
		r := readType(t, c, "result")
		if r["code"] != float64(ic.WatchBadParams) || r["message"] == "" {
			t.Fatalf("frame %d %q: result %v, want code 202 with a message", i, bad, r)
		}
	}
	if err := c.Write(ctx(t), websocket.MessageBinary, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if r := readType(t, c, "result"); r["code"] != float64(ic.WatchBadParams) {
		t.Fatalf("binary frame: %v", r)
	}
	writeJSON(t, c, map[string]any{"type": "state", "id": 99})
	if r := readType(t, c, "result"); r["id"] != float64(99) || r["code"] != float64(0) || r["status"] != float64(2) {
		t.Fatalf("state after bad frames: %v", r)
	}
}

// TestBackpressureTimeout: a phone app that stops reading fills its pair
// queue; the watch's sends then fail with 204 after the send timeout, and
// the relay stays responsive.
func TestBackpressureTimeout(t *testing.T) {
	f := newFixture(t)
	w := f.world(t)
	rl := f.newRelay(t, relay.Options{SendTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rl.Close(context.Background()) })
	srv, err := ic.New(ic.Options{Relay: rl, Logger: slog.New(slog.NewTextHandler(f.srv.Log, nil)),
		Limits: ic.Limits{PairQueueLen: 2}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); hs.Close() })
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + ic.Path

	// A raw phone that grants itself, listens, and then never reads again.
	phone := rawHello(t, url, w.phoneHello())
	writeJSON(t, phone, map[string]any{"type": "request_permissions", "id": 1, "node": w.did, "permissions": []string{"data_manager"}})
	readType(t, phone, "result")
	writeJSON(t, phone, map[string]any{"type": "listen", "id": 2, "node": w.did})
	readType(t, phone, "result")

	watch := rawHello(t, url, w.watchHello())
	readType(t, watch, "open")
	payload := strings.Repeat("z", relay.MaxMessage)
	var sent int
	for sent = 1; sent <= 5000; sent++ {
		writeJSON(t, watch, map[string]any{"type": "send", "id": sent + 10, "data": payload})
		r := readType(t, watch, "result")
		if r["code"] == float64(ic.WatchTimeout) {
			break
		}
		if r["code"] != float64(0) {
			t.Fatalf("send %d: %v", sent, r)
		}
	}
	if sent > 5000 {
		t.Fatal("no 204 after 5000 sends to a phone that does not read")
	}
	t.Logf("204 after %d messages of 16 KiB (socket buffers plus the pair queue)", sent)
	writeJSON(t, watch, map[string]any{"type": "state", "id": 1})
	if r := readType(t, watch, "result"); r["status"] != float64(1) {
		t.Fatalf("state after 204: %v (the pair is still open)", r)
	}
}

func (w *pairWorld) watchHello() map[string]any {
	return map[string]any{"type": "hello", "role": "watch", "package": pkg, "certificate": string(w.cert.pem),
		"did": w.did, "passcode": w.passcode}
}

func (w *pairWorld) phoneHello() map[string]any {
	return map[string]any{"type": "hello", "role": "phone", "package": pkg,
		"certificate": base64.StdEncoding.EncodeToString(w.cert.der), "appid": w.f.appID, "token": w.token}
}

// rawHello dials url, reads the challenge, says hello and reads the
// welcome.
func rawHello(t testing.TB, url string, hello map[string]any) *websocket.Conn {
	t.Helper()
	c := rawDial(t, url)
	readType(t, c, "challenge")
	writeJSON(t, c, hello)
	readType(t, c, "welcome")
	return c
}

func rawDial(t testing.TB, url string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(ctx(t), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func writeJSON(t testing.TB, c *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := c.Write(ctx(t), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

// readType reads frames until one of type typ (skipping events).
func readType(t testing.TB, c *websocket.Conn, typ string) map[string]any {
	t.Helper()
	for {
		_, b, err := c.Read(ctx(t))
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("bad frame %s", b)
		}
		if m["type"] == typ {
			return m
		}
		if m["type"] == "fatal" {
			t.Fatalf("waiting for %s: %s", typ, b)
		}
	}
}

// readUntilClose reads until the relay closes and returns its close code.
func readUntilClose(t testing.TB, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	for {
		_, _, err := c.Read(ctx(t))
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}
