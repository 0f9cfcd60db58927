package core

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// ErrPartnerNotFound: no partner has that appId.
var ErrPartnerNotFound = errors.New("core: partner not found")

// maxPushURL bounds a push URL; anything longer is a mistake.
const maxPushURL = 2048

// NewKeyID returns a fresh Keyid, "K." and 16 lower-case hex characters
// (clients show it as K.<digits>; notes aqara.md §1.2).
func NewKeyID() string { return "K." + NewKey()[:16] }

// CreatePartner stores a new Aqara-style partner with a fresh appId, Keyid
// and appKey (request signing) and a fresh push appkey and appSecret (push
// signing, used only when pushSign is on). pushURL may be empty: no pushes
// until one is set.
func (n *Node) CreatePartner(ctx context.Context, name, pushURL string, pushSign bool) (store.Partner, error) {
	name, pushURL, err := checkPartner(name, pushURL)
	if err != nil {
		return store.Partner{}, err
	}
	p := store.Partner{
		AppID:         NewKey(),
		KeyID:         NewKeyID(),
		AppKey:        NewKey(),
		Name:          name,
		PushURL:       pushURL,
		PushSign:      pushSign,
		PushAppKey:    NewKey(),
		PushAppSecret: NewKey(),
		CreatedAt:     time.Now().UTC().Truncate(time.Millisecond),
	}
	if err := n.store.CreatePartner(ctx, p); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.Partner{}, ErrConflict
		}
		return store.Partner{}, err
	}
	return p, nil
}

// Partner returns a partner, or ErrPartnerNotFound.
func (n *Node) Partner(ctx context.Context, appID string) (store.Partner, error) {
	p, err := n.store.GetPartner(ctx, appID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Partner{}, ErrPartnerNotFound
	}
	return p, err
}

// Partners returns every partner, oldest first.
func (n *Node) Partners(ctx context.Context) ([]store.Partner, error) {
	return n.store.ListPartners(ctx)
}

// UpdatePartner sets a partner's name, push URL and push signing (all
// three: a full replacement) and returns the result; ErrPartnerNotFound if
// absent. Keys and suspension are unchanged.
func (n *Node) UpdatePartner(ctx context.Context, appID, name, pushURL string, pushSign bool) (store.Partner, error) {
	name, pushURL, err := checkPartner(name, pushURL)
	if err != nil {
		return store.Partner{}, err
	}
	err = n.store.UpdatePartner(ctx, store.Partner{AppID: appID, Name: name, PushURL: pushURL, PushSign: pushSign})
	if errors.Is(err, store.ErrNotFound) {
		return store.Partner{}, ErrPartnerNotFound
	}
	if err != nil {
		return store.Partner{}, err
	}
	return n.Partner(ctx, appID)
}

// SetPartnerSuspended stops pushes to a partner, recording why and when, or
// with suspended false re-enables it (clearing both), and returns the
// result; ErrPartnerNotFound if absent.
func (n *Node) SetPartnerSuspended(ctx context.Context, appID string, suspended bool, reason string) (store.Partner, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) > 500 {
		return store.Partner{}, errors.Join(ErrInvalidInput, errors.New("reason must be at most 500 characters"))
	}
	err := n.store.SetPartnerSuspended(ctx, appID, suspended, reason, time.Now().UTC().Truncate(time.Millisecond))
	if errors.Is(err, store.ErrNotFound) {
		return store.Partner{}, ErrPartnerNotFound
	}
	if err != nil {
		return store.Partner{}, err
	}
	return n.Partner(ctx, appID)
}

// checkPartner validates and normalises a partner's name and push URL: the
// URL is empty (no push) or an absolute http or https URL with a host.
func checkPartner(name, pushURL string) (string, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return "", "", errors.Join(ErrInvalidInput, errors.New("name must be 1 to 200 characters"))
	}
	pushURL = strings.TrimSpace(pushURL)
	if pushURL == "" {
		return name, "", nil
	}
	bad := errors.Join(ErrInvalidInput, errors.New("push_url must be an absolute http or https URL"))
	if len(pushURL) > maxPushURL {
		return "", "", bad
	}
	u, err := url.Parse(pushURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.User != nil || u.Fragment != "" {
		return "", "", bad
	}
	return name, pushURL, nil
}
