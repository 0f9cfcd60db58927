package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/codec/datapoint"
)

// fleet is what the bench created on the server through its public APIs.
type fleet struct {
	productKey string
	appID      string
	schema     *datapoint.Schema
	devices    []devCreds
	users      []userCreds
	// bound[u] are the indexes of the devices user u is bound to.
	bound [][]int
	// subscribers[d] is how many users device d is bound to: how many
	// s2c_noti one report of it makes.
	subscribers []int
	// pushAccount is the username of the user every device is bound to,
	// whose consent the push scenario's partner holds ("" otherwise).
	pushAccount string
}

type devCreds struct{ did, passcode string }

type userCreds struct{ uid, token string }

// setupConcurrency bounds the setup's requests in flight.
const setupConcurrency = 32

// createFleet makes the product, the app, n devices (admin API), m users
// (anonymous sign-in, POST /app/users) and the bindings (POST
// /app/bindings): all to all when allToAll, else device i%n to user i%m
// for i up to max(n, m).
func createFleet(ctx context.Context, progress io.Writer, t *target, pool *addrPool, n, m int, allToAll, pushAccount bool) (*fleet, error) {
	admin := adminclient.New(t.httpURL, t.adminToken)
	schema, err := benchSchema()
	if err != nil {
		return nil, err
	}
	p, err := admin.CreateProduct(ctx, []byte(productJSON))
	if err != nil {
		return nil, fmt.Errorf("create product: %w", err)
	}
	app, err := admin.CreateApp(ctx, "switchboard bench")
	if err != nil {
		return nil, fmt.Errorf("create app: %w", err)
	}
	f := &fleet{productKey: p.ProductKey, appID: app.AppID, schema: schema,
		devices: make([]devCreds, n), users: make([]userCreds, m), bound: make([][]int, m), subscribers: make([]int, n)}
	admin.HTTP.Transport = &http.Transport{MaxIdleConnsPerHost: setupConcurrency}

	// The MACs start from the nanosecond clock so a second run against the
	// same server makes new devices instead of finding the old ones.
	fmt.Fprintf(progress, "bench: registering %d devices\n", n)
	macBase := uint64(time.Now().UnixNano()) & 0x00FFFFFFFFFF
	err = parallel(ctx, n, func(ctx context.Context, i int) error {
		mac := fmt.Sprintf("02%010x", (macBase+uint64(i))&0xFFFFFFFFFF)
		pass := fmt.Sprintf("BENCH%05d", i%100000)
		d, err := admin.RegisterDevice(ctx, p.ProductKey, mac, pass)
		if err != nil {
			return fmt.Errorf("register device %d: %w", i, err)
		}
		f.devices[i] = devCreds{did: d.DID, passcode: d.Passcode}
		return nil
	})
	if err != nil {
		return nil, err
	}
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	fmt.Fprintf(progress, "bench: signing in %d users\n", m)
	err = parallel(ctx, m, func(ctx context.Context, i int) error {
		u, err := signIn(ctx, pool.httpClient(pool.index(setupSlotBase, i)), t.httpURL, app.AppID, "bench-"+runID+"-"+strconv.Itoa(i))
		if err != nil {
			return fmt.Errorf("sign in user %d: %w", i, err)
		}
		f.users[i] = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	if pushAccount {
		if err := f.createPushAccount(ctx, pool.httpClient(setupSlotBase), t.httpURL, runID); err != nil {
			return nil, err
		}
	}
	if n == 0 || m == 0 {
		return f, nil
	}
	if allToAll {
		for u := range f.bound {
			for d := range f.devices {
				f.bound[u] = append(f.bound[u], d)
			}
		}
	} else {
		for i := 0; i < max(n, m); i++ {
			f.bound[i%m] = append(f.bound[i%m], i%n)
		}
	}
	for _, devs := range f.bound {
		for _, d := range devs {
			f.subscribers[d]++
		}
	}
	fmt.Fprintf(progress, "bench: binding devices\n")
	err = parallel(ctx, m, func(ctx context.Context, u int) error {
		hc := pool.httpClient(pool.index(setupSlotBase, u))
		for start := 0; start < len(f.bound[u]); start += maxBindPerRequest {
			chunk := f.bound[u][start:min(start+maxBindPerRequest, len(f.bound[u]))]
			if err := bind(ctx, hc, t.httpURL, app.AppID, f.users[u].token, f.devices, chunk); err != nil {
				return fmt.Errorf("bind user %d: %w", u, err)
			}
		}
		return nil
	})
	return f, err
}

// maxBindPerRequest is the app API's limit of devices per POST /app/bindings.
const maxBindPerRequest = 100

// signIn is an anonymous sign-in, as the JS SDK makes on page load. A 429
// (the per-address budget) is retried after its Retry-After.
func signIn(ctx context.Context, hc *http.Client, base, appID, phoneID string) (userCreds, error) {
	body, _ := json.Marshal(map[string]string{"phone_id": phoneID})
	for attempt := 0; ; attempt++ {
		var out struct {
			UID   string `json:"uid"`
			Token string `json:"token"`
		}
		status, err := appCall(ctx, hc, http.MethodPost, base+"/app/users", appID, "", body, &out)
		if status == http.StatusTooManyRequests && attempt < 20 {
			select {
			case <-ctx.Done():
				return userCreds{}, ctx.Err()
			case <-time.After(time.Second):
			}
			continue
		}
		if err != nil {
			return userCreds{}, err
		}
		if out.UID == "" || out.Token == "" {
			return userCreds{}, errors.New("sign-in reply without uid or token")
		}
		return userCreds{uid: out.UID, token: out.Token}, nil
	}
}

func bind(ctx context.Context, hc *http.Client, base, appID, token string, devs []devCreds, idx []int) error {
	type entry struct {
		DID      string `json:"did"`
		Passcode string `json:"passcode"`
	}
	req := struct {
		Devices []entry `json:"devices"`
	}{}
	for _, i := range idx {
		req.Devices = append(req.Devices, entry{devs[i].did, devs[i].passcode})
	}
	body, _ := json.Marshal(req)
	var out struct {
		Success []json.RawMessage `json:"success"`
		Failed  []json.RawMessage `json:"failed"`
	}
	if _, err := appCall(ctx, hc, http.MethodPost, base+"/app/bindings", appID, token, body, &out); err != nil {
		return err
	}
	if len(out.Failed) > 0 || len(out.Success) != len(idx) {
		return fmt.Errorf("%d of %d bindings succeeded; failed: %s", len(out.Success), len(idx), out.Failed)
	}
	return nil
}

// appCall makes one Gizwits app API request and decodes a 2xx reply.
func appCall(ctx context.Context, hc *http.Client, method, url, appID, token string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gizwits-Application-Id", appID)
	if token != "" {
		req.Header.Set("X-Gizwits-User-token", token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: HTTP %d: %s", method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(data))
	}
	return resp.StatusCode, json.Unmarshal(data, out)
}

// parallel runs fn(0..n-1) with setupConcurrency in flight; the first
// error cancels the rest.
func parallel(ctx context.Context, n int, fn func(context.Context, int) error) error {
	return parallelN(ctx, n, setupConcurrency, fn)
}

func parallelN(ctx context.Context, n, workers int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					cancel(err)
				}
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}

// createPushAccount signs up a user with a password (partners get consent
// of real accounts by username) and binds every device to it.
func (f *fleet) createPushAccount(ctx context.Context, hc *http.Client, base, runID string) error {
	name := "bench-" + runID
	body, _ := json.Marshal(map[string]string{"username": name, "password": "bench-" + runID + "-pw"})
	var out struct {
		UID   string `json:"uid"`
		Token string `json:"token"`
	}
	if _, err := appCall(ctx, hc, http.MethodPost, base+"/app/users", f.appID, "", body, &out); err != nil {
		return fmt.Errorf("sign up the push account: %w", err)
	}
	all := make([]int, len(f.devices))
	for i := range all {
		all[i] = i
	}
	for start := 0; start < len(all); start += maxBindPerRequest {
		if err := bind(ctx, hc, base, f.appID, out.Token, f.devices, all[start:min(start+maxBindPerRequest, len(all))]); err != nil {
			return fmt.Errorf("bind the push account: %w", err)
		}
	}
	f.pushAccount = name
	return nil
}
