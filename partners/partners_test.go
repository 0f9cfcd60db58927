package partners_test

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/partners"
)

var (
	hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)
	keyID = regexp.MustCompile(`^K\.[0-9a-f]{16}$`)
)

func TestCreatePartner(t *testing.T) {
	ctx := context.Background()
	n := newDomain(t)
	p, err := n.CreatePartner(ctx, partners.PartnerSettings{Name: "  acme  ", PushURL: "https://acme.example/aqara/push", PushSign: true})
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"AppID": p.AppID, "AppKey": p.AppKey, "PushAppKey": p.PushAppKey, "PushAppSecret": p.PushAppSecret} {
		if !hex32.MatchString(v) {
			t.Errorf("%s = %q, want 32 hex", name, v)
		}
	}
	if !keyID.MatchString(p.KeyID) {
		t.Errorf("KeyID = %q, want K.<16 hex>", p.KeyID)
	}
	if p.Name != "acme" || p.PushURL != "https://acme.example/aqara/push" || !p.PushSign || p.Suspended || p.CreatedAt.IsZero() {
		t.Errorf("partner = %+v", p)
	}
	got, err := n.Partner(ctx, p.AppID)
	if err != nil || got != p {
		t.Fatalf("Partner = %+v, %v; want %+v", got, err, p)
	}

	// No push URL yet is fine; a second partner gets different keys.
	q, err := n.CreatePartner(ctx, partners.PartnerSettings{Name: "beta", PushURL: "", PushSign: false})
	if err != nil {
		t.Fatal(err)
	}
	if q.PushURL != "" || q.AppID == p.AppID || q.AppKey == p.AppKey || q.KeyID == p.KeyID {
		t.Errorf("second partner = %+v", q)
	}
	ps, err := n.Partners(ctx)
	if err != nil || len(ps) != 2 {
		t.Fatalf("Partners = %v, %v; want 2", ps, err)
	}

	if _, err := n.Partner(ctx, "ffffffffffffffffffffffffffffffff"); !errors.Is(err, partners.ErrPartnerNotFound) {
		t.Errorf("Partner(missing) = %v, want ErrPartnerNotFound", err)
	}
}

func TestCreatePartnerInvalid(t *testing.T) {
	ctx := context.Background()
	n := newDomain(t)
	for _, c := range []struct{ name, url string }{
		{"", "https://a.example/"},
		{"   ", ""},
		{"x", "ftp://a.example/push"},
		{"x", "/relative/push"},
		{"x", "a.example/push"},
		{"x", "https://"},
		{"x", "http://:8080/push"},
		{"x", "https://user:pass@a.example/push"},
		{"x", "https://a.example/push#frag"},
		{"x", "http://a b.example/"},
	} {
		if _, err := n.CreatePartner(ctx, partners.PartnerSettings{Name: c.name, PushURL: c.url, PushSign: false}); !errors.Is(err, core.ErrInvalidInput) {
			t.Errorf("CreatePartner(%q, %q) = %v, want ErrInvalidInput", c.name, c.url, err)
		}
	}
	if ps, _ := n.Partners(ctx); len(ps) != 0 {
		t.Errorf("invalid partners were stored: %v", ps)
	}
	for _, u := range []string{"http://127.0.0.1:9000/push", "HTTPS://A.example/p?q=1"} {
		if _, err := n.CreatePartner(ctx, partners.PartnerSettings{Name: "ok", PushURL: u, PushSign: false}); err != nil {
			t.Errorf("CreatePartner(%q) = %v", u, err)
		}
	}
}

func TestUpdatePartner(t *testing.T) {
	ctx := context.Background()
	n := newDomain(t)
	p, err := n.CreatePartner(ctx, partners.PartnerSettings{Name: "acme", PushURL: "", PushSign: false})
	if err != nil {
		t.Fatal(err)
	}
	u, err := n.UpdatePartner(ctx, p.AppID, partners.PartnerSettings{Name: "acme 2", PushURL: "http://push.example/in", PushSign: true})
	if err != nil {
		t.Fatal(err)
	}
	want := p
	want.Name, want.PushURL, want.PushSign = "acme 2", "http://push.example/in", true
	if u != want {
		t.Errorf("updated = %+v, want %+v", u, want)
	}
	if _, err := n.UpdatePartner(ctx, p.AppID, partners.PartnerSettings{Name: "acme", PushURL: "nope", PushSign: false}); !errors.Is(err, core.ErrInvalidInput) {
		t.Errorf("UpdatePartner(bad url) = %v, want ErrInvalidInput", err)
	}
	if _, err := n.UpdatePartner(ctx, "ffffffffffffffffffffffffffffffff", partners.PartnerSettings{Name: "x", PushURL: "", PushSign: false}); !errors.Is(err, partners.ErrPartnerNotFound) {
		t.Errorf("UpdatePartner(missing) = %v, want ErrPartnerNotFound", err)
	}
}

func TestSetPartnerSuspended(t *testing.T) {
	ctx := context.Background()
	n := newDomain(t)
	p, err := n.CreatePartner(ctx, partners.PartnerSettings{Name: "acme", PushURL: "https://acme.example/push", PushSign: false})
	if err != nil {
		t.Fatal(err)
	}
	s, err := n.SetPartnerSuspended(ctx, p.AppID, true, "too many failed pushes")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Suspended || s.SuspendedReason != "too many failed pushes" || s.SuspendedAt.IsZero() || s.SuspendedAt.Before(p.CreatedAt) {
		t.Errorf("suspended = %+v", s)
	}
	e, err := n.SetPartnerSuspended(ctx, p.AppID, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if e != p {
		t.Errorf("re-enabled = %+v, want %+v", e, p)
	}
	if _, err := n.SetPartnerSuspended(ctx, "ffffffffffffffffffffffffffffffff", true, "x"); !errors.Is(err, partners.ErrPartnerNotFound) {
		t.Errorf("SetPartnerSuspended(missing) = %v, want ErrPartnerNotFound", err)
	}
}
