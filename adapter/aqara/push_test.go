package aqara_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adminclient"
	aqc "github.com/switchboard-iot/switchboard/client/aqara"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/server"
)

// fastRetries makes back-off short enough for a test.
func fastRetries(c *server.Config) {
	c.Push.RetryMin, c.Push.RetryMax, c.Push.Timeout = 10*time.Millisecond, 100*time.Millisecond, 300*time.Millisecond
}

// flakyReceiver is a push URL that misbehaves on purpose: in turn it
// answers 500, a wrong body, a body that is not JSON, and too slowly (it
// records the push first, so the retry is a duplicate), then answers
// correctly. It can also be taken down and brought back on the same port.
type flakyReceiver struct {
	t      *testing.T
	rc     *aqc.Receiver
	n      atomic.Int64
	mu     sync.Mutex
	srv    *http.Server
	addr   string
	unique map[string]int
}

func newFlakyReceiver(t *testing.T, secret string) *flakyReceiver {
	f := &flakyReceiver{t: t, unique: map[string]int{}}
	f.rc = &aqc.Receiver{AppSecret: secret, OnPush: func(p aqc.Push) {
		f.mu.Lock()
		f.unique[p.MsgID]++
		f.mu.Unlock()
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	f.serve(ln)
	t.Cleanup(f.down)
	return f
}

func (f *flakyReceiver) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(f.handle)}
	f.mu.Lock()
	f.srv = srv
	f.mu.Unlock()
	go srv.Serve(ln) //nolint:errcheck // ends with Close
}

func (f *flakyReceiver) handle(w http.ResponseWriter, r *http.Request) {
	switch f.n.Add(1) % 7 {
	case 1:
		http.Error(w, "boom", http.StatusInternalServerError)
	case 2:
		w.Write([]byte(`{"code":500}`)) //nolint:errcheck
	case 3:
		w.Write([]byte(`ok`)) //nolint:errcheck
	case 4: // record, then answer after the server's timeout
		f.rc.ServeHTTP(discard{}, r)
		time.Sleep(500 * time.Millisecond)
	default:
		f.rc.ServeHTTP(w, r)
	}
}

// discard is a ResponseWriter whose answer nobody sees.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

func (f *flakyReceiver) url() string { return "http://" + f.addr + "/push" }

func (f *flakyReceiver) down() {
	f.mu.Lock()
	srv := f.srv
	f.srv = nil
	f.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (f *flakyReceiver) up() {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		f.t.Fatalf("receiver back on %s: %v", f.addr, err)
	}
	f.serve(ln)
}

func (f *flakyReceiver) counts() (unique, dup int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.unique {
		unique++
		if k > 1 {
			dup++
		}
	}
	return unique, dup
}

// TestPushesSurviveAFlakyReceiver: every acknowledged event (bind and
// unbind, each returned by the core only after its commit) reaches a
// receiver that answers 500s, wrong bodies and timeouts and is down for a
// while; retries carry the same msgId; failures are listed by
// query.push.errorMsg and the admin API.
func TestPushesSurviveAFlakyReceiver(t *testing.T) {
	w := newPartnerWorld(t, fastRetries)
	ctx := context.Background()
	tp := w.login(t)
	f := newFlakyReceiver(t, w.partner.PushAppSecret)
	if _, err := w.srv.Partners().UpdatePartner(ctx, w.partner.AppID, partners.PartnerSettings{
		Name: "acme", PushURL: f.url(), PushSign: true, UserAppID: w.partner.UserAppID}); err != nil {
		t.Fatal(err)
	}
	const cycles = 40
	events := 0
	for i := range cycles {
		if i == cycles/2 {
			f.down()
		}
		if i == cycles*3/4 {
			f.up()
		}
		if err := w.srv.Node().Unbind(ctx, w.uid, w.dev.DID()); err != nil {
			t.Fatal(err)
		}
		if _, err := w.srv.Node().BindDevice(ctx, w.uid, w.dev.DID(), w.dev.Passcode(), core.BindOptions{}); err != nil {
			t.Fatal(err)
		}
		events += 2
	}
	testserver.Eventually(t, 30*time.Second, func() error {
		if u, _ := f.counts(); u < events {
			return fmt.Errorf("%d of %d pushes arrived", u, events)
		}
		return nil
	})
	unique, dup := f.counts()
	if unique != events {
		t.Fatalf("%d unique msgIds for %d events", unique, events)
	}
	if dup == 0 {
		t.Fatal("no duplicate although the receiver timed out after recording: the test lost its teeth")
	}
	testserver.Eventually(t, 10*time.Second, func() error {
		if n := w.srv.Partners().PendingPushes(w.partner.AppID); n != 0 {
			return fmt.Errorf("%d pushes still pending", n)
		}
		return nil
	})

	var failed struct {
		Msg []struct {
			MsgID, Content, State string
			Attempts              int
		}
		ScanID string
	}
	if err := w.as(tp.AccessToken).Call(ctx, "query.push.errorMsg", map[string]any{"appId": w.partner.AppID, "size": 300}, &failed); err != nil {
		t.Fatal(err)
	}
	// attempts counts the failed attempts: every listed push failed at least
	// once and was delivered in the end; the downtime made some fail often.
	most := 0
	for _, m := range failed.Msg {
		if m.Attempts < 1 || m.State != "delivered" || !strings.Contains(m.Content, m.MsgID) {
			t.Fatalf("query.push.errorMsg entry = %+v", m)
		}
		most = max(most, m.Attempts)
	}
	if len(failed.Msg) == 0 || most < 2 {
		t.Fatalf("query.push.errorMsg lists %d pushes, most attempts %d", len(failed.Msg), most)
	}
	admin, err := w.srv.Admin.FailedPushes(ctx, w.partner.AppID)
	if err != nil || len(admin) != len(failed.Msg) {
		t.Fatalf("admin failed pushes: %d, %v; errorMsg: %d", len(admin), err, len(failed.Msg))
	}
	p, err := w.srv.Admin.GetPartner(ctx, w.partner.AppID)
	if err != nil || p.Push.Delivered < int64(events) || p.Push.Failed5m == 0 || p.Push.State == partners.PushSuspended {
		t.Fatalf("push health = %+v, %v", p.Push, err)
	}
}

// TestPushSuspension: a partner failing more than 5 % of pushes past the
// grace period is suspended; its pushes wait, and re-enabling through the
// admin API delivers them.
func TestPushSuspension(t *testing.T) {
	w := newPartnerWorld(t, fastRetries, func(c *server.Config) {
		c.PushPolicy = partners.PushPolicy{MinSample: 5, Grace: 200 * time.Millisecond}
	})
	ctx := context.Background()
	w.login(t)
	var healthy atomic.Bool
	var got atomic.Int64
	rc := &aqc.Receiver{AppSecret: w.partner.PushAppSecret, OnPush: func(aqc.Push) { got.Add(1) }}
	recv := http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			http.Error(rw, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		rc.ServeHTTP(rw, r)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go recv.Serve(ln) //nolint:errcheck
	t.Cleanup(func() { recv.Close() })
	if _, err := w.srv.Admin.UpdatePartner(ctx, w.partner.AppID, adminSettings(w, "http://"+ln.Addr().String())); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.Node().Unbind(ctx, w.uid, w.dev.DID()); err != nil {
		t.Fatal(err)
	}
	testserver.Eventually(t, 20*time.Second, func() error {
		p, err := w.srv.Admin.GetPartner(ctx, w.partner.AppID)
		if err != nil {
			return err
		}
		if p.Push.State != partners.PushSuspended || p.Push.SuspendedAt == nil {
			return fmt.Errorf("push state %q", p.Push.State)
		}
		return nil
	})
	healthy.Store(true)
	// Suspended: nothing is delivered, the push waits.
	if _, err := w.srv.Node().BindDevice(ctx, w.uid, w.dev.DID(), w.dev.Passcode(), core.BindOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := w.srv.Partners().PendingPushes(w.partner.AppID); n != 2 {
		t.Fatalf("%d pending pushes while suspended, want 2", n)
	}
	p, err := w.srv.Admin.ResumePartnerPushes(ctx, w.partner.AppID)
	if err != nil || p.Push.State != partners.PushActive {
		t.Fatalf("resume: %+v, %v", p.Push, err)
	}
	testserver.Eventually(t, 10*time.Second, func() error {
		if got.Load() < 2 {
			return errors.New("suspended pushes not delivered after re-enable")
		}
		return nil
	})
}

func adminSettings(w *partnerWorld, url string) adminclient.PartnerSettings {
	return adminclient.PartnerSettings{Name: "acme", PushURL: url, PushSign: true, UserAppID: w.partner.UserAppID}
}

// TestDeadPartnerDoesNotSlowDevices: with a push URL that never answers,
// the device keeps being controlled and its reports keep being stored and
// read back, while the pushes wait in the outbox.
func TestDeadPartnerDoesNotSlowDevices(t *testing.T) {
	w := newPartnerWorld(t)
	ctx := context.Background()
	c := w.as(w.login(t).AccessToken)
	hang := make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang })}
	go dead.Serve(ln) //nolint:errcheck
	t.Cleanup(func() { close(hang); dead.Close() })
	if _, err := w.srv.Admin.UpdatePartner(ctx, w.partner.AppID, adminSettings(w, "http://"+ln.Addr().String())); err != nil {
		t.Fatal(err)
	}
	sub := map[string]any{"subjectId": w.dev.DID(), "resourceIds": []string{"LED_R"}}
	if err := c.Call(ctx, "config.resource.subscribe", map[string]any{"resources": []any{sub}}, nil); err != nil {
		t.Fatal(err)
	}
	for v := 1; v <= 20; v++ {
		val := fmt.Sprint(v)
		write := []any{map[string]any{"subjectId": w.dev.DID(), "resources": []any{map[string]string{"resourceId": "LED_R", "value": val}}}}
		if err := c.Call(ctx, "write.resource.device", write, nil); err != nil {
			t.Fatal(err)
		}
		testserver.Eventually(t, 5*time.Second, func() error {
			var vals []struct{ Value string }
			q := map[string]any{"resources": []any{map[string]any{"subjectId": w.dev.DID(), "resourceIds": []string{"LED_R"}}}}
			if err := c.Call(ctx, "query.resource.value", q, &vals); err != nil {
				return err
			}
			if len(vals) != 1 || vals[0].Value != val {
				return fmt.Errorf("LED_R = %+v, want %s", vals, val)
			}
			return nil
		})
	}
	if n := w.srv.Partners().PendingPushes(w.partner.AppID); n < 20 {
		t.Fatalf("%d pushes pending for the dead partner, want at least 20", n)
	}
}
