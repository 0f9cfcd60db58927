package aqara_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	aqc "github.com/switchboard-iot/switchboard/client/aqara"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// recorder is a transport that keeps the last request's headers and body.
type recorder struct {
	header http.Header
	body   []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.body, _ = io.ReadAll(req.Body)
	r.header = req.Header.Clone()
	req.Body = io.NopCloser(bytes.NewReader(r.body))
	return http.DefaultTransport.RoundTrip(req)
}

// A signed request captured on its way to one node and sent again to
// another node sharing the store is refused as a replay (102), as it is on
// the first node: the nonces of accepted requests are kept in the store.
func TestNonceReplayedToAnotherNode(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	shared := func(c *server.Config) { c.Store = st }
	a, b := testserver.Start(t, shared), testserver.Start(t, shared)
	ctx := context.Background()
	p, err := a.Partners().CreatePartner(ctx, partners.PartnerSettings{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	c := &aqc.Client{URL: a.HTTPURL + "/v3.0/open/api", AppID: p.AppID, KeyID: p.KeyID, AppKey: p.AppKey,
		HTTP: &http.Client{Transport: rec}}
	env, err := c.Do(ctx, "query.position.info", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if env.Code == 102 {
		t.Fatalf("first use refused as a replay: %+v", env)
	}
	for name, node := range map[string]*testserver.Server{"the same node": a, "another node": b} {
		req, _ := http.NewRequest(http.MethodPost, node.HTTPURL+"/v3.0/open/api", bytes.NewReader(rec.body))
		req.Header = rec.header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got aqc.Envelope
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || got.Code != 102 {
			t.Errorf("replay to %s: %+v, %v; want code 102", name, got, err)
		}
	}
}
