package admin

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// The admin API's JSON shapes. Times are RFC 3339 in UTC; a time that never
// happened is null.

type productView struct {
	ProductKey    string          `json:"product_key"`
	ProductSecret string          `json:"product_secret"`
	Name          string          `json:"name"`
	CreatedAt     time.Time       `json:"created_at"`
	Schema        json.RawMessage `json:"schema,omitempty"`
}

func viewProduct(p store.Product, withSchema bool) productView {
	v := productView{ProductKey: p.Key, ProductSecret: p.Secret, Name: p.Name, CreatedAt: p.CreatedAt}
	if withSchema {
		v.Schema = p.Schema
	}
	return v
}

type appView struct {
	AppID     string    `json:"appid"`
	AppSecret string    `json:"app_secret"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func viewApp(a store.App) appView {
	return appView{AppID: a.ID, AppSecret: a.Secret, Name: a.Name, CreatedAt: a.CreatedAt}
}

// partnerView shows the secrets (app_key, push_app_secret) too: the
// operator hands them to the partner, and they are MD5 signing keys the
// server keeps in the clear anyway.
type partnerView struct {
	AppID           string     `json:"app_id"`
	KeyID           string     `json:"key_id"`
	AppKey          string     `json:"app_key"`
	Name            string     `json:"name"`
	PushURL         string     `json:"push_url"`
	PushSign        bool       `json:"push_sign"`
	PushAppKey      string     `json:"push_app_key"`
	PushAppSecret   string     `json:"push_app_secret"`
	Suspended       bool       `json:"suspended"`
	SuspendedReason string     `json:"suspended_reason"`
	SuspendedAt     *time.Time `json:"suspended_at"`
	UserAppID       string     `json:"user_app_id"`
	Push            pushView   `json:"push"`
	CreatedAt       time.Time  `json:"created_at"`
}

// pushView is a partner's push health (partners.PushHealth).
type pushView struct {
	State       string     `json:"state"` // active, warned, suspended
	Pending     int64      `json:"pending"`
	Delivered   int64      `json:"delivered"`   // since this node started
	Attempts5m  int        `json:"attempts_5m"` // in the failure window
	Failed5m    int        `json:"failed_5m"`
	WarnedAt    *time.Time `json:"warned_at"`
	SuspendedAt *time.Time `json:"suspended_at"`
	LastError   string     `json:"last_error"`
}

func (a *API) viewPartner(ctx context.Context, p partners.Partner) partnerView {
	v := partnerView{
		AppID: p.AppID, KeyID: p.KeyID, AppKey: p.AppKey, Name: p.Name,
		PushURL: p.PushURL, PushSign: p.PushSign, PushAppKey: p.PushAppKey, PushAppSecret: p.PushAppSecret,
		Suspended: p.Suspended, SuspendedReason: p.SuspendedReason, SuspendedAt: optionalTime(p.SuspendedAt),
		UserAppID: p.UserAppID, CreatedAt: p.CreatedAt,
	}
	h, err := a.pd.PartnerPushHealth(ctx, p.AppID)
	if err != nil {
		a.log.Warn("push health", "app_id", p.AppID, "err", err)
		h.State = partners.PushActive
	}
	v.Push = pushView{State: h.State, Pending: h.Pending, Delivered: h.Delivered, Attempts5m: h.Attempts,
		Failed5m: h.Failed, WarnedAt: optionalTime(h.WarnedAt), SuspendedAt: optionalTime(h.SuspendedAt), LastError: h.LastError}
	return v
}

type deviceView struct {
	DID        string          `json:"did"`
	ProductKey string          `json:"product_key"`
	MAC        string          `json:"mac"`
	Passcode   string          `json:"passcode"`
	IsOnline   bool            `json:"is_online"`
	IsDisabled bool            `json:"is_disabled"`
	LastSeen   *time.Time      `json:"last_seen"`
	CreatedAt  time.Time       `json:"created_at"`
	Attrs      json.RawMessage `json:"attrs,omitempty"`
	UpdatedAt  *time.Time      `json:"updated_at,omitempty"`
}

func viewDevice(d store.Device) deviceView {
	return deviceView{
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
