package gizws_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A client may send its first frames in the same packet as the upgrade
// request; net/http has then read them into its own buffer before the
// handler hijacks the connection. The session's smaller buffers must carry
// them over: the login is answered.
func TestFramesWithTheUpgradeRequest(t *testing.T) {
	f := newFixture(t)
	uid, token := f.user(t)
	u, err := url.Parse(f.wsURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))

	login, err := json.Marshal(map[string]any{"cmd": "login_req", "data": map[string]any{
		"appid": f.appID, "uid": uid, "token": token, "p0_type": "attrs_v4", "heartbeat_interval": 180,
	}})
	if err != nil {
		t.Fatal(err)
	}
	req := "GET " + u.Path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	// One write: the request, then a masked text frame with the login.
	if _, err := conn.Write(append([]byte(req), maskedText(login)...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, "101") {
		t.Fatalf("upgrade answer %q, %v; want 101", status, err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	// The server's frames are unmasked text frames under 64 KiB.
	for range 5 {
		payload := readServerFrame(t, br)
		var m struct {
			Cmd  string `json:"cmd"`
			Data struct {
				Success bool `json:"success"`
			} `json:"data"`
		}
		if err := json.Unmarshal(payload, &m); err != nil {
			t.Fatalf("frame %q: %v", payload, err)
		}
		if m.Cmd == "login_res" {
			if !m.Data.Success {
				t.Fatalf("login_res = %s, want success", payload)
			}
			return
		}
	}
	t.Fatal("no login_res in the first 5 frames")
}

// maskedText is a client's text frame (masked, RFC 6455 §5.3) of b.
func maskedText(b []byte) []byte {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	out := []byte{0x81}
	switch {
	case len(b) < 126:
		out = append(out, 0x80|byte(len(b)))
	default:
		out = append(out, 0x80|126, byte(len(b)>>8), byte(len(b)))
	}
	out = append(out, key[:]...)
	for i, c := range b {
		out = append(out, c^key[i%4])
	}
	return out
}

func readServerFrame(t *testing.T, br *bufio.Reader) []byte {
	t.Helper()
	h := make([]byte, 2)
	if _, err := io.ReadFull(br, h); err != nil {
		t.Fatal(err)
	}
	n := int(h[1] & 0x7f)
	if n == 126 {
		ext := make([]byte, 2)
		if _, err := io.ReadFull(br, ext); err != nil {
			t.Fatal(err)
		}
		n = int(ext[0])<<8 | int(ext[1])
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(br, p); err != nil {
		t.Fatal(err)
	}
	return p
}
