package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-iot/switchboard/store/postgres"
	"github.com/switchboard-iot/switchboard/store/postgres/pgtest"
)

// TestReopenKeepsSchema opens a schema twice (a restart, or a second node):
// the second Open applies nothing, and each version is recorded once.
func TestReopenKeepsSchema(t *testing.T) {
	dsn := pgtest.SchemaURL(t)
	for range 2 {
		s, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := postgres.Versions()
	if err != nil {
		t.Fatal(err)
	}
	var n, maxV int
	if err := queryRow(t, dsn, `SELECT count(*), max(version) FROM schema_migrations`, &n, &maxV); err != nil {
		t.Fatal(err)
	}
	if n != len(vs) || maxV != vs[len(vs)-1] {
		t.Fatalf("schema_migrations has %d rows up to %d, want %d up to %d", n, maxV, len(vs), vs[len(vs)-1])
	}
}

// TestOpenRefusesNewerSchema: a database migrated by a newer binary is not
// touched by an older one.
func TestOpenRefusesNewerSchema(t *testing.T) {
	dsn := pgtest.SchemaURL(t)
	s, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	var ignored int
	if err := queryRow(t, dsn, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0) RETURNING version`, &ignored); err != nil {
		t.Fatal(err)
	}
	if s, err := postgres.Open(t.Context(), dsn); err == nil {
		_ = s.Close()
		t.Fatal("Open accepted a schema newer than the binary")
	}
}

func queryRow(t *testing.T, dsn, q string, dest ...any) error {
	ctx := context.WithoutCancel(t.Context())
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, q).Scan(dest...)
}
