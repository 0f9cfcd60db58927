package aqara_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/aqara"
	"github.com/switchboard-iot/switchboard/partners"
)

// TestSuspendedPartnerRefusedAtOnce: from the moment a partner is
// suspended, every intent it calls is refused (403), even with an access
// token that worked a moment before: the partner and the token are read
// on every request, nothing of an earlier authorization is cached. Lifting
// the suspension restores the same token.
func TestSuspendedPartnerRefusedAtOnce(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	app, err := srv.Admin.CreateApp(ctx, "partner users")
	if err != nil {
		t.Fatal(err)
	}
	p, err := srv.Partners().UpdatePartner(ctx, c.p.AppID, partners.PartnerSettings{Name: c.p.Name, UserAppID: app.AppID})
	if err != nil {
		t.Fatal(err)
	}
	c.p = p
	_, pair, err := srv.Partners().CreateVirtualAccount(ctx, p, "acct-1", "", true, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const positions = `{"intent":"query.position.info","data":{"pageNum":1,"pageSize":10}}`
	wantCode(t, c.post(c.headers(pair.AccessToken), positions), 0, "Success")

	if _, err := srv.Partners().SetPartnerSuspended(ctx, p.AppID, true, "contract ended"); err != nil {
		t.Fatal(err)
	}
	names := aqara.IntentNames()
	sort.Strings(names)
	if len(names) < 10 {
		t.Fatalf("only %d intents: %v", len(names), names)
	}
	for _, name := range names {
		body := fmt.Sprintf(`{"intent":%q,"data":{}}`, name)
		for _, tok := range []string{pair.AccessToken, ""} {
			e := c.post(c.headers(tok), body)
			if e.Code != 403 || e.Message != "Request forbidden" {
				t.Errorf("%s (token %v) while suspended: %d %q", name, tok != "", e.Code, e.Message)
			}
		}
	}

	if _, err := srv.Partners().SetPartnerSuspended(ctx, p.AppID, false, ""); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.post(c.headers(pair.AccessToken), positions), 0, "Success")
}
