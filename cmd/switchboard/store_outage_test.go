package main_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/store/postgres/pgtest"
)

// link is a TCP relay to a server that a test can cut (every connection
// closed, new ones refused) and restore: a database that goes away.
type link struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newLink(t *testing.T, target string) *link {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &link{l: l, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { l.Close(); k.cut() })
	go k.serve()
	return k
}

func (k *link) addr() string { return k.l.Addr().String() }

func (k *link) serve() {
	for {
		c, err := k.l.Accept()
		if err != nil {
			return
		}
		k.mu.Lock()
		down := k.down
		if !down {
			k.conns[c] = true
		}
		k.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		go k.relay(c)
	}
}

func (k *link) relay(c net.Conn) {
	s, err := net.Dial("tcp", k.target)
	if err != nil {
		c.Close()
		return
	}
	k.mu.Lock()
	k.conns[s] = true
	k.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
	c.Close()
}

// cut closes every relayed connection and refuses new ones until restore.
func (k *link) cut() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.down = true
	for c := range k.conns {
		c.Close()
	}
	clear(k.conns)
}

func (k *link) restore() {
	k.mu.Lock()
	k.down = false
	k.mu.Unlock()
}

// TestPostgresOutage cuts a node off its PostgreSQL for longer than its
// node lease while a device is connected, then restores it. Meanwhile the
// node refuses what it cannot store (no QoS 1 report is acknowledged, no
// device is let in) and stays up; afterwards the device connects again,
// its reports are acknowledged and stored, and the state the node reports
// (online) is true.
func TestPostgresOutage(t *testing.T) {
	pgURL, err := url.Parse(pgtest.SchemaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	db := newLink(t, pgURL.Host)
	pgURL.Host = db.addr()
	n := startServe(t, nil, "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--store", pgURL.String(),
		"--admin-token", clusterToken, "--node-lease", "2s")
	ctx := context.Background()
	admin := adminclient.New(n.httpURL, clusterToken)
	dev := newLamp(t, admin, "", "0a0b0c0d0e20").dev
	connect := func() (paho.Client, error) {
		o := paho.NewClientOptions().AddBroker("tcp://" + n.mqttAddr(t)).SetClientID(dev.DID).SetUsername(dev.DID).
			SetPassword(dev.Passcode).SetProtocolVersion(4).SetAutoReconnect(false).SetConnectRetry(false).
			SetConnectTimeout(10 * time.Second)
		c := paho.NewClient(o)
		tk := c.Connect()
		if !tk.WaitTimeout(15 * time.Second) {
			return nil, fmt.Errorf("no CONNACK")
		}
		return c, tk.Error()
	}
	report := func(c paho.Client, ledR byte) error {
		tk := c.Publish("dev2app/"+dev.DID, 1, false, lampReport(ledR))
		if !tk.WaitTimeout(3 * time.Second) {
			return fmt.Errorf("report %d not acknowledged", ledR)
		}
		return tk.Error()
	}
	c, err := connect()
	if err != nil {
		t.Fatal(err)
	}
	if err := report(c, 10); err != nil {
		t.Fatal(err)
	}

	db.cut()
	if err := report(c, 20); err == nil {
		t.Fatal("a report was acknowledged while the database was unreachable")
	}
	// The lease cannot be renewed either; the node stays up and says it
	// is not ready, and lets no device in.
	waitFor(t, 20*time.Second, func() error {
		resp, err := http.Get(n.httpURL + "/readyz")
		if err != nil {
			return fmt.Errorf("readyz: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return fmt.Errorf("readyz still 200 with the database unreachable")
		}
		return nil
	})
	c.Disconnect(0)
	if c2, err := connect(); err == nil {
		c2.Disconnect(0)
		t.Fatal("a device was let in while the database was unreachable")
	}
	time.Sleep(3 * time.Second) // past the 2 s lease: the outage outlasts it
	if n.cmd.ProcessState != nil {
		t.Fatalf("the node exited during the outage:\n%s", n.stderr)
	}

	db.restore()
	var c3 paho.Client
	waitFor(t, 30*time.Second, func() error {
		var err error
		c3, err = connect()
		return err
	})
	defer c3.Disconnect(0)
	waitFor(t, 15*time.Second, func() error { return report(c3, 30) })
	waitFor(t, 15*time.Second, func() error {
		got, err := admin.GetDevice(ctx, dev.DID)
		if err != nil {
			return err
		}
		if !got.IsOnline {
			return fmt.Errorf("device connected again but not reported online")
		}
		return nil
	})
	// Ready again once the node renewed its lease (a third of it at most).
	waitFor(t, 10*time.Second, func() error {
		resp, err := http.Get(n.httpURL + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz %d after the database came back", resp.StatusCode)
		}
		return nil
	})
	if got := strings.Count(n.stderr.String(), `msg="flush device states"`); got > 3 {
		t.Errorf("the failed state flush was logged %d times in one outage, not spaced out", got)
	}
}
