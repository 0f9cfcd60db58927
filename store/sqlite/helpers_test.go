package sqlite

import "github.com/switchboard-iot/switchboard/store"

// newTestApp is a valid app for tests that only need some write to succeed.
func newTestApp() store.App {
	return store.App{ID: "0123456789abcdef0123456789abcdef", Secret: "s", Name: "n"}
}
