// Package storetest is the contract suite every store implementation must
// pass (store.Store and partners.Store). It talks only through the store package API, so the same tests
// hold the SQLite and PostgreSQL engines to identical behaviour.
//
// Besides what the store doc comments say, the suite pins down behaviour the
// rest of Switchboard relies on and engines could otherwise disagree on:
// times come back in UTC truncated to the millisecond, list orders have a
// deterministic tie-break, and a batch may carry the same did twice (the
// later entry wins). For users, tokens and bindings it also pins: creating a
// user or token for an app or user that does not exist is ErrNotFound;
// FindUser with an unknown field fails; DeleteExpiredTokens keeps a token
// expiring exactly at the cut-off; DeleteDevice removes the device's
// bindings; and login values compare case-sensitively.
//
// For the outbox it pins: push IDs grow in enqueue order; a MsgID is unique
// across partners and an unknown partner is ErrNotFound, either failing the
// whole batch; a push that cannot be enqueued rolls back the write it rides
// with; FailedPushes breaks ties on the first failure time by ID, newest
// first; a dead push is done at its failure's At; the cut-offs of
// DuePushes and FailedPushes are inclusive, that of PrunePushes exclusive.
// For the Aqara accounts: ListAuthCodes breaks ties by uid, descending, and
// a code or pair expiring exactly at now is still live (as a token is for
// DeleteExpiredTokens); a taken access or refresh hash is ErrConflict. A
// device goes only in a position of the user placing it, a missing position
// being ErrNotFound; ListPositions breaks ties by position id; and a
// subscription naming an unknown partner is ErrNotFound like one naming an
// unknown binding. A rate-limit bucket's take is atomic: concurrent takes
// never hand out more than its burst.
package storetest

import (
	"testing"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// Store is what an engine implements: the device model's store and the
// partner domain's (partners.Store, declared beside the domain). The
// relay's part has its own suite, relay/relaytest.
type Store interface {
	store.Store
	partners.Store
}

// opener gives a subtest a fresh store that is closed when the subtest ends.
type opener func(t *testing.T) Store

// Run runs the whole contract suite. open must return a fresh, empty store
// for the subtest t; the suite closes it when t ends, so open must not (a
// second Close is harmless only if the engine's Close is idempotent).
// Subtests run in parallel, so open must be safe to call concurrently;
// t.TempDir gives each call its own directory.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Helper()
	fresh := func(t *testing.T) Store {
		t.Helper()
		s := open(t)
		if s == nil {
			t.Fatal("open returned a nil store")
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
	t.Run("Products", func(t *testing.T) { testProducts(t, fresh) })
	t.Run("Apps", func(t *testing.T) { testApps(t, fresh) })
	t.Run("Devices", func(t *testing.T) { testDevices(t, fresh) })
	t.Run("FindDeviceByMAC", func(t *testing.T) { testFindDeviceByMAC(t, fresh) })
	t.Run("States", func(t *testing.T) { testStates(t, fresh) })
	t.Run("Users", func(t *testing.T) { testUsers(t, fresh) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, fresh) })
	t.Run("Bindings", func(t *testing.T) { testBindings(t, fresh) })
	t.Run("Partners", func(t *testing.T) { testPartners(t, fresh) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, fresh) })
	t.Run("AqaraAccounts", func(t *testing.T) { testAqaraAccounts(t, fresh) })
	t.Run("Positions", func(t *testing.T) { testPositions(t, fresh) })
	t.Run("Subscriptions", func(t *testing.T) { testSubscriptions(t, fresh) })
	t.Run("PushHealth", func(t *testing.T) { testPushHealth(t, fresh) })
	t.Run("Nonces", func(t *testing.T) { testNonces(t, fresh) })
	t.Run("Presence", func(t *testing.T) { testPresence(t, fresh) })
	t.Run("RateLimits", func(t *testing.T) { testRateLimits(t, fresh) })
	t.Run("Bootstrap", func(t *testing.T) { testBootstrap(t, fresh) })
}
