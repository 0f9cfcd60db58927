package partners

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// ErrPartnerNotFound: no partner has that appId.
var ErrPartnerNotFound = errors.New("partners: partner not found")

// maxPushURL bounds a push URL; anything longer is a mistake.
const maxPushURL = 2048

// NewKeyID returns a fresh Keyid, "K." and 16 lower-case hex characters
// (clients show it as K.<digits>; notes aqara.md §1.2).
func NewKeyID() string { return "K." + core.NewKey()[:16] }

// PartnerSettings are what an operator sets on a partner.
type PartnerSettings struct {
	Name string
	// PushURL may be empty: no pushes until one is set.
	PushURL string
	// PushSign signs pushes with the push appkey and appSecret.
	PushSign bool
	// UserAppID is the Gizwits app whose users are the partner's accounts;
	// empty until set (the auth intents then answer "not activated").
	UserAppID string
}

// CreatePartner stores a new Aqara-style partner with a fresh appId, Keyid
// and appKey (request signing) and a fresh push appkey and appSecret (push
// signing, used only when PushSign is on).
func (n *Domain) CreatePartner(ctx context.Context, s PartnerSettings) (Partner, error) {
	s, err := n.checkPartner(ctx, s)
	if err != nil {
		return Partner{}, err
	}
	p := Partner{
		AppID:         core.NewKey(),
		KeyID:         NewKeyID(),
		AppKey:        core.NewKey(),
		Name:          s.Name,
		PushURL:       s.PushURL,
		PushSign:      s.PushSign,
		UserAppID:     s.UserAppID,
		PushAppKey:    core.NewKey(),
		PushAppSecret: core.NewKey(),
		CreatedAt:     time.Now().UTC().Truncate(time.Millisecond),
	}
	if err := n.store.CreatePartner(ctx, p); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Partner{}, core.ErrConflict
		}
		return Partner{}, err
	}
	n.outbox.setPartner(p)
	n.announce(Change{AppID: p.AppID})
	return p, nil
}

// Partner returns a partner, or ErrPartnerNotFound.
func (n *Domain) Partner(ctx context.Context, appID string) (Partner, error) {
	p, err := n.store.GetPartner(ctx, appID)
	if errors.Is(err, store.ErrNotFound) {
		return Partner{}, ErrPartnerNotFound
	}
	return p, err
}

// Partners returns every partner, oldest first.
func (n *Domain) Partners(ctx context.Context) ([]Partner, error) {
	return n.store.ListPartners(ctx)
}

// UpdatePartner replaces a partner's settings (all of them) and returns the
// result; ErrPartnerNotFound if absent. Keys and suspension are unchanged.
func (n *Domain) UpdatePartner(ctx context.Context, appID string, s PartnerSettings) (Partner, error) {
	s, err := n.checkPartner(ctx, s)
	if err != nil {
		return Partner{}, err
	}
	err = n.store.UpdatePartner(ctx, Partner{AppID: appID, Name: s.Name, PushURL: s.PushURL, PushSign: s.PushSign, UserAppID: s.UserAppID})
	if errors.Is(err, store.ErrNotFound) {
		return Partner{}, ErrPartnerNotFound
	}
	if err != nil {
		return Partner{}, err
	}
	p, err := n.Partner(ctx, appID)
	if err == nil {
		n.outbox.setPartner(p)
		n.changedPartner(appID)
	}
	return p, err
}

// SetPartnerSuspended stops pushes to a partner, recording why and when, or
// with suspended false re-enables it (clearing both), and returns the
// result; ErrPartnerNotFound if absent.
func (n *Domain) SetPartnerSuspended(ctx context.Context, appID string, suspended bool, reason string) (Partner, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) > 500 {
		return Partner{}, &core.InputError{Field: "reason", Reason: "must be at most 500 characters"}
	}
	err := n.store.SetPartnerSuspended(ctx, appID, suspended, reason, time.Now().UTC().Truncate(time.Millisecond))
	if errors.Is(err, store.ErrNotFound) {
		return Partner{}, ErrPartnerNotFound
	}
	if err != nil {
		return Partner{}, err
	}
	n.changedPartner(appID)
	return n.Partner(ctx, appID)
}

// SetPartnerPushSuspended stops (or, with suspended false, resumes) the
// pushes of a partner only, as the failure rule of the push deliverer
// does; ErrPartnerNotFound if absent. Pending pushes stay queued.
func (n *Domain) SetPartnerPushSuspended(ctx context.Context, appID string, suspended bool, reason string) (Partner, error) {
	err := n.store.SetPartnerPushSuspended(ctx, appID, suspended, reason, time.Now().UTC().Truncate(time.Millisecond))
	if errors.Is(err, store.ErrNotFound) {
		return Partner{}, ErrPartnerNotFound
	}
	if err != nil {
		return Partner{}, err
	}
	n.changedPartner(appID)
	return n.Partner(ctx, appID)
}

// OnPartnerChanged registers f to be called after a partner's settings or
// suspension changed. f must not block.
func (n *Domain) OnPartnerChanged(f func(appID string)) {
	n.outbox.mu.Lock()
	n.outbox.changed = append(n.outbox.changed, f)
	n.outbox.mu.Unlock()
}

// changedPartner tells this node's listeners and the other nodes.
func (n *Domain) changedPartner(appID string) {
	n.partnerChanged(appID)
	n.announce(Change{AppID: appID})
}

func (n *Domain) partnerChanged(appID string) {
	n.outbox.mu.RLock()
	fs := n.outbox.changed
	n.outbox.mu.RUnlock()
	for _, f := range fs {
		f(appID)
	}
}

// checkPartner validates and normalises partner settings: the user app
// exists if set (ErrAppNotFound otherwise), and see checkNameURL.
func (n *Domain) checkPartner(ctx context.Context, s PartnerSettings) (PartnerSettings, error) {
	var err error
	if s.Name, s.PushURL, err = checkNameURL(s.Name, s.PushURL); err != nil {
		return s, err
	}
	s.UserAppID = strings.TrimSpace(s.UserAppID)
	if s.UserAppID != "" {
		if _, err := n.core.App(ctx, s.UserAppID); err != nil {
			return s, err
		}
	}
	return s, nil
}

// checkNameURL validates and normalises a partner's name and push URL: the
// URL is empty (no push) or an absolute http or https URL with a host.
func checkNameURL(name, pushURL string) (string, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return "", "", &core.InputError{Field: "name", Reason: "must be 1 to 200 characters"}
	}
	pushURL = strings.TrimSpace(pushURL)
	if pushURL == "" {
		return name, "", nil
	}
	bad := &core.InputError{Field: "push_url", Reason: "must be an absolute http or https URL"}
	if len(pushURL) > maxPushURL {
		return "", "", bad
	}
	u, err := url.Parse(pushURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.User != nil || u.Fragment != "" {
		return "", "", bad
	}
	return name, pushURL, nil
}
