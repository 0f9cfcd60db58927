// Command ws-watch is a small Gizwits WebSocket (/ws/app/v1) client: it logs
// in with an app user's uid and token, subscribes one device, optionally
// writes datapoints, and prints every message the server sends, one JSON
// object per line. The README walk-through uses it.
//
//	go run ./examples/ws-watch -server ws://127.0.0.1:8080 -appid APPID -uid UID -token TOKEN -did DID [-write LED_OnOff=true] [-count 5]
//	go run ./examples/ws-watch -server wss://localhost:8443 -cacert data/tls-cert.pem ...
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

func main() {
	server := flag.String("server", "ws://127.0.0.1:8080", "WebSocket base URL (ws:// or wss://)")
	appID := flag.String("appid", "", "application id")
	uid := flag.String("uid", "", "user id")
	token := flag.String("token", "", "user token")
	did := flag.String("did", "", "device to subscribe")
	write := flag.String("write", "", "datapoints to write after subscribing, name=value,name=value (values are JSON or text)")
	count := flag.Int("count", 0, "exit after printing this many messages (0: run until interrupted)")
	caCert := flag.String("cacert", "", "PEM certificate to trust for wss:// (e.g. the server's generated data/tls-cert.pem)")
	flag.Parse()
	if *appID == "" || *uid == "" || *token == "" || *did == "" {
		fmt.Fprintln(os.Stderr, "ws-watch: -appid, -uid, -token and -did are required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	client, err := httpClient(*caCert)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ws-watch:", err)
		os.Exit(2)
	}
	if err := run(ctx, client, *server, *appID, *uid, *token, *did, *write, *count); err != nil {
		fmt.Fprintln(os.Stderr, "ws-watch:", err)
		os.Exit(1)
	}
}

type message struct {
	Cmd  string          `json:"cmd"`
	Data json.RawMessage `json:"data,omitempty"`
}

// httpClient trusts caFile, if given, instead of the system's roots.
func httpClient(caFile string) (*http.Client, error) {
	if caFile == "" {
		return http.DefaultClient, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate", caFile)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}, nil
}

func run(ctx context.Context, client *http.Client, server, appID, uid, token, did, write string, count int) error {
	conn, _, err := websocket.Dial(ctx, strings.TrimRight(server, "/")+"/ws/app/v1", &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	send := func(cmd string, data any) error {
		return wsjson.Write(ctx, conn, map[string]any{"cmd": cmd, "data": data})
	}
	if err := send("login_req", map[string]any{
		"appid": appID, "uid": uid, "token": token,
		"p0_type": "attrs_v4", "heartbeat_interval": 180, "auto_subscribe": false,
	}); err != nil {
		return err
	}
	// Keep the session alive as the SDKs do.
	go func() {
		t := time.NewTicker(60 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = send("ping", nil)
			}
		}
	}()
	printed := 0
	for {
		var m message
		if err := wsjson.Read(ctx, conn, &m); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		line, _ := json.Marshal(m)
		fmt.Println(string(line))
		printed++
		if count > 0 && printed >= count {
			return conn.Close(websocket.StatusNormalClosure, "")
		}
		switch m.Cmd {
		case "login_res":
			var r struct{ Success bool }
			_ = json.Unmarshal(m.Data, &r)
			if !r.Success {
				return fmt.Errorf("login refused")
			}
			if err := send("subscribe_req", []map[string]string{{"did": did}}); err != nil {
				return err
			}
		case "subscribe_res":
			if write == "" {
				continue
			}
			attrs, err := parseAttrs(write)
			if err != nil {
				return err
			}
			if err := send("c2s_write", map[string]any{"did": did, "attrs": attrs}); err != nil {
				return err
			}
		}
	}
}

// parseAttrs reads name=value,name=value; a value that is valid JSON is
// taken as JSON, anything else as a string (an enum label).
func parseAttrs(s string) (map[string]any, error) {
	attrs := map[string]any{}
	for _, kv := range strings.Split(s, ",") {
		name, raw, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("-write: %q is not name=value", kv)
		}
		var v any
		if json.Unmarshal([]byte(raw), &v) != nil {
			v = raw
		}
		attrs[name] = v
	}
	return attrs, nil
}
