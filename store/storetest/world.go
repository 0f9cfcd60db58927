package storetest

import (
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// The fixtures below are exported for the contract suites of stores that
// live next to their domain (relay/relaytest): their rows hang off the
// users and devices this package builds, and their times follow the same
// rules.

// BindingWorld makes an app with users 1..users and a product with
// devices 1..devices, whose ids are UserID(n) and DID(n).
func BindingWorld(t *testing.T, s store.Store, users, devices int) {
	t.Helper()
	bindingWorld(t, s, users, devices)
}

// UserID is the id of user n of BindingWorld.
func UserID(n int) string { return userID(n) }

// DID is the id of device n of BindingWorld.
func DID(n int) string { return did(n) }

// At is a fixed instant plus sec seconds, in a zone other than UTC and
// with nanoseconds below the millisecond, so a suite sees whether the
// engine normalises both.
func At(sec int) time.Time { return at(sec) }

// CheckTime fails t unless got is written as stored: in UTC, truncated
// to the millisecond (zero stays zero).
func CheckTime(t *testing.T, what string, got, written time.Time) {
	t.Helper()
	checkTime(t, what, got, written)
}

// WantErr fails t unless errors.Is(err, target).
func WantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	wantErr(t, what, err, target)
}
