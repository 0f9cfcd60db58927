package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/switchboard-iot/switchboard/adminapi"
	"github.com/switchboard-iot/switchboard/relay"
)

// Relay is what the operator API uses of the interconnect relay: its pairs
// and their state. *relay.Relay satisfies it.
type Relay interface {
	Pairs(ctx context.Context) ([]relay.PairState, error)
}

var _ Relay = (*relay.Relay)(nil)

func (a *API) listInterconnectPairs(w http.ResponseWriter, r *http.Request) {
	if a.ic == nil {
		writeError(w, http.StatusServiceUnavailable, "interconnect_disabled", "the interconnect relay is not running on this node")
		return
	}
	pairs, err := a.ic.Pairs(r.Context())
	if err != nil {
		a.coreError(w, err)
		return
	}
	out := adminapi.InterconnectPairList{Pairs: make([]adminapi.InterconnectPair, 0, len(pairs))}
	for _, p := range pairs {
		v := adminapi.InterconnectPair{
			UserID: p.UID, Package: p.Package, Fingerprint: p.Fingerprint, WatchDID: p.WatchDID,
			WatchConnected: p.WatchConnected, PhoneConnected: p.PhoneConnected, State: p.State(),
			MessagesWatchToPhone: p.WatchToPhone, MessagesPhoneToWatch: p.PhoneToWatch,
		}
		if !p.LastMessageAt.IsZero() {
			s := p.LastMessageAt.UTC().Format(time.RFC3339Nano)
			v.LastMessageAt = &s
		}
		out.Pairs = append(out.Pairs, v)
	}
	writeJSON(w, http.StatusOK, out)
}
