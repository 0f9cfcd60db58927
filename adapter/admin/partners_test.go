package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestPartnersAuth(t *testing.T) {
	srv := testserver.Start(t)
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/admin/v1/partners"},
		{http.MethodGet, "/admin/v1/partners"},
		{http.MethodGet, "/admin/v1/partners/x"},
		{http.MethodPut, "/admin/v1/partners/x"},
		{http.MethodPost, "/admin/v1/partners/x/enable"},
		{http.MethodPost, "/admin/v1/partners/x/disable"},
	} {
		req, _ := http.NewRequest(c.method, srv.HTTPURL+c.path, strings.NewReader(`{"name":"x"}`))
		req.Header.Set("Authorization", "Bearer wrong")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s: %d, want 401", c.method, c.path, resp.StatusCode)
		}
	}
	bad := adminclient.New(srv.HTTPURL, "nope")
	_, err := bad.ListPartners(context.Background())
	apiErr(t, err, 401, "unauthorized")
}

func TestPartners(t *testing.T) {
	ctx := context.Background()
	srv := testserver.Start(t)

	// Every field comes back on create, in the documented JSON names.
	req, _ := http.NewRequest(http.MethodPost, srv.HTTPURL+"/admin/v1/partners",
		strings.NewReader(`{"name":"acme","push_url":"https://acme.example/aqara/push","push_sign":true}`))
	req.Header.Set("Authorization", "Bearer "+srv.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	err = json.NewDecoder(resp.Body).Decode(&raw)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d, %v", resp.StatusCode, err)
	}
	for _, k := range []string{"app_id", "key_id", "app_key", "name", "push_url", "push_sign", "push_app_key",
		"push_app_secret", "suspended", "suspended_reason", "suspended_at", "created_at"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("create answer lacks %q: %v", k, raw)
		}
	}
	appID, _ := raw["app_id"].(string)

	p, err := srv.Admin.GetPartner(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	if !hex32.MatchString(p.AppID) || !hex32.MatchString(p.AppKey) || !hex32.MatchString(p.PushAppKey) ||
		!hex32.MatchString(p.PushAppSecret) || !strings.HasPrefix(p.KeyID, "K.") {
		t.Errorf("partner keys = %+v", p)
	}
	if p.Name != "acme" || p.PushURL != "https://acme.example/aqara/push" || !p.PushSign ||
		p.Suspended || p.SuspendedReason != "" || p.SuspendedAt != nil || p.CreatedAt.IsZero() {
		t.Errorf("partner = %+v", p)
	}

	// No push URL is allowed; list is oldest first.
	q, err := srv.Admin.CreatePartner(ctx, adminclient.PartnerSettings{Name: "beta"})
	if err != nil || q.PushURL != "" || q.PushSign {
		t.Fatalf("create without push = %+v, %v", q, err)
	}
	ps, err := srv.Admin.ListPartners(ctx)
	if err != nil || len(ps) != 2 || ps[0].AppID != p.AppID || ps[1].AppID != q.AppID {
		t.Fatalf("list = %+v, %v", ps, err)
	}

	// PUT replaces name, push URL and signing; keys stay.
	u, err := srv.Admin.UpdatePartner(ctx, q.AppID, adminclient.PartnerSettings{Name: "beta 2", PushURL: "http://127.0.0.1:9/push", PushSign: true})
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "beta 2" || u.PushURL != "http://127.0.0.1:9/push" || !u.PushSign || u.AppKey != q.AppKey || u.KeyID != q.KeyID {
		t.Errorf("updated = %+v", u)
	}

	// Disable, then enable: the suspension comes and goes.
	d, err := srv.Admin.SetPartnerSuspended(ctx, p.AppID, true, "pushes failing")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Suspended || d.SuspendedReason != "pushes failing" || d.SuspendedAt == nil {
		t.Errorf("disabled = %+v", d)
	}
	if g, _ := srv.Admin.GetPartner(ctx, p.AppID); !g.Suspended {
		t.Errorf("get after disable = %+v", g)
	}
	e, err := srv.Admin.SetPartnerSuspended(ctx, p.AppID, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if e.Suspended || e.SuspendedReason != "" || e.SuspendedAt != nil {
		t.Errorf("enabled = %+v", e)
	}
	// A disable with no body gets a default reason.
	req, _ = http.NewRequest(http.MethodPost, srv.HTTPURL+"/admin/v1/partners/"+q.AppID+"/disable", nil)
	req.Header.Set("Authorization", "Bearer "+srv.AdminToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if g, _ := srv.Admin.GetPartner(ctx, q.AppID); resp.StatusCode != 200 || !g.Suspended || g.SuspendedReason == "" {
		t.Errorf("bodiless disable: %d, %+v", resp.StatusCode, g)
	}
}

func TestPartnersErrors(t *testing.T) {
	ctx := context.Background()
	srv := testserver.Start(t)
	missing := "ffffffffffffffffffffffffffffffff"
	_, err := srv.Admin.GetPartner(ctx, missing)
	apiErr(t, err, 404, "partner_not_found")
	_, err = srv.Admin.UpdatePartner(ctx, missing, adminclient.PartnerSettings{Name: "x"})
	apiErr(t, err, 404, "partner_not_found")
	_, err = srv.Admin.SetPartnerSuspended(ctx, missing, true, "")
	apiErr(t, err, 404, "partner_not_found")
	_, err = srv.Admin.SetPartnerSuspended(ctx, missing, false, "")
	apiErr(t, err, 404, "partner_not_found")

	for _, u := range []string{"ftp://a.example/push", "/push", "not a url", "https://"} {
		_, err = srv.Admin.CreatePartner(ctx, adminclient.PartnerSettings{Name: "x", PushURL: u})
		apiErr(t, err, 400, "invalid_input")
	}
	_, err = srv.Admin.CreatePartner(ctx, adminclient.PartnerSettings{Name: ""})
	apiErr(t, err, 400, "invalid_input")
	if ps, _ := srv.Admin.ListPartners(ctx); len(ps) != 0 {
		t.Errorf("rejected partners were stored: %+v", ps)
	}

	p, err := srv.Admin.CreatePartner(ctx, adminclient.PartnerSettings{Name: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = srv.Admin.UpdatePartner(ctx, p.AppID, adminclient.PartnerSettings{Name: "ok", PushURL: "mailto:x@y"})
	apiErr(t, err, 400, "invalid_input")

	req, _ := http.NewRequest(http.MethodPost, srv.HTTPURL+"/admin/v1/partners", strings.NewReader(`{"name":`))
	req.Header.Set("Authorization", "Bearer "+srv.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad JSON: %d, want 400", resp.StatusCode)
	}
}

// TestPartnerPushURLNotLogged: a credential in a push URL's user info or
// query never reaches the log.
func TestPartnerPushURLNotLogged(t *testing.T) {
	srv := testserver.Start(t)
	ctx := context.Background()
	secretURL := "https://push.example/aqara?key=k3y-s3cret"
	p, err := srv.Admin.CreatePartner(ctx, adminclient.PartnerSettings{Name: "acme", PushURL: secretURL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Admin.UpdatePartner(ctx, p.AppID, adminclient.PartnerSettings{Name: "acme", PushURL: secretURL + "&more=1"}); err != nil {
		t.Fatal(err)
	}
	if !srv.Log.Contains("partner created", "push.example/aqara") || !srv.Log.Contains("partner updated", "push.example/aqara") {
		t.Fatalf("the partner log lines are missing:\n%s", srv.Log.String())
	}
	if strings.Contains(srv.Log.String(), "s3cret") {
		t.Errorf("the log carries a push URL's credential:\n%s", srv.Log.String())
	}
}
