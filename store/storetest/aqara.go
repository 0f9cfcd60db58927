package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// aqaraWorld makes app 1 with users 1..users and partners 1..partners.
func aqaraWorld(t *testing.T, s Store, users, partners int) {
	t.Helper()
	a := mustApp(t, s, 1)
	for n := 1; n <= users; n++ {
		mustUser(t, s, newUser(n, a.ID, n))
	}
	for n := 1; n <= partners; n++ {
		mustPartner(t, s, n)
	}
}

// newAuthCode builds the code partner p holds for user u, created at
// at(sec) and expiring at at(exp).
func newAuthCode(p, u, sec, exp int) partners.AuthCode {
	return partners.AuthCode{
		AppID:     hexKey(p),
		UID:       userID(u),
		Code:      fmt.Sprintf("%06d", 100000+sec),
		Validity:  2 * time.Hour,
		ExpiresAt: at(exp),
		CreatedAt: at(sec),
	}
}

// checkAuthCode compares every field of a returned code.
func checkAuthCode(t *testing.T, got, want partners.AuthCode) {
	t.Helper()
	g, w := got, want
	g.ExpiresAt, g.CreatedAt, w.ExpiresAt, w.CreatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("auth code = %+v, want %+v", g, w)
	}
	checkTime(t, "auth code ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	checkTime(t, "auth code CreatedAt", got.CreatedAt, want.CreatedAt)
}

// newAqaraToken builds pair n of partner p for user u, created at at(sec);
// the refresh token outlives the access token.
func newAqaraToken(n, p, u, sec int) partners.AqaraToken {
	return partners.AqaraToken{
		AccessHash:       fmt.Sprintf("%064x", 0xacce550000+n),
		RefreshHash:      fmt.Sprintf("%064x", 0x4ef4e50000+n),
		AppID:            hexKey(p),
		UID:              userID(u),
		AccessExpiresAt:  at(sec + 100),
		RefreshExpiresAt: at(sec + 1000),
		CreatedAt:        at(sec),
	}
}

// checkAqaraToken compares every field of a returned pair.
func checkAqaraToken(t *testing.T, got, want partners.AqaraToken) {
	t.Helper()
	if got.AccessHash != want.AccessHash || got.RefreshHash != want.RefreshHash || got.AppID != want.AppID || got.UID != want.UID {
		t.Errorf("token pair = %q/%q/%q/%q, want %q/%q/%q/%q", got.AccessHash, got.RefreshHash, got.AppID, got.UID,
			want.AccessHash, want.RefreshHash, want.AppID, want.UID)
	}
	checkTime(t, "token pair AccessExpiresAt", got.AccessExpiresAt, want.AccessExpiresAt)
	checkTime(t, "token pair RefreshExpiresAt", got.RefreshExpiresAt, want.RefreshExpiresAt)
	checkTime(t, "token pair CreatedAt", got.CreatedAt, want.CreatedAt)
}

// mustAqaraToken creates tok and fails the test on error.
func mustAqaraToken(t *testing.T, s Store, tok partners.AqaraToken) partners.AqaraToken {
	t.Helper()
	if err := s.CreateAqaraToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateAqaraToken(%s): %v", tok.AccessHash, err)
	}
	return tok
}

// checkAqaraTokens fails unless exactly the pairs in want exist (by both
// hashes) among those in all.
func checkAqaraTokens(t *testing.T, s Store, all, want []partners.AqaraToken) {
	t.Helper()
	ctx := t.Context()
	for _, tok := range all {
		byAccess, errA := s.GetAqaraToken(ctx, tok.AccessHash)
		byRefresh, errR := s.GetAqaraTokenByRefresh(ctx, tok.RefreshHash)
		if !slices.Contains(want, tok) {
			wantErr(t, "GetAqaraToken(gone "+tok.AccessHash+")", errA, store.ErrNotFound)
			wantErr(t, "GetAqaraTokenByRefresh(gone "+tok.RefreshHash+")", errR, store.ErrNotFound)
			continue
		}
		if errA != nil || errR != nil {
			t.Errorf("pair %s: GetAqaraToken: %v, GetAqaraTokenByRefresh: %v; want the pair", tok.AccessHash, errA, errR)
			continue
		}
		checkAqaraToken(t, byAccess, tok)
		checkAqaraToken(t, byRefresh, tok)
	}
}

// testAqaraAccounts covers the AqaraAccounts interface.
func testAqaraAccounts(t *testing.T, open opener) {
	t.Run("AuthCode", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		aqaraWorld(t, s, 2, 2)
		c := newAuthCode(1, 1, 10, 310)
		if err := s.PutAuthCode(ctx, c); err != nil {
			t.Fatalf("PutAuthCode: %v", err)
		}
		got, err := s.GetAuthCode(ctx, c.AppID, c.UID)
		if err != nil {
			t.Fatalf("GetAuthCode: %v", err)
		}
		checkAuthCode(t, got, c)
		for _, k := range [][2]int{{1, 2}, {2, 1}} {
			_, err := s.GetAuthCode(ctx, hexKey(k[0]), userID(k[1]))
			wantErr(t, fmt.Sprintf("GetAuthCode(partner %d, user %d)", k[0], k[1]), err, store.ErrNotFound)
		}

		// Wrong codes are counted against the pending code.
		for want := 1; want <= 2; want++ {
			if n, err := s.AuthCodeFailed(ctx, c.AppID, c.UID); err != nil || n != want {
				t.Errorf("AuthCodeFailed = %d, %v; want %d", n, err, want)
			}
		}
		c.Attempts = 2
		got, _ = s.GetAuthCode(ctx, c.AppID, c.UID)
		checkAuthCode(t, got, c)
		_, err = s.AuthCodeFailed(ctx, c.AppID, userID(2))
		wantErr(t, "AuthCodeFailed(no pending code)", err, store.ErrNotFound)

		// A new code replaces the pending one, attempts included.
		next := newAuthCode(1, 1, 20, 320)
		next.Validity = 90 * time.Second
		if err := s.PutAuthCode(ctx, next); err != nil {
			t.Fatalf("PutAuthCode(replacing): %v", err)
		}
		got, _ = s.GetAuthCode(ctx, c.AppID, c.UID)
		checkAuthCode(t, got, next)

		wantErr(t, "PutAuthCode(unknown partner)", s.PutAuthCode(ctx, newAuthCode(9, 1, 1, 2)), store.ErrNotFound)
		wantErr(t, "PutAuthCode(unknown user)", s.PutAuthCode(ctx, newAuthCode(1, 9, 1, 2)), store.ErrNotFound)
	})

	t.Run("ListAuthCodes", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		aqaraWorld(t, s, 4, 2)
		// Users 3 and 4 asked at the same time: uid descending, the reverse
		// of an oldest-first list.
		codes := []partners.AuthCode{
			newAuthCode(1, 1, 10, 100),
			newAuthCode(1, 2, 20, 50),
			newAuthCode(1, 3, 30, 200),
			newAuthCode(1, 4, 30, 200),
			newAuthCode(2, 1, 40, 200), // another partner
		}
		for _, c := range codes {
			if err := s.PutAuthCode(ctx, c); err != nil {
				t.Fatalf("PutAuthCode: %v", err)
			}
		}
		for _, c := range []struct {
			now  int
			want []int
		}{
			{10, []int{3, 2, 1, 0}},
			{50, []int{3, 2, 1, 0}}, // a code expiring at now is still live
			{51, []int{3, 2, 0}},
			{201, nil},
		} {
			got, err := s.ListAuthCodes(ctx, hexKey(1), at(c.now))
			if err != nil {
				t.Errorf("ListAuthCodes(at %d): %v", c.now, err)
				continue
			}
			if len(got) != len(c.want) {
				t.Errorf("ListAuthCodes(at %d) = %d codes, want %d", c.now, len(got), len(c.want))
				continue
			}
			for i, w := range c.want {
				checkAuthCode(t, got[i], codes[w])
			}
		}
	})

	t.Run("ExchangeAuthCode", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		aqaraWorld(t, s, 2, 1)
		for u := 1; u <= 2; u++ {
			if err := s.PutAuthCode(ctx, newAuthCode(1, u, 10, 310)); err != nil {
				t.Fatalf("PutAuthCode: %v", err)
			}
		}
		first, second := newAqaraToken(1, 1, 1, 20), newAqaraToken(2, 1, 1, 21)
		if err := s.ExchangeAuthCode(ctx, first); err != nil {
			t.Fatalf("ExchangeAuthCode: %v", err)
		}
		_, err := s.GetAuthCode(ctx, hexKey(1), userID(1))
		wantErr(t, "GetAuthCode(exchanged)", err, store.ErrNotFound)
		// A code works once: the second exchange stores nothing.
		wantErr(t, "ExchangeAuthCode(again)", s.ExchangeAuthCode(ctx, second), store.ErrNotFound)
		checkAqaraTokens(t, s, []partners.AqaraToken{first, second}, []partners.AqaraToken{first})
		// The other user's code is untouched.
		if _, err := s.GetAuthCode(ctx, hexKey(1), userID(2)); err != nil {
			t.Errorf("GetAuthCode(other user): %v", err)
		}
	})

	t.Run("ExchangeAuthCodeConcurrent", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		aqaraWorld(t, s, 1, 1)
		if err := s.PutAuthCode(ctx, newAuthCode(1, 1, 10, 310)); err != nil {
			t.Fatalf("PutAuthCode: %v", err)
		}
		const n = 8
		var (
			errs  [n]error
			pairs [n]partners.AqaraToken
			start = make(chan struct{})
			wg    sync.WaitGroup
		)
		for i := range n {
			pairs[i] = newAqaraToken(i, 1, 1, 20)
			wg.Go(func() {
				<-start
				errs[i] = s.ExchangeAuthCode(ctx, pairs[i])
			})
		}
		close(start)
		wg.Wait()
		var won []partners.AqaraToken
		for i, err := range errs {
			if err == nil {
				won = append(won, pairs[i])
				continue
			}
			wantErr(t, fmt.Sprintf("goroutine %d: ExchangeAuthCode", i), err, store.ErrNotFound)
		}
		if len(won) != 1 {
			t.Fatalf("%d exchanges of one code succeeded, want 1", len(won))
		}
		checkAqaraTokens(t, s, pairs[:], won)
	})

	t.Run("CreateGetDelete", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		aqaraWorld(t, s, 2, 2)
		a := mustAqaraToken(t, s, newAqaraToken(1, 1, 1, 10))
		b := mustAqaraToken(t, s, newAqaraToken(2, 1, 1, 11)) // a second pair of the same grant
		c := mustAqaraToken(t, s, newAqaraToken(3, 2, 1, 12))
		d := mustAqaraToken(t, s, newAqaraToken(4, 1, 2, 13))
		all := []partners.AqaraToken{a, b, c, d}
		checkAqaraTokens(t, s, all, all)

		wantErr(t, "CreateAqaraToken(unknown partner)", s.CreateAqaraToken(ctx, newAqaraToken(5, 9, 1, 1)), store.ErrNotFound)
		wantErr(t, "CreateAqaraToken(unknown user)", s.CreateAqaraToken(ctx, newAqaraToken(5, 1, 9, 1)), store.ErrNotFound)
		dup := newAqaraToken(5, 1, 1, 1)
		dup.AccessHash = a.AccessHash
		wantErr(t, "CreateAqaraToken(taken access hash)", s.CreateAqaraToken(ctx, dup), store.ErrConflict)
		dup = newAqaraToken(5, 1, 1, 1)
		dup.RefreshHash = a.RefreshHash
		wantErr(t, "CreateAqaraToken(taken refresh hash)", s.CreateAqaraToken(ctx, dup), store.ErrConflict)
		_, err := s.GetAqaraToken(ctx, dup.AccessHash)
		wantErr(t, "GetAqaraToken(refused pair)", err, store.ErrNotFound)
		checkAqaraTokens(t, s, all, all)

		// One pair, and only by its own partner.
		wantErr(t, "DeleteAqaraToken(another partner's)", s.DeleteAqaraToken(ctx, hexKey(2), a.AccessHash), store.ErrNotFound)
		if err := s.DeleteAqaraToken(ctx, a.AppID, a.AccessHash); err != nil {
			t.Fatalf("DeleteAqaraToken: %v", err)
		}
		wantErr(t, "DeleteAqaraToken(again)", s.DeleteAqaraToken(ctx, a.AppID, a.AccessHash), store.ErrNotFound)
		checkAqaraTokens(t, s, all, []partners.AqaraToken{b, c, d})

		// Every pair of one partner for one user.
		b2 := mustAqaraToken(t, s, newAqaraToken(6, 1, 1, 14))
		if n, err := s.DeleteAqaraTokens(ctx, hexKey(1), userID(1)); err != nil || n != 2 {
			t.Errorf("DeleteAqaraTokens = %d, %v; want 2", n, err)
		}
		if n, err := s.DeleteAqaraTokens(ctx, hexKey(1), userID(1)); err != nil || n != 0 {
			t.Errorf("DeleteAqaraTokens(again) = %d, %v; want 0", n, err)
		}
		checkAqaraTokens(t, s, append(all, b2), []partners.AqaraToken{c, d})
	})

	t.Run("Refresh", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		aqaraWorld(t, s, 1, 2)
		a := mustAqaraToken(t, s, newAqaraToken(1, 1, 1, 10))
		other := mustAqaraToken(t, s, newAqaraToken(2, 2, 1, 10))
		b := newAqaraToken(3, 1, 1, 20)
		old, err := s.RefreshAqaraToken(ctx, a.RefreshHash, b)
		if err != nil {
			t.Fatalf("RefreshAqaraToken: %v", err)
		}
		checkAqaraToken(t, old, a)

		// The old pair is gone, by either hash; a refresh token works once.
		c := newAqaraToken(4, 1, 1, 30)
		_, err = s.RefreshAqaraToken(ctx, a.RefreshHash, c)
		wantErr(t, "RefreshAqaraToken(used refresh token)", err, store.ErrNotFound)
		// Another partner's refresh token is not this partner's to use.
		_, err = s.RefreshAqaraToken(ctx, other.RefreshHash, c)
		wantErr(t, "RefreshAqaraToken(another partner's)", err, store.ErrNotFound)
		_, err = s.RefreshAqaraToken(ctx, "no such hash", c)
		wantErr(t, "RefreshAqaraToken(unknown)", err, store.ErrNotFound)
		checkAqaraTokens(t, s, []partners.AqaraToken{a, other, b, c}, []partners.AqaraToken{other, b})

		// A failed insert leaves the old pair in place.
		clash := newAqaraToken(5, 1, 1, 40)
		clash.AccessHash = other.AccessHash
		_, err = s.RefreshAqaraToken(ctx, b.RefreshHash, clash)
		wantErr(t, "RefreshAqaraToken(taken access hash)", err, store.ErrConflict)
		checkAqaraTokens(t, s, []partners.AqaraToken{other, b}, []partners.AqaraToken{other, b})
	})

	t.Run("PartnersOfUser", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		aqaraWorld(t, s, 3, 3)
		pair := func(n, p, u, refreshExp int) {
			tok := newAqaraToken(n, p, u, 0)
			tok.RefreshExpiresAt = at(refreshExp)
			mustAqaraToken(t, s, tok)
		}
		pair(1, 1, 1, 100)
		pair(2, 2, 1, 50)
		pair(3, 2, 1, 10) // a second, older pair: partner 2 is named once
		pair(4, 3, 2, 100)
		for _, c := range []struct {
			uid  string
			now  int
			want []string
		}{
			{userID(1), 5, []string{hexKey(1), hexKey(2)}},
			{userID(1), 50, []string{hexKey(1), hexKey(2)}}, // expiring at now is still live
			{userID(1), 51, []string{hexKey(1)}},
			{userID(1), 101, nil},
			{userID(2), 5, []string{hexKey(3)}},
			{userID(3), 5, nil},
		} {
			got, err := s.PartnersOfUser(ctx, c.uid, at(c.now))
			slices.Sort(got) // the order is not part of the contract
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("PartnersOfUser(%s, at %d) = %v, %v; want %v", c.uid, c.now, got, err, c.want)
			}
		}
	})

	t.Run("VirtualAccounts", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		aqaraWorld(t, s, 3, 2)
		v := partners.VirtualAccount{AppID: hexKey(1), AccountID: "partner-user-1", UID: userID(1), CreatedAt: at(10)}
		if err := s.CreateVirtualAccount(ctx, v); err != nil {
			t.Fatalf("CreateVirtualAccount: %v", err)
		}
		// The account id is the partner's: another partner may use it too.
		w := partners.VirtualAccount{AppID: hexKey(2), AccountID: v.AccountID, UID: userID(2), CreatedAt: at(11)}
		if err := s.CreateVirtualAccount(ctx, w); err != nil {
			t.Fatalf("CreateVirtualAccount(same id, other partner): %v", err)
		}
		for _, want := range []partners.VirtualAccount{v, w} {
			got, err := s.GetVirtualAccount(ctx, want.AppID, want.AccountID)
			if err != nil {
				t.Errorf("GetVirtualAccount: %v", err)
				continue
			}
			checkTime(t, "virtual account CreatedAt", got.CreatedAt, want.CreatedAt)
			got.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
			if got != want {
				t.Errorf("virtual account = %+v, want %+v", got, want)
			}
		}
		dup := partners.VirtualAccount{AppID: v.AppID, AccountID: v.AccountID, UID: userID(3), CreatedAt: at(12)}
		wantErr(t, "CreateVirtualAccount(taken id)", s.CreateVirtualAccount(ctx, dup), store.ErrConflict)
		if got, err := s.GetVirtualAccount(ctx, v.AppID, v.AccountID); err != nil || got.UID != v.UID {
			t.Errorf("GetVirtualAccount after the conflict = %+v, %v; want the first account", got, err)
		}
		_, err := s.GetVirtualAccount(ctx, v.AppID, "nobody")
		wantErr(t, "GetVirtualAccount(missing)", err, store.ErrNotFound)
		wantErr(t, "CreateVirtualAccount(unknown partner)",
			s.CreateVirtualAccount(ctx, partners.VirtualAccount{AppID: hexKey(9), AccountID: "x", UID: userID(3), CreatedAt: at(1)}), store.ErrNotFound)
		wantErr(t, "CreateVirtualAccount(unknown user)",
			s.CreateVirtualAccount(ctx, partners.VirtualAccount{AppID: hexKey(1), AccountID: "x", UID: userID(9), CreatedAt: at(1)}), store.ErrNotFound)
	})
}
