package mqttgw_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

// quietServer starts a node whose log is discarded. The test server's
// default in-memory debug log grows with every connection, so it would be
// measured as memory per device and would slow the hot path.
func quietServer(b *testing.B, opts ...testserver.Option) *testserver.Server {
	b.Helper()
	quiet := func(c *server.Config) { c.Logger = slog.New(slog.DiscardHandler) }
	return testserver.Start(b, append([]testserver.Option{quiet}, opts...)...)
}

// registerDevices registers n devices of one product (distinct MACs).
func registerDevices(b *testing.B, srv *testserver.Server, productKey string, n int) []adminclient.Device {
	b.Helper()
	devs := make([]adminclient.Device, n)
	for i := range devs {
		d, err := srv.Admin.RegisterDevice(context.Background(), productKey, fmt.Sprintf("b0%010x", i), "BENCHPASS1")
		if err != nil {
			b.Fatalf("register device %d: %v", i, err)
		}
		devs[i] = d
	}
	return devs
}

// dialDevice opens a minimal MQTT 3.1.1 session the way GAgent does
// (client id = username = did, password = passcode, clean session,
// keepalive 120 s) and subscribes its three topics, using paho's packet
// codec over a raw socket. It keeps no goroutine and no buffer, so its
// per-connection cost is one TCP socket. Nothing is read after the SUBACK;
// callers that expect traffic must drain the socket themselves.
func dialDevice(addr string, d adminclient.Device, productKey string) (net.Conn, error) {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (net.Conn, error) {
		conn.Close()
		return nil, fmt.Errorf("device %s: %w", d.DID, err)
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	cp := packets.NewControlPacket(packets.Connect).(*packets.ConnectPacket)
	cp.ProtocolName, cp.ProtocolVersion = "MQTT", 4
	cp.CleanSession, cp.Keepalive = true, 120
	cp.ClientIdentifier = d.DID
	cp.UsernameFlag, cp.Username = true, d.DID
	cp.PasswordFlag, cp.Password = true, []byte(d.Passcode)
	if err := cp.Write(conn); err != nil {
		return fail(err)
	}
	ack, err := packets.ReadPacket(conn)
	if err != nil {
		return fail(fmt.Errorf("read CONNACK: %w", err))
	}
	if ca, ok := ack.(*packets.ConnackPacket); !ok || ca.ReturnCode != 0 {
		return fail(fmt.Errorf("CONNACK = %v", ack))
	}
	sp := packets.NewControlPacket(packets.Subscribe).(*packets.SubscribePacket)
	sp.MessageID = 1
	sp.Topics = []string{"ser2cli_noti/" + productKey, "ser2cli_res/" + d.DID, "app2dev/" + d.DID + "/#"}
	sp.Qoss = []byte{0, 0, 0}
	if err := sp.Write(conn); err != nil {
		return fail(err)
	}
	ack, err = packets.ReadPacket(conn)
	if err != nil {
		return fail(fmt.Errorf("read SUBACK: %w", err))
	}
	sa, ok := ack.(*packets.SubackPacket)
	if !ok || !bytes.Equal(sa.ReturnCodes, []byte{0, 0, 0}) {
		return fail(fmt.Errorf("SUBACK = %v", ack))
	}
	_ = conn.SetDeadline(time.Time{})
	return conn, nil
}

// drain reads and discards whatever the server sends until the socket closes.
func drain(conn net.Conn) { go func() { _, _ = io.Copy(io.Discard, conn) }() }

// The benchmark frame is the demo-lamp report of report() with a sequence
// number in two datapoints that take any value in their range: LED_R
// (payload byte 2, 0..254) and Humidity (payload byte 7, 0..100). So the
// frame stays a valid report and the sequence is unique modulo seqModulus,
// far more than the frames a device ever has in flight.
const (
	seqLo, seqHi = 2, 7 // offsets in the datapoint payload
	payloadLen   = 10   // action + 9 bytes of dev_status
	seqModulus   = 255 * 101
	benchTempRaw = 60
)

// seqFrame is report(benchTempRaw) carrying seq.
func seqFrame(seq int) []byte {
	f := report(benchTempRaw)
	putSeq(f, len(f)-payloadLen, seq)
	return f
}

// putSeq writes seq into a frame whose datapoint payload starts at off.
func putSeq(buf []byte, off, seq int) {
	s := seq % seqModulus
	buf[off+seqLo] = byte(s % 255)
	buf[off+seqHi] = byte(s / 255)
}

// frameSeq reads the sequence number back from a whole P0 frame.
func frameSeq(frame []byte) (int, error) {
	f, err := p0.Decode(frame)
	if err != nil {
		return 0, err
	}
	if len(f.Payload) != payloadLen {
		return 0, fmt.Errorf("payload of %d bytes, want %d", len(f.Payload), payloadLen)
	}
	return int(f.Payload[seqLo]) + 255*int(f.Payload[seqHi]), nil
}

// publishPacket encodes a QoS 0 PUBLISH of frame on topic with paho's codec
// and returns it with the offset of the datapoint payload in it, so the
// sender can patch the sequence number in place and write the same bytes.
func publishPacket(topic string, frame []byte) (pkt []byte, payloadOff int) {
	pp := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	pp.TopicName, pp.Qos, pp.Payload = topic, 0, frame
	var buf bytes.Buffer
	if err := pp.Write(&buf); err != nil {
		panic(err)
	}
	pkt = buf.Bytes()
	return pkt, len(pkt) - payloadLen
}

// memSample is the process's live heap and goroutine stacks after a full GC.
type memSample struct {
	heap, stack uint64
	goroutines  int
}

func sampleMemory() memSample {
	var ms runtime.MemStats
	// Twice: finalizers and sync.Pool victims freed by the first cycle
	// are only reclaimed by the second.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return memSample{heap: ms.HeapAlloc, stack: ms.StackInuse, goroutines: runtime.NumGoroutine()}
}

// perConn is the growth from before to after, per connection.
func perConn(before, after memSample, n int) (heap, stack, goroutines float64) {
	return (float64(after.heap) - float64(before.heap)) / float64(n),
		(float64(after.stack) - float64(before.stack)) / float64(n),
		float64(after.goroutines-before.goroutines) / float64(n)
}

// tcpPairCost measures what n loopback TCP connections cost this process
// when nothing runs on them: a sink accepts and holds them, the dialer holds
// the other ends. Each connection of the gateway benchmark has both ends in
// this process, and the raw client's end costs half of this.
func tcpPairCost(b *testing.B, n int) (heap, stack float64) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	var (
		mu       sync.Mutex
		accepted []net.Conn
		all      = make(chan struct{})
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted = append(accepted, c)
			if len(accepted) == n {
				close(all)
			}
			mu.Unlock()
		}
	}()
	before := sampleMemory()
	dialed := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range dialed {
			c.Close()
		}
		mu.Lock()
		for _, c := range accepted {
			c.Close()
		}
		mu.Unlock()
	}()
	for range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		dialed = append(dialed, c)
	}
	select {
	case <-all:
	case <-time.After(30 * time.Second):
		b.Fatal("sink did not accept every connection")
	}
	after := sampleMemory()
	heap, stack, _ = perConn(before, after, n)
	return heap, stack
}

// percentile of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// processCPU is the CPU time (user + system) this process has used, from
// /proc/self/stat; ok is false where that file does not exist. Clock ticks
// are taken as 1/100 s, the Linux USER_HZ.
func processCPU() (cpu time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14 of proc(5)
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, true
}
