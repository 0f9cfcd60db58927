package netfault_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// floodCount is how many malformed inputs of each protocol are sent.
const floodCount = 5000

// floodWorkers send them concurrently.
const floodWorkers = 8

// TestMalformedFlood sends 5,000 malformed MQTT packets, 5,000 malformed
// WebSocket messages and frames and 5,000 malformed HTTP requests from
// several goroutines. The server stays up, real clients of every kind
// still work, goroutines return to their level before the flood, and the
// heap after a GC is within a generous bound of its level before.
func TestMalformedFlood(t *testing.T) {
	f := newLampFixture(t)
	victim := f.device(t, "aa0000000005")  // a session the flood takes over and breaks
	witness := f.device(t, "aa0000000006") // must work after the flood
	httpAddr := strings.TrimPrefix(f.srv.HTTPURL, "http://")
	wsURL := "ws" + strings.TrimPrefix(f.srv.HTTPURL, "http") + "/ws/app/v1"

	flood := func(n int) {
		runFlood(t, n, func(i int) error { return malformedMQTT(f.srv.MQTTAddr, victim, i) })
		runFlood(t, n, func(i int) error { return malformedHTTP(httpAddr, i) })
		runFlood(t, n/2, func(i int) error { return malformedWSFrame(httpAddr, i) })
		wsMessages(t, wsURL, n/2)
	}
	flood(200) // warm up pools, buffers and caches before measuring
	heapBefore, goroutinesBefore := settle()

	start := time.Now()
	flood(floodCount)
	t.Logf("flood of %d malformed inputs per protocol took %v", floodCount, time.Since(start))

	// Goroutines of closed connections end; then the heap is compared.
	testserver.Eventually(t, 20*time.Second, func() error {
		if n := runtime.NumGoroutine(); n > goroutinesBefore+20 {
			return fmt.Errorf("%d goroutines, %d before the flood", n, goroutinesBefore)
		}
		return nil
	})
	heapAfter, goroutinesAfter := settle()
	t.Logf("heap in use %d KiB before, %d KiB after; goroutines %d before, %d after",
		heapBefore>>10, heapAfter>>10, goroutinesBefore, goroutinesAfter)
	if heapAfter > heapBefore+64<<20 {
		t.Errorf("heap grew from %d MiB to %d MiB", heapBefore>>20, heapAfter>>20)
	}

	// Real clients still work.
	got := make(chan []byte, 1)
	if _, err := connectDevice(t, f.srv.MQTTAddr, witness, func(_ paho.Client, m paho.Message) { got <- m.Payload() }); err != nil {
		t.Fatalf("device after the flood: %v", err)
	}
	sendAndReceive(t, f.srv.Node(), witness.DID, got)
	if _, err := f.srv.Admin.GetDevice(context.Background(), witness.DID); err != nil {
		t.Fatalf("HTTP after the flood: %v", err)
	}
	wsPing(t, wsURL)
	if n := f.srv.Metric(t, `switchboard_decode_errors_total{adapter="ws"}`); n < floodCount/2 {
		t.Errorf("ws decode errors %v, want at least %d", n, floodCount/2)
	}
}

// settle collects garbage and returns the heap in use and the goroutines.
func settle() (heap uint64, goroutines int) {
	var m runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m.HeapInuse, runtime.NumGoroutine()
}

// runFlood calls send n times from floodWorkers goroutines; every call
// must end with the server closing or answering, within its deadline.
func runFlood(t *testing.T, n int, send func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, floodWorkers)
	for w := range floodWorkers {
		wg.Go(func() {
			for i := w; i < n; i += floodWorkers {
				if err := send(i); err != nil {
					errs <- fmt.Errorf("input %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// untilClosed half-closes c after the input and reads until the server
// closes it: every malformed input must end in a close, not a hang.
func untilClosed(c net.Conn) error {
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, c)
	if err != nil && !isReset(err) {
		return fmt.Errorf("server did not close: %w", err)
	}
	return nil
}

func isReset(err error) bool { return strings.Contains(err.Error(), "connection reset") }

// malformedMQTT sends one of a rotation of broken packets.
func malformedMQTT(addr string, d adminclient.Device, i int) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	str := func(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }
	badConnect := func(name string, level, flags byte) []byte {
		vh := append(str(name), level, flags, 0, 60)
		vh = append(vh, str("x")...)
		return append([]byte{0x10, byte(len(vh))}, vh...)
	}
	var in []byte
	switch i % 9 {
	case 0:
		in = []byte{0x00, 0x00} // reserved packet type
	case 1:
		in = []byte{0x10, 0xff, 0xff, 0xff, 0xff, 0x01} // remaining length over 4 bytes
	case 2:
		in = []byte{0x30, 0x03, 0x00, 0x01, 'a'} // PUBLISH before CONNECT
	case 3:
		in = badConnect("MQTX", 4, 0x02)
	case 4:
		in = badConnect("MQTT", 9, 0x02) // unknown protocol level
	case 5:
		in = badConnect("MQTT", 4, 0x03) // reserved connect flag
	case 6:
		in = []byte{0x10, 0x80, 0x80, 0x40} // CONNECT of 1 MiB, over the packet limit
	case 7:
		in = make([]byte, 64)
		for j := range in {
			in[j] = byte(rand.IntN(256))
		}
	case 8: // an authenticated device, then a packet MQTT 3.1.1 does not have
		in = append(mqttConnect(d.DID, d.Passcode), 0xF0, 0x00)
	}
	if _, err := c.Write(in); err != nil {
		c.Close()
		return nil // already closed by the server: fine
	}
	return untilClosed(c)
}

// malformedHTTP sends one of a rotation of broken requests.
func malformedHTTP(addr string, i int) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	reqs := []string{
		"GARBAGE\r\n\r\n",
		"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		"POST /app/login HTTP/1.1\r\nHost: x\r\nX-Gizwits-Application-Id: nope\r\nContent-Length: 5\r\n\r\n{{{{{",
		"POST /admin/v1/products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbad\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", // a TLS ClientHello on the plain port
		"GET /ws/app/v1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n",
	}
	if _, err := io.WriteString(c, reqs[i%len(reqs)]); err != nil {
		c.Close()
		return nil
	}
	return untilClosed(c)
}

// malformedWSFrame upgrades properly, then sends a frame that breaks the
// WebSocket framing rules.
func malformedWSFrame(addr string, i int) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	io.WriteString(c, "GET /ws/app/v1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return fmt.Errorf("upgrade: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return fmt.Errorf("upgrade: %s", resp.Status)
	}
	frames := [][]byte{
		{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'}, // unmasked client frame
		{0x83, 0x80, 1, 2, 3, 4},              // reserved opcode 3
		{0xF1, 0x80, 1, 2, 3, 4},              // RSV bits without an extension
		{0x81, 0xFF, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}, // 2^63 byte message
		{0x09, 0x80, 1, 2, 3, 4}, // fragmented ping
		{0x80, 0x80, 1, 2, 3, 4}, // continuation with nothing to continue
	}
	c.Write(frames[i%len(frames)])
	return untilClosed(c)
}

// wsMessages sends n malformed JSON messages over a few sessions, reading
// the refusal each one gets.
func wsMessages(t *testing.T, url string, n int) {
	t.Helper()
	msgs := []string{`{"cmd":`, `[1,2]`, `{"data":{}}`, `{"cmd":5}`, `{"cmd":"c2s_fly"}`, `"\u0000"`, `{"cmd":"subscribe_req","data":{"did":"x"}}`}
	runFlood(t, floodWorkers, func(w int) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			return err
		}
		defer ws.CloseNow()
		for i := w; i < n; i += floodWorkers {
			if err := ws.Write(ctx, websocket.MessageText, []byte(msgs[i%len(msgs)])); err != nil {
				return err
			}
			if _, _, err := ws.Read(ctx); err != nil {
				return fmt.Errorf("no answer to %s: %w", msgs[i%len(msgs)], err)
			}
		}
		return ws.Close(websocket.StatusNormalClosure, "")
	})
}

// wsPing checks a WebSocket session answers.
func wsPing(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.Write(ctx, websocket.MessageText, []byte(`{"cmd":"ping"}`))
	if _, b, err := ws.Read(ctx); err != nil || !strings.Contains(string(b), "pong") {
		t.Fatalf("ws ping after the flood: %q %v", b, err)
	}
}
