package sqlite

import (
	"strings"
	"testing"
)

// TestQueryPlans guards the indexes of 0002 and 0004: none of these lookups
// may degrade to a full table scan or sort (GetToken and GetAqaraToken run
// on every API call, DeviceSubscriptions on every state change, DuePushes
// and NextPushAt on every delivery round; the deletes run under the single
// writer and would stall every other write).
func TestQueryPlans(t *testing.T) {
	s, _ := openTemp(t)
	queries := []string{
		`SELECT ` + tokenCols + ` FROM tokens WHERE hash = ?`, // GetToken
		`DELETE FROM tokens WHERE uid = ?`,                    // DeleteUserTokens
		`DELETE FROM tokens WHERE expires_at < ?`,             // DeleteExpiredTokens
		`SELECT ` + bindingCols + ` FROM bindings WHERE did = ? ORDER BY created_at, uid`,
		`DELETE FROM devices WHERE did = ?`, // cascades to bindings and device_states

		duePushesSQL,
		nextPushAtSQL,
		failedPushesSQL,
		prunePushesSQL,
		deliveredDeleteSQL,
		deliveredUpdateSQL,
		pushFailedSQL,
		deviceSubscriptionsSQL,
		getAqaraTokenSQL,
		getAqaraTokenByRefreshSQL,
		takeRefreshTokenSQL,
		partnersOfUserSQL,
		deleteAqaraTokensSQL,
		listPositionsSQL,
		countPositionsSQL,
		positionBusySQL,
		devicePositionsSQL,
		// What the ON DELETE CASCADE of Unbind (bindings -> subscriptions,
		// placements) searches: EXPLAIN does not show the cascade itself.
		`DELETE FROM aqara_subscriptions WHERE uid = ? AND did = ?`,
		`DELETE FROM aqara_device_positions WHERE uid = ? AND did = ?`,
	}
	for _, q := range findUserSQL {
		queries = append(queries, q)
	}
	for _, q := range queries {
		rows, err := s.w.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, make([]any, strings.Count(q, "?"))...)
		if err != nil {
			t.Fatalf("EXPLAIN %s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		for _, step := range plan {
			// Scanning json_each is walking the batch's own id list.
			if (strings.HasPrefix(step, "SCAN ") && !strings.HasPrefix(step, "SCAN json_each")) || strings.Contains(step, "TEMP B-TREE") {
				t.Errorf("%s\nplan: %q", q, plan)
				break
			}
		}
	}
}
