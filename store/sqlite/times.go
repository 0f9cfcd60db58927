package sqlite

import (
	"database/sql"
	"time"
)

// Times are stored as integer unix milliseconds: they sort and compare as
// numbers, carry no zone, and are what the Gizwits API exposes anyway. Values
// therefore come back in UTC truncated to the millisecond.

// toMS converts t for storage.
func toMS(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts a stored value back.
func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// toNullMS stores the zero time as NULL, for columns where zero means "never".
func toNullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromNullMS maps NULL back to the zero time.
func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}
