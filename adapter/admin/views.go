package admin

import (
	"context"
	"github.com/switchboard-iot/switchboard/partners"
	"time"

	"github.com/switchboard-iot/switchboard/adminapi"
	"github.com/switchboard-iot/switchboard/store"
)

// Rows rendered as the admin API's JSON shapes (package adminapi, which
// adminclient decodes with).

func viewProduct(p store.Product, withSchema bool) adminapi.Product {
	v := adminapi.Product{ProductKey: p.Key, ProductSecret: p.Secret, Name: p.Name, CreatedAt: p.CreatedAt}
	if withSchema {
		v.Schema = p.Schema
	}
	return v
}

func viewApp(a store.App) adminapi.App {
	return adminapi.App{AppID: a.ID, AppSecret: a.Secret, Name: a.Name, CreatedAt: a.CreatedAt}
}

func (a *API) viewPartner(ctx context.Context, p partners.Partner) adminapi.Partner {
	v := adminapi.Partner{
		AppID: p.AppID, KeyID: p.KeyID, AppKey: p.AppKey, Name: p.Name,
		PushURL: p.PushURL, PushSign: p.PushSign, PushAppKey: p.PushAppKey, PushAppSecret: p.PushAppSecret,
		Suspended: p.Suspended, SuspendedReason: p.SuspendedReason, SuspendedAt: optionalTime(p.SuspendedAt),
		UserAppID: p.UserAppID, CreatedAt: p.CreatedAt,
	}
	h, err := a.partners.PartnerPushHealth(ctx, p.AppID)
	if err != nil {
		a.log.Warn("push health", "app_id", p.AppID, "err", err)
		h.State = partners.PushActive
	}
	v.Push = adminapi.PushHealth{State: h.State, Pending: h.Pending, Delivered: h.Delivered, Attempts5m: h.Attempts,
		Failed5m: h.Failed, WarnedAt: optionalTime(h.WarnedAt), SuspendedAt: optionalTime(h.SuspendedAt), LastError: h.LastError}
	return v
}

func viewDevice(d store.Device) adminapi.Device {
	return adminapi.Device{
		DID: d.DID, ProductKey: d.ProductKey, MAC: d.MAC, Passcode: d.Passcode,
		IsOnline: d.Online, IsDisabled: d.Disabled, LastSeen: optionalTime(d.LastSeen), CreatedAt: d.CreatedAt,
	}
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
