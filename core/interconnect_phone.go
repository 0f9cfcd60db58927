package core

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// ICNodeInfo is one connected watch as getConnectedNodes lists it.
type ICNodeInfo struct {
	ID   string // the watch did
	Name string // the user's alias for it, else the did
}

// Nodes lists the user's watches that have a watch app connected to the
// relay (any package): the relay's view of "connected wearables".
func (ic *Interconnect) Nodes(ctx context.Context, h *ICHandle) ([]ICNodeInfo, error) {
	ic.mu.Lock()
	var dids []string
	for k := range ic.watches {
		if k.uid == h.uid && !slices.Contains(dids, k.did) {
			dids = append(dids, k.did)
		}
	}
	ic.mu.Unlock()
	slices.Sort(dids)
	out := make([]ICNodeInfo, 0, len(dids))
	for _, did := range dids {
		b, err := ic.node.Binding(ctx, h.uid, did)
		if err != nil {
			continue // unbound since: not the user's watch any more
		}
		name := b.Alias
		if name == "" {
			name = did
		}
		out = append(out, ICNodeInfo{ID: did, Name: name})
	}
	return out, nil
}

// checkNode runs the phone-side checks in the order the Xiaomi Wear SDK
// surfaces them (docs/protocol-interconnect.md): the watch must be bound to
// the user (else ErrICPermission), its app of this package must not be
// signed differently (ErrICSignature), DEVICE_MANAGER must be granted when
// needPerm (ErrICPermission), and the watch app must have registered once
// (ErrICNotInstalled). It returns the watch's endpoint handle when that app
// is connected with the same certificate, else nil.
func (ic *Interconnect) checkNode(ctx context.Context, h *ICHandle, did string, needPerm bool) (*ICHandle, error) {
	installed, err := ic.installed(ctx, h, did)
	if err != nil {
		return nil, err
	}
	if needPerm {
		if err := ic.needGrant(ctx, h, did, PermDeviceManager); err != nil {
			return nil, err
		}
	}
	if !installed {
		return nil, ErrICNotInstalled
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if w := ic.watches[watchKey{h.uid, did, h.pkg}]; w != nil && w.fp == h.fp {
		return w, nil
	}
	return nil, nil
}

// installed checks binding and signature and says whether the watch app
// with this certificate ever registered on did.
func (ic *Interconnect) installed(ctx context.Context, h *ICHandle, did string) (bool, error) {
	if _, err := ic.node.Binding(ctx, h.uid, did); err != nil {
		if errors.Is(err, ErrNotBound) {
			return false, fmt.Errorf("%w: the watch is not bound to this user", ErrICPermission)
		}
		return false, err
	}
	// The watch's current certificate: its live session's, else the one it
	// registered with last.
	ic.mu.Lock()
	w := ic.watches[watchKey{h.uid, did, h.pkg}]
	ic.mu.Unlock()
	fp := ""
	if w != nil {
		fp = w.fp
	} else {
		apps, err := ic.node.store.ListInterconnectWatchApps(ctx, h.uid, h.pkg)
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
		return false, ErrICSignature
	}
	return true, nil
}

// Installed answers isWearAppInstalled.
func (ic *Interconnect) Installed(ctx context.Context, h *ICHandle, did string) (bool, error) {
	ok, err := ic.installed(ctx, h, did)
	if err != nil {
		return false, err
	}
	if err := ic.needGrant(ctx, h, did, PermDeviceManager); err != nil {
		return false, err
	}
	return ok, nil
}

func (ic *Interconnect) grants(ctx context.Context, h *ICHandle, did string) ([]string, error) {
	gs, err := ic.node.store.ListInterconnectGrants(ctx, h.uid, did, h.pkg, h.fp)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Permission
	}
	return out, nil
}

func (ic *Interconnect) needGrant(ctx context.Context, h *ICHandle, did, perm string) error {
	have, err := ic.grants(ctx, h, did)
	if err != nil {
		return err
	}
	if !slices.Contains(have, perm) {
		return fmt.Errorf("%w: %s not granted; call requestPermission first", ErrICPermission, perm)
	}
	return nil
}

func validPerms(perms []string) error {
	if len(perms) == 0 || len(perms) > 8 {
		return invalidInput("", "give 1 to 8 permissions")
	}
	for _, p := range perms {
		if p != PermDeviceManager && p != PermNotify {
			return invalidInput("permission", "must be data_manager or notify")
		}
	}
	return nil
}

// CheckPermissions answers checkPermission(s): one bool per permission.
func (ic *Interconnect) CheckPermissions(ctx context.Context, h *ICHandle, did string, perms []string) ([]bool, error) {
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
func (ic *Interconnect) RequestPermissions(ctx context.Context, h *ICHandle, did string, perms []string) ([]string, error) {
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
	var gs []store.InterconnectGrant
	for _, p := range want {
		if !slices.Contains(have, p) {
			have = append(have, p)
			gs = append(gs, store.InterconnectGrant{UID: h.uid, DID: did, Package: h.pkg, Fingerprint: h.fp, Permission: p, GrantedAt: now})
		}
	}
	if err := ic.node.store.GrantInterconnect(ctx, gs); err != nil {
		return nil, err
	}
	out := slices.Clone(perms)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Listen makes the phone app receive the messages of did's watch app
// (addListener); it needs DEVICE_MANAGER. Unlisten stops it.
func (ic *Interconnect) Listen(ctx context.Context, h *ICHandle, did string) error {
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
func (ic *Interconnect) Unlisten(h *ICHandle, did string) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	delete(h.listening, did)
}
