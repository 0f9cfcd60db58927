package relay

import (
	"context"
	"time"
)

// SendFromWatch relays data from a watch to its phone app. nil means the
// relay took it (the document's send success), not that the app read it.
// A phone app without a listener on this watch drops it, as the real phone
// service does (notes §2.6). A phone app on another node gets it through
// the bus (nodes.go), and that node decides whether it listens.
func (ic *Relay) SendFromWatch(ctx context.Context, h *Handle, data string) error {
	if len(data) > MaxMessage {
		return ErrTooLarge
	}
	ic.mu.Lock()
	p := ic.phones[phoneKey{h.uid, h.pkg, h.fp}]
	listening := p != nil && p.listening[h.did]
	remote := p == nil && ic.remotePhoneLocked(h.uid, h.pkg, h.fp)
	gone := h.gone
	ic.mu.Unlock()
	switch {
	case gone || p == nil && !remote:
		return ErrDisconnected
	case remote:
		return ic.forward(ctx, announcement{UID: h.uid, Pkg: h.pkg, FP: h.fp, DID: h.did, Data: data})
	}
	if !listening {
		return nil
	}
	if err := ic.offer(ctx, p.ep, Message{From: h.did, Data: data}); err != nil {
		return err
	}
	ic.count(pairKey{h.uid, h.pkg, h.fp, h.did}, true)
	return nil
}

// SendFromPhone relays data from a phone app to a watch after the checks
// of sendMessage: bound, same certificate, DEVICE_MANAGER granted, watch
// app installed and connected.
func (ic *Relay) SendFromPhone(ctx context.Context, h *Handle, did, data string) error {
	if len(data) > MaxMessage {
		return ErrTooLarge
	}
	w, remote, err := ic.checkNode(ctx, h, did, true)
	if err != nil {
		return err
	}
	if remote {
		return ic.forward(ctx, announcement{UID: h.uid, Pkg: h.pkg, FP: h.fp, DID: did, Data: data, ToWatch: true})
	}
	if w == nil {
		return ErrDisconnected
	}
	if err := ic.offer(ctx, w.ep, Message{Data: data}); err != nil {
		return err
	}
	ic.count(pairKey{h.uid, h.pkg, h.fp, did}, false)
	return nil
}

// offer queues m on ep, waiting up to SendTimeout while the pair's queue
// is full. The sender's reader waits here, so its later messages cannot
// overtake this one: order per pair holds.
func (ic *Relay) offer(ctx context.Context, ep Endpoint, m Message) error {
	timer := time.NewTimer(ic.opts.SendTimeout)
	defer timer.Stop()
	for {
		res, space := ep.Offer(m)
		switch res {
		case Queued:
			return nil
		case Gone:
			return ErrDisconnected
		}
		select {
		case <-space:
		case <-timer.C:
			return ErrTimeout
		case <-ctx.Done():
			return ErrTimeout
		}
	}
}

// count tallies one relayed message for the admin view; flushLoop writes
// the tallies in batches, because a synced write per message would cap the
// relay at the disk's sync rate.
func (ic *Relay) count(k pairKey, fromWatch bool) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	d := ic.counts[k]
	if d == nil {
		d = &pairDelta{}
		ic.counts[k] = d
	}
	if fromWatch {
		d.w2p++
	} else {
		d.p2w++
	}
	d.last = time.Now().UTC()
}
