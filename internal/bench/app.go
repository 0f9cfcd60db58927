package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// session is one app on /ws/app/v1, logged in with auto_subscribe so the
// server subscribes it to every device its user is bound to.
type session struct {
	conn  *websocket.Conn
	bound int
}

// wsLoginTimeout bounds a session's login and auto-subscription.
const wsLoginTimeout = 30 * time.Second

// openSession dials from the pool's source address for app i, logs in and
// waits until one s2c_online_status per bound device says the
// subscriptions are in place.
func openSession(ctx context.Context, t *target, pool *addrPool, appID string, i int, u userCreds, bound int) (*session, error) {
	ctx, cancel := context.WithTimeout(ctx, wsLoginTimeout)
	defer cancel()
	hc := &http.Client{Transport: &http.Transport{DialContext: pool.dialContext(pool.index(appSlotBase, i))}}
	url := "ws" + strings.TrimPrefix(t.appHTTPURL, "http") + "/ws/app/v1"
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("dial app %d: %w", i, err)
	}
	conn.SetReadLimit(1 << 20)
	s := &session{conn: conn, bound: bound}
	login, _ := json.Marshal(map[string]any{"cmd": "login_req", "data": map[string]any{
		"appid": appID, "uid": u.uid, "token": u.token, "p0_type": "attrs_v4",
		"heartbeat_interval": 180, "auto_subscribe": true,
	}})
	if err := conn.Write(ctx, websocket.MessageText, login); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("app %d login: %w", i, err)
	}
	statuses := 0
	loggedIn := false
	for !loggedIn || statuses < bound {
		_, m, err := conn.Read(ctx)
		if err != nil {
			conn.CloseNow()
			return nil, fmt.Errorf("app %d login (%d of %d subscriptions seen): %w", i, statuses, bound, err)
		}
		switch {
		case bytes.Contains(m, []byte(`"cmd":"login_res"`)):
			if !bytes.Contains(m, []byte(`"success":true`)) {
				conn.CloseNow()
				return nil, fmt.Errorf("app %d login refused: %s", i, m)
			}
			loggedIn = true
		case bytes.Contains(m, []byte(`"cmd":"s2c_online_status"`)):
			statuses++
		}
	}
	return s, nil
}

// receive reads until the connection ends, counting every s2c_noti that
// carries a Stamp and recording its age.
func (s *session) receive(ctx context.Context, rec *recorder, received *atomic.Int64) error {
	noti := []byte(`"cmd":"s2c_noti"`)
	for {
		_, m, err := s.conn.Read(ctx)
		if err != nil {
			return err
		}
		now := time.Now().UnixNano()
		if !bytes.Contains(m, noti) {
			continue
		}
		if st, ok := stampOf(m); ok {
			rec.add(time.Duration(now - st))
			received.Add(1)
		}
	}
}

func (s *session) ping(ctx context.Context) error {
	return s.conn.Write(ctx, websocket.MessageText, []byte(`{"cmd":"ping"}`))
}

func (s *session) close() { s.conn.CloseNow() }

// heartbeatEvery keeps sessions inside the heartbeat_interval of 180 s
// they log in with (the server closes a session silent for twice that).
const heartbeatEvery = 60 * time.Second

// startHeartbeat pings every session each heartbeatEvery until stop.
func startHeartbeat(ss []*session) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(heartbeatEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				for _, s := range ss {
					wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
					_ = s.ping(wctx) // a failed session shows up in its reader
					wcancel()
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}
