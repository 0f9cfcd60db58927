package relay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-iot/switchboard/core"
)

// NodeInfo is one connected watch as getConnectedNodes lists it.
type NodeInfo struct {
	ID   string // the watch did
	Name string // the user's alias for it, else the did
}

// Nodes lists the user's watches that have a watch app connected to the
// relay (any package): the relay's view of "connected wearables".
func (ic *Relay) Nodes(ctx context.Context, h *Handle) ([]NodeInfo, error) {
	ic.mu.Lock()
	dids := ic.watchDIDsLocked(h.uid)
	ic.mu.Unlock()
	out := make([]NodeInfo, 0, len(dids))
	for _, did := range dids {
		b, err := ic.id.Binding(ctx, h.uid, did)
		if err != nil {
			continue // unbound since: not the user's watch any more
		}
		name := b.Alias
		if name == "" {
			name = did
		}
		out = append(out, NodeInfo{ID: did, Name: name})
	}
	return out, nil
}

// checkNode runs the phone-side checks in the order the Xiaomi Wear SDK
// surfaces them (docs/protocol-interconnect.md): the watch must be bound to
// the user (else ErrPermission), its app of this package must not be
// signed differently (ErrSignature), DEVICE_MANAGER must be granted when
// needPerm (ErrPermission), and the watch app must have registered once
// (ErrNotInstalled). It returns the watch's endpoint handle when that app
// is connected here with the same certificate, remote when it is
// connected to another node, else neither.
func (ic *Relay) checkNode(ctx context.Context, h *Handle, did string, needPerm bool) (w *Handle, remote bool, err error) {
	installed, err := ic.installed(ctx, h, did)
	if err != nil {
		return nil, false, err
	}
	if needPerm {
		if err := ic.needGrant(ctx, h, did, PermDeviceManager); err != nil {
			return nil, false, err
		}
	}
	if !installed {
		return nil, false, ErrNotInstalled
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if w := ic.watches[watchKey{h.uid, did, h.pkg}]; w != nil && w.fp == h.fp {
		return w, false, nil
	}
	_, remote = ic.watchLiveLocked(h.uid, did, h.pkg, h.fp)
	return nil, remote, nil
}

// installed checks binding and signature and says whether the watch app
// with this certificate ever registered on did.
func (ic *Relay) installed(ctx context.Context, h *Handle, did string) (bool, error) {
	if _, err := ic.id.Binding(ctx, h.uid, did); err != nil {
		if errors.Is(err, core.ErrNotBound) {
			return false, fmt.Errorf("%w: the watch is not bound to this user", ErrPermission)
		}
		return false, err
	}
	// The watch's current certificate: its live session's (on any node),
	// else the one it registered with last.
	ic.mu.Lock()
	fp := ic.watchFingerprintLocked(h.uid, did, h.pkg)
	ic.mu.Unlock()
	if fp == "" {
		apps, err := ic.store.ListInterconnectWatchApps(ctx, h.uid, h.pkg)
		if err != nil {
			return false, err
		}
		var last time.Time
		for _, a := range apps {
			if a.DID == did && !a.LastSeen.Before(last) {
				fp, last = a.Fingerprint, a.LastSeen
			}
		}
	}
	switch {
	case fp == "":
		return false, nil
	case fp != h.fp:
		return false, ErrSignature
	}
	return true, nil
}

// Installed answers isWearAppInstalled.
func (ic *Relay) Installed(ctx context.Context, h *Handle, did string) (bool, error) {
	ok, err := ic.installed(ctx, h, did)
	if err != nil {
		return false, err
	}
	if err := ic.needGrant(ctx, h, did, PermDeviceManager); err != nil {
		return false, err
	}
	return ok, nil
}

func (ic *Relay) grants(ctx context.Context, h *Handle, did string) ([]string, error) {
	gs, err := ic.store.ListInterconnectGrants(ctx, h.uid, did, h.pkg, h.fp)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Permission
	}
	return out, nil
}

func (ic *Relay) needGrant(ctx context.Context, h *Handle, did, perm string) error {
	have, err := ic.grants(ctx, h, did)
	if err != nil {
		return err
	}
	if !slices.Contains(have, perm) {
		return fmt.Errorf("%w: %s not granted; call requestPermission first", ErrPermission, perm)
	}
	return nil
}

func validPerms(perms []string) error {
	if len(perms) == 0 || len(perms) > 8 {
		return &core.InputError{Field: "", Reason: "give 1 to 8 permissions"}
	}
	for _, p := range perms {
		if p != PermDeviceManager && p != PermNotify {
			return &core.InputError{Field: "permission", Reason: "must be data_manager or notify"}
		}
	}
	return nil
}

// CheckPermissions answers checkPermission(s): one bool per permission.
func (ic *Relay) CheckPermissions(ctx context.Context, h *Handle, did string, perms []string) ([]bool, error) {
	if err := validPerms(perms); err != nil {
		return nil, err
	}
	if _, err := ic.installed(ctx, h, did); err != nil {
		return nil, err
	}
	have, err := ic.grants(ctx, h, did)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(perms))
	for i, p := range perms {
		out[i] = slices.Contains(have, p)
	}
	return out, nil
}

// RequestPermissions answers requestPermission. The user is the caller
// (authenticated by token), so the relay grants at once where the phone
// would show a dialog; the first request grants both permissions, as the
// Xiaomi SDK does (notes §2.3). It returns the requested permissions, now
// all granted.
func (ic *Relay) RequestPermissions(ctx context.Context, h *Handle, did string, perms []string) ([]string, error) {
	if err := validPerms(perms); err != nil {
		return nil, err
	}
	if _, err := ic.installed(ctx, h, did); err != nil {
		return nil, err
	}
	have, err := ic.grants(ctx, h, did)
	if err != nil {
		return nil, err
	}
	want := slices.Clone(perms)
	if len(have) == 0 {
		want = append(want, PermDeviceManager, PermNotify)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	var gs []Grant
	for _, p := range want {
		if !slices.Contains(have, p) {
			have = append(have, p)
			gs = append(gs, Grant{UID: h.uid, DID: did, Package: h.pkg, Fingerprint: h.fp, Permission: p, GrantedAt: now})
		}
	}
	if err := ic.store.GrantInterconnect(ctx, gs); err != nil {
		return nil, err
	}
	out := slices.Clone(perms)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Listen makes the phone app receive the messages of did's watch app
// (addListener); it needs DEVICE_MANAGER. Unlisten stops it.
func (ic *Relay) Listen(ctx context.Context, h *Handle, did string) error {
	if _, err := ic.installed(ctx, h, did); err != nil {
		return err
	}
	if err := ic.needGrant(ctx, h, did, PermDeviceManager); err != nil {
		return err
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	h.listening[did] = true
	return nil
}

// Unlisten is removeListener; it succeeds whether or not h listened.
func (ic *Relay) Unlisten(h *Handle, did string) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	delete(h.listening, did)
}
