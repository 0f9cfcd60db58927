package gizws_test

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// rawSession logs a device in over a plain socket (paho's packet codec)
// and returns the open connection once CONNACK 0 arrived.
func rawSession(addr, did, passcode string) (net.Conn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	cp := packets.NewControlPacket(packets.Connect).(*packets.ConnectPacket)
	cp.ProtocolName, cp.ProtocolVersion = "MQTT", 4
	cp.CleanSession, cp.Keepalive = true, 60
	cp.ClientIdentifier = did
	cp.UsernameFlag, cp.Username = true, did
	cp.PasswordFlag, cp.Password = true, []byte(passcode)
	_ = conn.SetDeadline(time.Now().Add(waitFor))
	if err := cp.Write(conn); err != nil {
		conn.Close()
		return nil, err
	}
	ack, err := packets.ReadPacket(bufio.NewReader(conn))
	if err != nil {
		conn.Close()
		return nil, err
	}
	if ca, ok := ack.(*packets.ConnackPacket); !ok || ca.ReturnCode != 0 {
		conn.Close()
		return nil, fmt.Errorf("CONNACK %v", ack)
	}
	return conn, nil
}

// TestFlappingDevicePresence connects one device 1,000 times from four
// racing goroutines (so sessions also take each other over), ending half
// the sessions with DISCONNECT and half by dropping the socket. An app
// watching it on /ws/app/v1 must see online and offline strictly
// alternating, and the last status must be the device's real state:
// online while a last session stays up, offline once it ends.
func TestFlappingDevicePresence(t *testing.T) {
	f := newFixture(t)
	uid, token := f.user(t)
	dev := f.mqttDevice(t, uid)
	dev.c.Disconnect(0)
	f.srv.WaitOnline(t, dev.did, false)

	c := f.dial(t)
	c.login(f.appID, uid, token, loginOpts{})
	c.subscribe(dev.did)
	var (
		mu       sync.Mutex
		statuses []bool // every s2c_online_status, in order
	)
	first := c.expect("s2c_online_status")
	var online bool
	first.field(t, "online", &online)
	statuses = append(statuses, online)
	go func() {
		for {
			select {
			case m := <-c.in:
				if m.Cmd != "s2c_online_status" {
					continue
				}
				var on bool
				m.field(t, "online", &on)
				mu.Lock()
				statuses = append(statuses, on)
				mu.Unlock()
			case <-c.done:
				return
			}
		}
	}()

	// 500 flaps one after the other, then 500 from four racing
	// goroutines, whose sessions take each other over.
	var accepted atomic.Int64
	flap := func(racers, rounds int) {
		var wg sync.WaitGroup
		for r := range racers {
			wg.Go(func() {
				for i := range rounds {
					conn, err := rawSession(f.srv.MQTTAddr, dev.did, "HANDPASS01")
					if err != nil {
						// A racing takeover can close this socket before
						// its CONNACK is read; that is a flap too.
						continue
					}
					accepted.Add(1)
					if (r+i)%2 == 0 {
						_ = packets.NewControlPacket(packets.Disconnect).Write(conn)
					}
					conn.Close()
				}
			})
		}
		wg.Wait()
	}
	began := time.Now()
	flap(1, 500)
	flap(4, 125)
	took := time.Since(began)
	t.Logf("1000 connects (%d accepted) in %s: %.0f flaps/s", accepted.Load(), took.Round(time.Millisecond), 1000/took.Seconds())

	// Every session has ended: offline, in the store and as the last event.
	settle := func(want bool) {
		t.Helper()
		f.srv.WaitOnline(t, dev.did, want)
		testserver.Eventually(t, 20*time.Second, func() error {
			mu.Lock()
			defer mu.Unlock()
			if last := statuses[len(statuses)-1]; last != want {
				return fmt.Errorf("last status online=%v, want %v (%d statuses)", last, want, len(statuses))
			}
			return nil
		})
	}
	settle(false)
	// One more session that stays up: online, and the events say so.
	conn, err := rawSession(f.srv.MQTTAddr, dev.did, "HANDPASS01")
	if err != nil {
		t.Fatal(err)
	}
	settle(true)
	conn.Close()
	settle(false)

	mu.Lock()
	defer mu.Unlock()
	if statuses[0] {
		t.Fatal("the device was online at subscribe time")
	}
	for i := 1; i < len(statuses); i++ {
		if statuses[i] == statuses[i-1] {
			t.Fatalf("status %d repeats online=%v: events do not alternate (%d statuses)", i, statuses[i], len(statuses))
		}
	}
	if len(statuses) < 3 {
		t.Fatalf("only %d statuses for 1000 connects", len(statuses))
	}
	t.Logf("%d online/offline pairs seen by the app", (len(statuses)-1)/2)
}
