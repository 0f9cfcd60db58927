package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// tokenHash is a 64-character lower-case hex SHA-256-like hash.
func tokenHash(n int) string { return fmt.Sprintf("%064x", 0xabcd0000+n) }

// newToken builds token n of app and uid (empty: an app token), created at
// at(sec) and expiring at at(exp).
func newToken(n int, app, uid string, sec, exp int) store.Token {
	return store.Token{Hash: tokenHash(n), AppID: app, UID: uid, CreatedAt: at(sec), ExpiresAt: at(exp)}
}

// mustToken creates tok and fails the test on error.
func mustToken(t *testing.T, s store.Store, tok store.Token) store.Token {
	t.Helper()
	if err := s.CreateToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateToken(%s): %v", tok.Hash, err)
	}
	return tok
}

// checkToken compares every field of a returned token.
func checkToken(t *testing.T, got, want store.Token) {
	t.Helper()
	if got.Hash != want.Hash || got.AppID != want.AppID || got.UID != want.UID {
		t.Errorf("token = %q/%q/%q, want %q/%q/%q", got.Hash, got.AppID, got.UID, want.Hash, want.AppID, want.UID)
	}
	checkTime(t, "token "+want.Hash+" ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	checkTime(t, "token "+want.Hash+" CreatedAt", got.CreatedAt, want.CreatedAt)
}

// checkTokens fails unless exactly the tokens in want exist (as GetToken
// sees them) among the hashes in all.
func checkTokens(t *testing.T, s store.Store, all, want []store.Token) {
	t.Helper()
	live := map[string]bool{}
	for _, tok := range want {
		live[tok.Hash] = true
	}
	for _, tok := range all {
		got, err := s.GetToken(t.Context(), tok.Hash)
		switch {
		case live[tok.Hash] && err != nil:
			t.Errorf("GetToken(%s): %v, want the token", tok.Hash, err)
		case live[tok.Hash]:
			checkToken(t, got, tok)
		default:
			wantErr(t, "GetToken(deleted "+tok.Hash+")", err, store.ErrNotFound)
		}
	}
}

// testTokens covers the Tokens interface.
func testTokens(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		u := mustUser(t, s, newUser(1, a.ID, 1))
		for _, tok := range []store.Token{
			newToken(1, a.ID, u.UID, 2, 3600), // a user token
			newToken(2, a.ID, "", 3, 7200),    // an app token: no user
		} {
			if err := s.CreateToken(ctx, tok); err != nil {
				t.Fatalf("CreateToken(%s): %v", tok.Hash, err)
			}
			got, err := s.GetToken(ctx, tok.Hash)
			if err != nil {
				t.Fatalf("GetToken(%s): %v", tok.Hash, err)
			}
			checkToken(t, got, tok)
		}
	})

	t.Run("GetMissing", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		mustToken(t, s, newToken(1, a.ID, "", 1, 2))
		_, err := s.GetToken(ctx, tokenHash(2))
		wantErr(t, "GetToken(missing)", err, store.ErrNotFound)
	})

	t.Run("GetExpired", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		// Long expired by the wall clock: still returned, the caller decides.
		tok := mustToken(t, s, newToken(1, a.ID, "", 1, 2))
		if !tok.ExpiresAt.Before(time.Now()) {
			t.Fatal("test token is not expired")
		}
		got, err := s.GetToken(ctx, tok.Hash)
		if err != nil {
			t.Fatalf("GetToken(expired): %v", err)
		}
		checkToken(t, got, tok)
	})

	t.Run("CreateDuplicate", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a, b := mustApp(t, s, 1), mustApp(t, s, 2)
		u := mustUser(t, s, newUser(1, b.ID, 1))
		orig := mustToken(t, s, newToken(1, a.ID, "", 1, 100))
		dup := newToken(1, b.ID, u.UID, 5, 500)
		wantErr(t, "CreateToken(duplicate hash)", s.CreateToken(ctx, dup), store.ErrConflict)
		checkTokens(t, s, []store.Token{orig}, []store.Token{orig})
	})

	t.Run("CreateUnknownAppOrUser", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		bad := []store.Token{
			newToken(1, hexKey(2), "", 1, 100),        // unknown app
			newToken(2, a.ID, userID(9), 1, 100),      // unknown user
			newToken(3, hexKey(2), userID(9), 1, 100), // both
		}
		for _, tok := range bad {
			wantErr(t, fmt.Sprintf("CreateToken(app %s, user %s)", tok.AppID, tok.UID), s.CreateToken(ctx, tok), store.ErrNotFound)
		}
		checkTokens(t, s, bad, nil)
	})

	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		u := mustUser(t, s, newUser(1, a.ID, 1))
		gone := mustToken(t, s, newToken(1, a.ID, u.UID, 1, 100))
		kept := mustToken(t, s, newToken(2, a.ID, u.UID, 1, 100))
		if err := s.DeleteToken(ctx, gone.Hash); err != nil {
			t.Fatalf("DeleteToken: %v", err)
		}
		wantErr(t, "DeleteToken(again)", s.DeleteToken(ctx, gone.Hash), store.ErrNotFound)
		wantErr(t, "DeleteToken(never existed)", s.DeleteToken(ctx, tokenHash(3)), store.ErrNotFound)
		checkTokens(t, s, []store.Token{gone, kept}, []store.Token{kept})
		// The hash is free again.
		mustToken(t, s, newToken(1, a.ID, "", 2, 200))
	})

	t.Run("DeleteUserTokens", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a, b := mustApp(t, s, 1), mustApp(t, s, 2)
		u1 := mustUser(t, s, newUser(1, a.ID, 1))
		u2 := mustUser(t, s, newUser(2, a.ID, 1))
		u3 := mustUser(t, s, newUser(3, b.ID, 1))
		owners := []struct{ app, uid string }{
			{a.ID, u1.UID}, {a.ID, u2.UID}, {a.ID, u1.UID}, {a.ID, ""},
			{b.ID, u3.UID}, {a.ID, u1.UID}, {b.ID, ""},
		}
		var all, ofU1, others []store.Token
		for n, o := range owners {
			tok := mustToken(t, s, newToken(n, o.app, o.uid, 1, 100+n))
			all = append(all, tok)
			if o.uid == u1.UID {
				ofU1 = append(ofU1, tok)
			} else {
				others = append(others, tok)
			}
		}
		deletions := []struct {
			uid  string
			want int
		}{
			{"", 0},        // app tokens are not a user's
			{userID(9), 0}, // unknown user
			{u1.UID, len(ofU1)},
			{u1.UID, 0}, // already gone
		}
		for _, d := range deletions {
			n, err := s.DeleteUserTokens(ctx, d.uid)
			if err != nil || n != d.want {
				t.Errorf("DeleteUserTokens(%q) = %d, %v; want %d", d.uid, n, err, d.want)
			}
		}
		checkTokens(t, s, all, others)
	})

	t.Run("DeleteOtherUserTokens", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		u1 := mustUser(t, s, newUser(1, a.ID, 1))
		u2 := mustUser(t, s, newUser(2, a.ID, 1))
		t1 := mustToken(t, s, newToken(1, a.ID, u1.UID, 1, 100))
		keep := mustToken(t, s, newToken(2, a.ID, u1.UID, 1, 100))
		t3 := mustToken(t, s, newToken(3, a.ID, u1.UID, 1, 100))
		other := mustToken(t, s, newToken(4, a.ID, u2.UID, 1, 100))
		app := mustToken(t, s, newToken(5, a.ID, "", 1, 100))
		all := []store.Token{t1, keep, t3, other, app}
		// Keeping another user's token keeps nothing of u1's.
		if n, err := s.DeleteOtherUserTokens(ctx, u1.UID, other.Hash); err != nil || n != 3 {
			t.Fatalf("DeleteOtherUserTokens(keep another user's) = %d, %v; want 3", n, err)
		}
		mustToken(t, s, t1)
		mustToken(t, s, keep)
		mustToken(t, s, t3)
		n, err := s.DeleteOtherUserTokens(ctx, u1.UID, keep.Hash)
		if err != nil || n != 2 {
			t.Errorf("DeleteOtherUserTokens(u1, keep) = %d, %v; want 2", n, err)
		}
		checkTokens(t, s, all, []store.Token{keep, other, app})
		n, err = s.DeleteOtherUserTokens(ctx, u1.UID, "")
		if err != nil || n != 1 {
			t.Errorf("DeleteOtherUserTokens(u1, none kept) = %d, %v; want 1", n, err)
		}
		checkTokens(t, s, all, []store.Token{other, app})
	})

	t.Run("DeleteExpired", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		u := mustUser(t, s, newUser(1, a.ID, 1))
		// Expiring at 10, 20, ..., 60 seconds; odd ones are app tokens.
		var all []store.Token
		for n := 1; n <= 6; n++ {
			owner := u.UID
			if n%2 == 1 {
				owner = ""
			}
			all = append(all, mustToken(t, s, newToken(n, a.ID, owner, 0, 10*n)))
		}
		steps := []struct {
			before time.Time
			want   int
			left   []store.Token
		}{
			{at(5), 0, all},
			{at(25), 2, all[2:]},
			{at(25), 0, all[2:]},
			{at(30), 0, all[2:]}, // expiring exactly at t is not "before t"
			{at(30).Add(time.Millisecond), 1, all[3:]},
			{at(3600), 3, nil},
		}
		for _, st := range steps {
			n, err := s.DeleteExpiredTokens(ctx, st.before)
			if err != nil || n != st.want {
				t.Errorf("DeleteExpiredTokens(%v) = %d, %v; want %d", st.before, n, err, st.want)
			}
			checkTokens(t, s, all, st.left)
		}
	})
}
