package gizapp_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/gizapp"
)

// signed returns user headers with a bind_mac signature for ts.
func (e *env) signed(token, secret string, ts int64) hdr {
	h := e.userHdr(token)
	s := strconv.FormatInt(ts, 10)
	h["X-Gizwits-Timestamp"] = s
	h["X-Gizwits-Signature"] = gizapp.ProductSignature(secret, s)
	return h
}

func TestBindMAC(t *testing.T) {
	e := start(t)
	_, tok := e.anonUser("p1")
	did, pc := e.register("a0b1c2d3e4f5")
	secret, now := e.product.ProductSecret, time.Now().Unix()
	body := map[string]any{"product_key": e.product.ProductKey, "mac": "A0:B1:C2:D3:E4:F5", "remark": "r", "dev_alias": "lamp", "set_owner": 1}

	// Out of the ±5 min window by minutes, not by a second: a request that
	// took a second under load once let now+301 back into the window. The
	// exact edges are TestTimestampFresh's, with a fixed clock.
	wantErr(t, e.do("POST", "/app/bind_mac", e.signed(tok, secret, now-30*60), body), 400, 9043)
	wantErr(t, e.do("POST", "/app/bind_mac", e.signed(tok, secret, now+30*60), body), 400, 9043)
	noTS := e.signed(tok, secret, now)
	delete(noTS, "X-Gizwits-Timestamp")
	wantErr(t, e.do("POST", "/app/bind_mac", noTS, body), 400, 9043)
	wantErr(t, e.do("POST", "/app/bind_mac", e.signed(tok, strings.Repeat("0", 32), now), body), 400, 9044)
	noSig := e.signed(tok, secret, now)
	delete(noSig, "X-Gizwits-Signature")
	wantErr(t, e.do("POST", "/app/bind_mac", noSig, body), 400, 9044)
	wantErr(t, e.do("POST", "/app/bind_mac", e.signed(tok, secret, now),
		map[string]any{"product_key": strings.Repeat("f", 32), "mac": "a0b1c2d3e4f5"}), 400, 9002)
	wantErr(t, e.do("POST", "/app/bind_mac", e.signed(tok, secret, now),
		map[string]any{"product_key": e.product.ProductKey, "mac": "a0b1c2d3e4f6"}), 404, 9014)
	wantErr(t, e.do("POST", "/app/bind_mac", e.signed(tok, secret, now),
		map[string]any{"product_key": e.product.ProductKey, "mac": "not-a-mac"}), 400, 9015)
	wantErr(t, e.do("POST", "/app/bind_mac", e.signed(tok, secret, now), map[string]any{"mac": "a0b1c2d3e4f5"}), 400, 9015)
	wantErr(t, e.do("POST", "/app/bind_mac", e.appHdr(), body), 400, 9004)

	r := e.do("POST", "/app/bind_mac", e.signed(tok, secret, now), body)
	wantOK(t, r, http.StatusCreated)
	m := r.obj(t)
	if m["did"] != did || m["passcode"] != pc || m["mac"] != "a0b1c2d3e4f5" || m["role"] != "owner" ||
		m["remark"] != "r" || m["dev_alias"] != "lamp" || m["product_name"] != "Demo lamp" {
		t.Fatalf("bind_mac reply %s", r.body)
	}
	checkDeviceKeys(t, m)
	if got := e.page(tok, ""); len(got) != 1 || got[0] != did {
		t.Fatalf("bindings after bind_mac %v", got)
	}

	// A second user binding the same device becomes a normal user.
	_, tok2 := e.anonUser("p2")
	r = e.do("POST", "/app/bind_mac", e.signed(tok2, secret, now), body)
	wantOK(t, r, http.StatusCreated)
	if r.obj(t)["role"] != "normal" {
		t.Fatalf("second binding %s", r.body)
	}

	// A disabled device cannot be bound.
	_, tok3 := e.anonUser("p3")
	if _, err := e.srv.Admin.SetDeviceDisabled(t.Context(), did, true); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.do("POST", "/app/bind_mac", e.signed(tok3, secret, now), body), 400, 9023)
}
