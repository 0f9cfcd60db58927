// Package pgtest gives tests a private schema in the test PostgreSQL
// database named by SWITCHBOARD_TEST_POSTGRES, so tests run in parallel
// without seeing each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the test database's URL.
const EnvVar = "SWITCHBOARD_TEST_POSTGRES"

// DSN returns the test database's URL. Without it the test fails under CI
// (CI=true), where PostgreSQL must have been set up, and is skipped
// elsewhere, saying how to set it up.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvVar)
	if dsn != "" {
		return dsn
	}
	const how = EnvVar + " is not set; run scripts/test-postgres-setup.sh and export the line it prints"
	if os.Getenv("CI") == "true" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// SchemaURL creates a fresh, uniquely named schema in the test database,
// drops it (with everything in it) when t ends, and returns the database
// URL with search_path set to it: a store opened on that URL lives in the
// schema alone.
func SchemaURL(t testing.TB) string {
	t.Helper()
	dsn := DSN(t)
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	exec(t, dsn, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { exec(t, dsn, `DROP SCHEMA `+schema+` CASCADE`) })
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s is not a URL", EnvVar) // the URL holds a password: do not print it
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs one statement on a connection of its own.
func exec(t testing.TB, dsn, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}
