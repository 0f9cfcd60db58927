package netfault_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// registerDevice creates the demo lamp product (once per server) and one
// device of it.
func registerDevice(t *testing.T, admin *adminclient.Client, productKey, mac string) adminclient.Device {
	t.Helper()
	d, err := admin.RegisterDevice(context.Background(), productKey, mac, "PASSCODE"+mac[len(mac)-2:])
	if err != nil {
		t.Fatalf("register device: %v", err)
	}
	return d
}

// connectDevice connects a device with paho the way GAgent does.
func connectDevice(t *testing.T, mqttAddr string, d adminclient.Device, onMessage paho.MessageHandler) (paho.Client, error) {
	t.Helper()
	opts := paho.NewClientOptions().
		AddBroker("tcp://" + mqttAddr).
		SetClientID(d.DID).SetUsername(d.DID).SetPassword(d.Passcode).
		SetProtocolVersion(4).SetCleanSession(true).
		SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(5 * time.Second).SetKeepAlive(120 * time.Second)
	c := paho.NewClient(opts)
	if err := wait(c.Connect()); err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Disconnect(0) })
	if onMessage != nil {
		if err := wait(c.Subscribe("app2dev/"+d.DID+"/#", 0, onMessage)); err != nil {
			return nil, fmt.Errorf("subscribe: %w", err)
		}
	}
	return c, nil
}

func wait(tok paho.Token) error {
	if !tok.WaitTimeout(10 * time.Second) {
		return errors.New("timed out")
	}
	return tok.Error()
}

// dialRaw opens a plain TCP connection that the test closes at the end.
func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitClosed reads c until the server closes it, at most within, and
// returns what was read and how long it took.
func waitClosed(t *testing.T, c net.Conn, within time.Duration) ([]byte, time.Duration) {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(within))
	var got bytes.Buffer
	_, err := io.Copy(&got, c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("connection still open after %v (read %q): %v", within, got.String(), err)
	}
	return got.Bytes(), time.Since(start)
}

// mqttConnect is an MQTT 3.1.1 CONNECT with client id = username = did.
func mqttConnect(did, passcode string) []byte {
	str := func(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }
	var vh []byte
	vh = append(vh, str("MQTT")...)
	vh = append(vh, 4, 0xC2, 0, 120) // level 4; username, password, clean; keepalive 120 s
	vh = append(vh, str(did)...)
	vh = append(vh, str(did)...)
	vh = append(vh, str(passcode)...)
	return append([]byte{0x10}, append(remainingLength(len(vh)), vh...)...)
}

// mqttSubscribe is a SUBSCRIBE (packet id 1, QoS 0) to one filter.
func mqttSubscribe(filter string) []byte {
	body := []byte{0, 1, byte(len(filter) >> 8), byte(len(filter))}
	body = append(body, filter...)
	body = append(body, 0)
	return append([]byte{0x82}, append(remainingLength(len(body)), body...)...)
}

func remainingLength(n int) []byte {
	var b []byte
	for {
		d := byte(n % 128)
		n /= 128
		if n > 0 {
			d |= 0x80
		}
		b = append(b, d)
		if n == 0 {
			return b
		}
	}
}

// readN reads exactly n bytes within 5 s.
func readN(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	c.SetReadDeadline(time.Time{})
	return b
}

// lampFixture is a server with the demo lamp product.
type lampFixture struct {
	srv        *testserver.Server
	productKey string
}

func newLampFixture(t *testing.T, opts ...testserver.Option) *lampFixture {
	t.Helper()
	srv := testserver.Start(t, opts...)
	p, _ := srv.CreateProduct(t, "demo-lamp.json")
	return &lampFixture{srv: srv, productKey: p.ProductKey}
}

func (f *lampFixture) device(t *testing.T, mac string) adminclient.Device {
	return registerDevice(t, f.srv.Admin, f.productKey, mac)
}

// metric reads one sample of baseURL's /metrics, 0 when absent. Unlike
// testserver's it returns the error, for use inside Eventually while a
// connection cap may still refuse the request.
func metric(baseURL, series string) (float64, error) {
	resp, err := http.Get(baseURL + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			_, err := fmt.Sscan(v, &f)
			return f, err
		}
	}
	return 0, nil
}
