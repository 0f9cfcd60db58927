package postgres

import (
	"context"
	"time"
)

// useNonceSQL inserts the nonce, or takes over an expired row; an
// unexpired row is left alone (a replay) and no row is returned.
const useNonceSQL = `INSERT INTO intent_nonces (app_id, nonce, expires_at) VALUES ($1, $2, $4)
ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE intent_nonces.expires_at <= $3`

// UseNonce records a partner request's nonce; false when it was used.
func (s *Store) UseNonce(ctx context.Context, appID, nonce string, now, expires time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, useNonceSQL, appID, nonce, toMS(now), toMS(expires))
	if err != nil {
		return false, mapErr(err, "use nonce")
	}
	return tag.RowsAffected() == 1, nil
}

// PruneNonces deletes expired nonces.
func (s *Store) PruneNonces(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM intent_nonces WHERE expires_at <= $1`, toMS(now))
	if err != nil {
		return 0, mapErr(err, "prune nonces")
	}
	return int(tag.RowsAffected()), nil
}
