package postgres_test

import (
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/store/postgres"
)

// TestOpenErrorHidesPassword: neither a malformed nor an unreachable URL
// puts its password into the error.
func TestOpenErrorHidesPassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://u:s3cretpw@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"postgres://u:s3cretpw@[::1/db",
	} {
		s, err := postgres.Open(t.Context(), dsn)
		if err == nil {
			_ = s.Close()
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
