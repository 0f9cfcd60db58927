package partners

import "github.com/switchboard-iot/switchboard/store"

// Store is what the partner domain keeps: its own tables, beside the
// device model's store, and the user rows its accounts are (a partner's
// account is a user of the partner's Gizwits app). Implementations pass
// the partner part of store/storetest, run against
// each engine. store/sqlite implements it.
type Store interface {
	store.Users
	PartnerStore
	AccountStore
	PositionStore
	SubscriptionStore
	OutboxStore
	PushHealthStore
	NonceStore
}
