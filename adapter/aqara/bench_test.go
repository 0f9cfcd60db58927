package aqara_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	aqc "github.com/switchboard-iot/switchboard/client/aqara"
	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/partners"
)

// BenchmarkDurablePushes measures durable pushes per second end to end:
// b.N device reports, each changing a subscribed datapoint, go through the
// core (decode, state merge, outbox rows written and fsynced in the state
// flush), the push lane (render, sign, POST to a local receiver that
// checks the signature and answers {"code":0}) and the outbox bookkeeping.
// The timer stops when the receiver has every msgId.
//
//	go test -run '^$' -bench DurablePushes -benchtime 5000x -count 5 ./adapter/aqara/
func BenchmarkDurablePushes(b *testing.B) {
	srv := testserver.Start(b)
	ctx := context.Background()
	n := srv.Node()
	pd := srv.Partners()
	app, err := srv.Admin.CreateApp(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	u, _, _, err := n.CreateUser(ctx, app.AppID, core.NewUser{Username: "bench", Password: "bench-password"})
	if err != nil {
		b.Fatal(err)
	}
	prod, schema := srv.CreateProduct(b, "demo-lamp.json")
	d, err := srv.Admin.RegisterDevice(ctx, prod.ProductKey, "b0b1b2b3b4b5", "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := n.BindDevice(ctx, u.UID, d.DID, d.Passcode, core.BindOptions{}); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	got := map[string]bool{}
	done := make(chan struct{}, 1)
	want := 0
	rc := &aqc.Receiver{OnPush: func(p aqc.Push) {
		mu.Lock()
		got[p.MsgID] = true
		if len(got) == want {
			select {
			case done <- struct{}{}:
			default:
			}
		}
		mu.Unlock()
	}}
	recv := httptest.NewServer(rc)
	defer recv.Close()
	p, err := pd.CreatePartner(ctx, partners.PartnerSettings{Name: "bench", PushURL: recv.URL, PushSign: true, UserAppID: app.AppID})
	if err != nil {
		b.Fatal(err)
	}
	rc.AppSecret = p.PushAppSecret
	if err := pd.Subscribe(ctx, p.AppID, u.UID, []partners.Subscription{{DID: d.DID, ResourceID: "LED_R"}}); err != nil {
		b.Fatal(err)
	}
	dev, err := n.Store().GetDevice(ctx, d.DID)
	if err != nil {
		b.Fatal(err)
	}
	frames := make([][]byte, 2)
	for i := range frames {
		m := schema.NewMessage(datapoint.ActionReport)
		for _, f := range schema.Fields() {
			_ = schema.Set(m, f.Name, 0.0)
		}
		_ = schema.Set(m, "LED_R", float64(i+1))
		payload, err := schema.Append(nil, m)
		if err != nil {
			b.Fatal(err)
		}
		frames[i] = p0.Append(nil, p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: payload})
	}
	mu.Lock()
	want = b.N
	mu.Unlock()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := n.DeviceUplink(ctx, dev, "", frames[i%2]); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d pushes arrived", len(got), b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pushes/s")
}
