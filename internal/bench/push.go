package bench

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-iot/switchboard/adminclient"
	aqc "github.com/switchboard-iot/switchboard/client/aqara"
)

// runPush: a partner (Aqara-style) is subscribed to every device's Stamp;
// devices report at c.Rate, and each report becomes a durable push to a
// local HTTP receiver that answers after c.ReceiverLatency. Throughput is
// pushes received a second; the lag is the Stamp's age when its push
// arrives. The account is a real user of the bench's app who gave consent
// (getAuthCode, the code read from the admin API as an operator would, then
// getToken), bound to every device.
func runPush(ctx context.Context, c *Config, t *target, pool *addrPool, f *fleet, r *Result) error {
	var sent, received, items, errs atomic.Int64
	var lat latencies
	recv := &pushReceiver{latency: c.ReceiverLatency, received: &received, items: &items, lag: lat.newRecorder()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: recv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()

	admin := adminclient.New(t.httpURL, t.adminToken)
	partner, err := admin.CreatePartner(ctx, adminclient.PartnerSettings{Name: "switchboard bench", PushURL: "http://" + ln.Addr().String() + "/push", UserAppID: f.appID})
	if err != nil {
		return fmt.Errorf("create partner: %w", err)
	}
	api := &aqc.Client{URL: t.httpURL + "/v3.0/open/api", AppID: partner.AppID, KeyID: partner.KeyID, AppKey: partner.AppKey}
	token, err := partnerLogin(ctx, admin, api, partner.AppID, f.pushAccount)
	if err != nil {
		return err
	}
	api.AccessToken = token

	devs, err := connectDevices(ctx, c, t, pool, f, deviceOpts{subscribe: true})
	if err != nil {
		return err
	}
	defer closeDevices(devs)
	// Subscribed after the connects, so the gateway_online events of the
	// connects are not pushed and every push counted is a report.
	for start := 0; start < len(f.devices); start += maxBindPerRequest {
		var res []map[string]any
		for _, d := range f.devices[start:min(start+maxBindPerRequest, len(f.devices))] {
			res = append(res, map[string]any{"subjectId": d.did, "resourceIds": []string{"Stamp", "Speed"}})
		}
		if err := api.Call(ctx, "config.resource.subscribe", map[string]any{"resources": res}, nil); err != nil {
			return fmt.Errorf("subscribe resources: %w", err)
		}
	}

	start := time.Now()
	recv.downUntil.Store(start.Add(c.ReceiverDown).UnixNano())
	outage := watchOutage(ctx, start, c.ReceiverDown, &sent, &received)
	lat.begin(start)
	stop := startProgress(c.Progress, "push", start, &sent, &received)
	// Speed changes with every report, so every report has a changed
	// subscribed value to push even where Stamp is not rendered (see
	// docs/benchmarks.md: binary datapoints reach partners empty). Device i
	// is always sent by the same pacing goroutine, so count[i] is not shared.
	count := make([]int, len(devs))
	paced(ctx, c.Duration, c.Rate, len(devs), func(i int) {
		count[i]++
		frame, err := stampFrame(f.schema, time.Now(), count[i]%101)
		if err != nil {
			errs.Add(1)
			return
		}
		devs[i].client.Publish("dev2app/"+devs[i].did, 0, false, frame)
		sent.Add(1)
	})
	loadTime := time.Since(start)
	if c.ReceiverDown > 0 {
		// After an outage nothing may arrive for a while (the server
		// probes the partner before it sends the backlog): no stall cut.
		for deadline := time.Now().Add(pushDrain); ctx.Err() == nil && received.Load() < sent.Load() && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	} else {
		drain(ctx, &received, sent.Load(), pushDrain)
	}
	deliverTime := time.Since(start)
	series := stop()
	if r.ServerAfter, err = scrapeMetrics(ctx, t.httpURL+"/metrics"); err != nil {
		return err
	}
	r.DurationSec = loadTime.Seconds()
	r.Sent, r.Expected, r.Received, r.Errors = sent.Load(), sent.Load(), received.Load(), errs.Load()+recv.bad.Load()
	r.SentPerSec = float64(r.Sent) / loadTime.Seconds()
	r.RecvPerSec = float64(r.Received) / deliverTime.Seconds()
	r.LatencyWhat = fmt.Sprintf("report to partner push received (receiver answers after %v)", c.ReceiverLatency)
	if items.Load() < r.Received*2 {
		r.Notes = append(r.Notes, fmt.Sprintf("pushes carried %d resource items for %d reports of 2 changed resources each: the binary Stamp is not rendered (server bug, docs/benchmarks.md); lag measured from the message time (ms)", items.Load(), r.Received))
	}
	if c.ReceiverDown > 0 {
		r.Notes = append(r.Notes, outage(recv.refused.Load()))
	}
	recv.mu.Lock() // handlers may still be finishing
	r.Latency = lat.summary()
	r.Series = lat.series(series)
	recv.mu.Unlock()
	if h, err := admin.GetPartner(ctx, partner.AppID); err == nil {
		r.Notes = append(r.Notes, fmt.Sprintf("partner push health at the end: %s, %d pending, %d delivered", h.Push.State, h.Push.Pending, h.Push.Delivered))
	}
	if r.Received == 0 {
		return errors.New("no push arrived")
	}
	return nil
}

// pushDrain bounds the wait for the backlog after the load: a slow
// partner's backlog can take minutes, and the partner's pending count (in
// the notes) says how much was left.
const pushDrain = 10 * time.Second

// partnerLogin is the consent of a real account: getAuthCode, the code
// read from the admin API (the operator's relay), getToken.
func partnerLogin(ctx context.Context, admin *adminclient.Client, api *aqc.Client, partnerID, username string) (string, error) {
	if err := api.Call(ctx, "config.auth.getAuthCode", map[string]any{"account": username, "accountType": 0, "accessTokenValidity": "1d"}, nil); err != nil {
		return "", fmt.Errorf("getAuthCode: %w", err)
	}
	codes, err := admin.AuthCodes(ctx, partnerID)
	if err != nil || len(codes) == 0 {
		return "", fmt.Errorf("auth codes: %v (%d)", err, len(codes))
	}
	var tp struct{ AccessToken string }
	if err := api.Call(ctx, "config.auth.getToken", map[string]any{"authCode": codes[0].Code, "account": username, "accountType": 0}, &tp); err != nil {
		return "", fmt.Errorf("getToken: %w", err)
	}
	return tp.AccessToken, nil
}

// pushReceiver is the partner's push URL: it waits latency, answers
// {"code":0}, and records the age of every Stamp in a resource_report.
type pushReceiver struct {
	latency         time.Duration
	received, items *atomic.Int64
	bad             atomic.Int64
	downUntil       atomic.Int64 // Unix ns: answer 503 before it
	refused         atomic.Int64

	mu  sync.Mutex // handlers run concurrently
	lag *recorder
}

func (p *pushReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var env struct {
		Data string `json:"data"`
	}
	var msg struct {
		MsgType string `json:"msgType"`
		Time    string `json:"time"` // the report's arrival at the server, Unix ms
		Data    []struct {
			ResourceID string `json:"resourceId"`
			Value      string `json:"value"`
		} `json:"data"`
	}
	if err != nil || json.Unmarshal(body, &env) != nil || json.Unmarshal([]byte(env.Data), &msg) != nil {
		p.bad.Add(1)
		http.Error(w, "bad push", http.StatusBadRequest)
		return
	}
	if now.UnixNano() < p.downUntil.Load() {
		p.refused.Add(1)
		http.Error(w, "down for the bench's outage", http.StatusServiceUnavailable)
		return
	}
	if p.latency > 0 {
		time.Sleep(p.latency)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"code":0}`)
	if msg.MsgType != "resource_report" {
		return
	}
	// The lag is from the device's Stamp when the push carries it, else
	// from the message's time (ms, the server's clock: the same machine).
	var sentAt time.Time
	for _, it := range msg.Data {
		p.items.Add(1)
		if b, err := hex.DecodeString(it.Value); it.ResourceID == "Stamp" && err == nil && len(b) == 8 {
			sentAt = time.Unix(0, int64(binary.BigEndian.Uint64(b)))
		}
	}
	if ms, err := strconv.ParseInt(msg.Time, 10, 64); sentAt.IsZero() && err == nil {
		sentAt = time.UnixMilli(ms)
	}
	if !sentAt.IsZero() {
		p.mu.Lock()
		p.lag.add(now.Sub(sentAt))
		p.mu.Unlock()
	}
	p.received.Add(1)
}

func (p *pushReceiver) String() string {
	return "receiver latency " + strconv.Quote(p.latency.String())
}

// watchOutage follows the receiver's outage of length down from start:
// the pushes sent until it ends are its backlog, and the time until that
// many have been received after it is the drain. The returned func, called
// after the run, describes it.
func watchOutage(ctx context.Context, start time.Time, down time.Duration, sent, received *atomic.Int64) func(refused int64) string {
	if down <= 0 {
		return nil
	}
	var backlog atomic.Int64
	var drained atomic.Int64 // ns after the outage's end; 0: not yet
	go func() {
		t := time.NewTimer(time.Until(start.Add(down)))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		end := time.Now()
		backlog.Store(sent.Load())
		for ctx.Err() == nil && time.Since(end) < down+pushDrain+time.Minute {
			if received.Load() >= backlog.Load() {
				drained.Store(int64(max(time.Since(end), time.Nanosecond)))
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return func(refused int64) string {
		d := time.Duration(drained.Load())
		if d == 0 {
			return fmt.Sprintf("receiver down for the first %v: %d pushes backlogged at its end, not all received by the end of the run; %d attempts refused meanwhile", down, backlog.Load(), refused)
		}
		return fmt.Sprintf("receiver down for the first %v: %d pushes backlogged at its end, as many received %.2f s later (%.1f× faster than the outage built them up, while the load went on); %d attempts refused meanwhile",
			down, backlog.Load(), d.Seconds(), down.Seconds()/d.Seconds(), refused)
	}
}
