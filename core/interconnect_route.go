package core

import (
	"context"
	"time"
)

// SendFromWatch relays data from a watch to its phone app. nil means the
// relay took it (the document's send success), not that the app read it.
// A phone app without a listener on this watch drops it, as the real phone
// service does (notes §2.6).
func (ic *Interconnect) SendFromWatch(ctx context.Context, h *ICHandle, data string) error {
	if len(data) > MaxICMessage {
		return ErrICTooLarge
	}
	ic.mu.Lock()
	p := ic.phones[phoneKey{h.uid, h.pkg, h.fp}]
	listening := p != nil && p.listening[h.did]
	gone := h.gone
	ic.mu.Unlock()
	if p == nil || gone {
		return ErrICDisconnected
	}
	if !listening {
		return nil
	}
	if err := ic.offer(ctx, p.ep, ICMessage{From: h.did, Data: data}); err != nil {
		return err
	}
	ic.count(pairKey{h.uid, h.pkg, h.fp, h.did}, true)
	return nil
}

// SendFromPhone relays data from a phone app to a watch after the checks
// of sendMessage: bound, same certificate, DEVICE_MANAGER granted, watch
// app installed and connected.
func (ic *Interconnect) SendFromPhone(ctx context.Context, h *ICHandle, did, data string) error {
	if len(data) > MaxICMessage {
		return ErrICTooLarge
	}
	w, err := ic.checkNode(ctx, h, did, true)
	if err != nil {
		return err
	}
	if w == nil {
		return ErrICDisconnected
	}
	if err := ic.offer(ctx, w.ep, ICMessage{Data: data}); err != nil {
		return err
	}
	ic.count(pairKey{h.uid, h.pkg, h.fp, did}, false)
	return nil
}

// offer queues m on ep, waiting up to SendTimeout while the pair's queue
// is full. The sender's reader waits here, so its later messages cannot
// overtake this one: order per pair holds.
func (ic *Interconnect) offer(ctx context.Context, ep ICEndpoint, m ICMessage) error {
	timer := time.NewTimer(ic.opts.SendTimeout)
	defer timer.Stop()
	for {
		res, space := ep.Offer(m)
		switch res {
		case ICQueued:
			return nil
		case ICGone:
			return ErrICDisconnected
		}
		select {
		case <-space:
		case <-timer.C:
			return ErrICTimeout
		case <-ctx.Done():
			return ErrICTimeout
		}
	}
}

// count tallies one relayed message for the admin view; flushLoop writes
// the tallies in batches, because a synced write per message would cap the
// relay at the disk's sync rate.
func (ic *Interconnect) count(k pairKey, fromWatch bool) {
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
