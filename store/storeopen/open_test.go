package storeopen_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/store/postgres"
	"github.com/switchboard-iot/switchboard/store/postgres/pgtest"
	"github.com/switchboard-iot/switchboard/store/sqlite"
	"github.com/switchboard-iot/switchboard/store/storeopen"
)

// TestOpenSQLite: no --store is SQLite in the data directory, as before.
func TestOpenSQLite(t *testing.T) {
	dir := t.TempDir()
	st, err := storeopen.Open(t.Context(), "", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok := st.(*sqlite.Store); !ok {
		t.Fatalf("got %T, want *sqlite.Store", st)
	}
	if _, err := os.Stat(filepath.Join(dir, storeopen.DatabaseFile)); err != nil {
		t.Fatalf("the database is not in the data directory: %v", err)
	}
}

// TestOpenPostgres: both URL schemes open the PostgreSQL store.
func TestOpenPostgres(t *testing.T) {
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		dsn := pgtest.SchemaURL(t)
		dsn = scheme + strings.SplitN(dsn, "://", 2)[1]
		st, err := storeopen.Open(t.Context(), dsn, t.TempDir(), nil)
		if err != nil {
			t.Fatalf("%s: %v", scheme, err)
		}
		if _, ok := st.(*postgres.Store); !ok {
			t.Errorf("%s: got %T, want *postgres.Store", scheme, st)
		}
		_ = st.Close()
	}
}

// TestOpenBad: a malformed spec is refused by Check, an unreachable server
// by Open; neither error shows the password.
func TestOpenBad(t *testing.T) {
	for _, spec := range []string{"mysql://u:s3cretpw@h/db", "postgres://u:s3cretpw@/db", "s3cretpw"} {
		if err := storeopen.Check(spec); err == nil || strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("Check(%q) = %v", spec, err)
		}
	}
	for _, spec := range []string{
		"postgres://u:s3cretpw@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"postgresql://u@127.0.0.1:1/db?sslmode=disable&connect_timeout=2&password=s3cretpw",
	} {
		st, err := storeopen.Open(t.Context(), spec, t.TempDir(), nil)
		if err == nil {
			_ = st.Close()
			t.Fatalf("Open(%q) succeeded", spec)
		}
		if strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
