package postgres

import (
	"database/sql"
	"time"
)

// Times are stored as bigint unix milliseconds, as store/sqlite does, so
// both engines truncate and compare them the same way. Values come back in
// UTC truncated to the millisecond.

func toMS(t time.Time) int64 { return t.UnixMilli() }

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// toNullMS stores the zero time as NULL, for columns where zero means "never".
func toNullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// sqlLimit turns the store's "non-positive means no limit" into a NULL
// LIMIT, which PostgreSQL reads as LIMIT ALL.
func sqlLimit(limit int) any {
	if limit > 0 {
		return int64(limit)
	}
	return nil
}

// nullString stores "" as NULL, for optional columns that are unique when
// set: unique indexes never consider two NULLs equal.
func nullString(v string) sql.NullString {
	return sql.NullString{String: v, Valid: v != ""}
}
