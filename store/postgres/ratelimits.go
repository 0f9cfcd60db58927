package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-iot/switchboard/store"
)

// takeTokenSQL moves the bucket's arrival time on by one interval, or
// creates the bucket with one token taken; the WHERE leaves a bucket that
// has no token alone, and then no row comes back. The conflicting row is
// locked for the statement, so concurrent takes from several nodes are
// applied one after the other. $3 is now, $4 the interval, $5 the interval
// times the burst (all ms).
const takeTokenSQL = `INSERT INTO rate_limits AS r (bucket, key, tat) VALUES ($1, $2, $3::bigint + $4::bigint)
ON CONFLICT (bucket, key) DO UPDATE SET tat = GREATEST(r.tat, $3::bigint) + $4::bigint
WHERE GREATEST(r.tat, $3::bigint) + $4::bigint <= $3::bigint + $5::bigint
RETURNING tat`

// TakeToken takes one token from the bucket (b.Name, key).
func (s *Store) TakeToken(ctx context.Context, b store.Bucket, key string, now time.Time) (bool, time.Time, error) {
	every, span, err := bucketSpan(b)
	if err != nil {
		return false, time.Time{}, err
	}
	var tat int64
	err = s.db.QueryRow(ctx, takeTokenSQL, b.Name, key, toMS(now), every, span).Scan(&tat)
	if err == nil {
		return true, time.Time{}, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return false, time.Time{}, mapErr(err, "take token")
	}
	// Refused: a read tells when the bucket has a token again. Takes
	// elsewhere only move that later; a prune in between means now.
	err = s.db.QueryRow(ctx, `SELECT tat FROM rate_limits WHERE bucket = $1 AND key = $2`, b.Name, key).Scan(&tat)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, now, nil
	case err != nil:
		return false, time.Time{}, mapErr(err, "take token")
	}
	return false, fromMS(tat - span + every), nil
}

// PruneRateLimits deletes the buckets that are full at now.
func (s *Store) PruneRateLimits(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM rate_limits WHERE tat <= $1`, toMS(now))
	if err != nil {
		return 0, mapErr(err, "prune rate limits")
	}
	return int(tag.RowsAffected()), nil
}

// bucketSpan returns b's interval and its interval times its burst, in ms.
func bucketSpan(b store.Bucket) (every, span int64, err error) {
	every = b.Every.Milliseconds()
	if every <= 0 || b.Burst < 1 || b.Name == "" {
		return 0, 0, fmt.Errorf("postgres: take token: bucket %q needs a name, an interval of 1 ms or more and a burst of 1 or more", b.Name)
	}
	return every, every * int64(b.Burst), nil
}
