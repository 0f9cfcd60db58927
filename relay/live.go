package relay

import "slices"

// The live set is every connected app of a user the relay knows of: this
// node's sessions (watches, phones) and those other nodes announced for the
// users this node holds sessions of (peers, nodes.go). Every answer about
// the other side of a pair (open or not, which certificate, connected
// watches) is asked of the live set, never of this node's sessions alone,
// and every change to it, local or announced, tells this node's sessions
// through the same four functions below. All of them run under ic.mu.

// remoteLocked lists the sessions other nodes announced for uid.
func (ic *Relay) remoteLocked(uid string) []session {
	var out []session
	for _, p := range ic.peers {
		out = append(out, p.users[uid]...)
	}
	return out
}

// phoneLiveLocked: a phone app (uid, pkg, fp) is connected somewhere.
func (ic *Relay) phoneLiveLocked(uid, pkg, fp string) bool {
	if ic.phones[phoneKey{uid, pkg, fp}] != nil {
		return true
	}
	return ic.remotePhoneLocked(uid, pkg, fp)
}

// remotePhoneLocked: the phone app (uid, pkg, fp) is connected to another node.
func (ic *Relay) remotePhoneLocked(uid, pkg, fp string) bool {
	for _, s := range ic.remoteLocked(uid) {
		if !s.Watch && s.Pkg == pkg && s.FP == fp {
			return true
		}
	}
	return false
}

// watchLiveLocked: the watch app (uid, did, pkg) signed with fp is
// connected somewhere; remote says it is on another node.
func (ic *Relay) watchLiveLocked(uid, did, pkg, fp string) (live, remote bool) {
	if w := ic.watches[watchKey{uid, did, pkg}]; w != nil && w.fp == fp {
		return true, false
	}
	for _, s := range ic.remoteLocked(uid) {
		if s.Watch && s.DID == did && s.Pkg == pkg && s.FP == fp {
			return true, true
		}
	}
	return false, false
}

// watchFingerprintLocked is the certificate of the watch app (uid, did,
// pkg) connected somewhere, the newest session's if two overlap while one
// replaces the other; "" when none is connected.
func (ic *Relay) watchFingerprintLocked(uid, did, pkg string) string {
	if w := ic.watches[watchKey{uid, did, pkg}]; w != nil {
		return w.fp
	}
	fp, since := "", int64(0)
	for _, s := range ic.remoteLocked(uid) {
		if s.Watch && s.DID == did && s.Pkg == pkg && s.Since >= since {
			fp, since = s.FP, s.Since
		}
	}
	return fp
}

// mismatchedPhoneLocked returns the fingerprint of a phone app of uid and
// pkg connected somewhere with another certificate than fp, or "".
func (ic *Relay) mismatchedPhoneLocked(uid, pkg, fp string) string {
	for k := range ic.phones {
		if k.uid == uid && k.pkg == pkg && k.fp != fp {
			return k.fp
		}
	}
	for _, s := range ic.remoteLocked(uid) {
		if !s.Watch && s.Pkg == pkg && s.FP != fp {
			return s.FP
		}
	}
	return ""
}

// watchDIDsLocked lists the watches of uid with a watch app (any package)
// connected somewhere, sorted.
func (ic *Relay) watchDIDsLocked(uid string) []string {
	var dids []string
	for k := range ic.watches {
		if k.uid == uid {
			dids = append(dids, k.did)
		}
	}
	for _, s := range ic.remoteLocked(uid) {
		if s.Watch {
			dids = append(dids, s.DID)
		}
	}
	slices.Sort(dids)
	return slices.Compact(dids)
}

// pairedWatchesLocked lists the watches whose app (uid, pkg) signed with fp
// is connected somewhere, sorted: the nodes a new phone app is told of.
func (ic *Relay) pairedWatchesLocked(uid, pkg, fp string) []string {
	var dids []string
	for k, w := range ic.watches {
		if k.uid == uid && k.pkg == pkg && w.fp == fp {
			dids = append(dids, k.did)
		}
	}
	for _, s := range ic.remoteLocked(uid) {
		if s.Watch && s.Pkg == pkg && s.FP == fp {
			dids = append(dids, s.DID)
		}
	}
	slices.Sort(dids)
	return slices.Compact(dids)
}

// watchJoinedLocked tells this node's phone app of the pair that the watch
// app connected. again: another session of the same watch app was live,
// so this one replaces it; the phone sees it leave first, as on one node.
func (ic *Relay) watchJoinedLocked(uid, did, pkg, fp string, again bool) {
	p := ic.phones[phoneKey{uid, pkg, fp}]
	if p == nil {
		return
	}
	if again {
		p.ep.Event(Event{Kind: EventNode, Node: did, Connected: false})
	}
	p.ep.Event(Event{Kind: EventNode, Node: did, Connected: true})
}

// watchLeftLocked runs after a watch app's session left the live set: this
// node's phone app of the pair learns the watch left, unless another
// session of the same watch app (its replacement) is still live.
func (ic *Relay) watchLeftLocked(uid, did, pkg, fp string) {
	if live, _ := ic.watchLiveLocked(uid, did, pkg, fp); live {
		return
	}
	if p := ic.phones[phoneKey{uid, pkg, fp}]; p != nil {
		p.ep.Event(Event{Kind: EventNode, Node: did, Connected: false})
	}
}

// phoneJoinedLocked tells this node's watch apps of uid and pkg that a
// phone app signed with fp connected: the pair opens for those with the
// same certificate (closing first if it replaces a live one), and the
// others, whose own phone app is not connected, learn of the mismatch.
func (ic *Relay) phoneJoinedLocked(uid, pkg, fp string, again bool) {
	for k, w := range ic.watches {
		if k.uid != uid || k.pkg != pkg {
			continue
		}
		switch {
		case w.fp == fp:
			if again {
				w.ep.Event(Event{Kind: EventClose, Code: 1001, Text: "the phone app reconnected"})
			}
			w.ep.Event(Event{Kind: EventOpen})
		case !ic.phoneLiveLocked(uid, pkg, w.fp):
			w.ep.Event(Event{Kind: EventError, Code: DiagOthers, Text: "signature mismatch: the phone app " + pkg + " is signed with " + fp})
		}
	}
}

// phoneLeftLocked runs after a phone app's session left the live set: the
// watch apps of its pair on this node see onclose with code and text,
// unless another session of the same phone app is still live.
func (ic *Relay) phoneLeftLocked(uid, pkg, fp string, code int, text string) {
	if ic.phoneLiveLocked(uid, pkg, fp) {
		return
	}
	for k, w := range ic.watches {
		if k.uid == uid && k.pkg == pkg && w.fp == fp {
			w.ep.Event(Event{Kind: EventClose, Code: code, Text: text})
		}
	}
}
