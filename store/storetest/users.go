package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// userID is a 32-character lower-case hex uid, distinct from hexKey(n).
func userID(n int) string { return fmt.Sprintf("feed%028x", n) }

// newUser builds registered user n of app created at at(sec), with every
// login and profile field set to something unique to n.
func newUser(n int, app string, sec int) store.User {
	return store.User{
		UID:          userID(n),
		AppID:        app,
		Username:     fmt.Sprintf("user%d", n),
		Email:        fmt.Sprintf("user%d@example.com", n),
		Phone:        fmt.Sprintf("+86138%08d", n),
		PasswordHash: fmt.Sprintf("$argon2id$v=19$m=65536,t=3,p=4$salt%d$hash%d", n, n),
		Name:         fmt.Sprintf("User %d", n),
		Gender:       "F",
		Birthday:     "1990-01-02",
		Address:      fmt.Sprintf("%d Main St", n),
		Remark:       "a remark",
		Lang:         "zh-cn",
		CreatedAt:    at(sec),
		UpdatedAt:    at(sec + 1),
	}
}

// anonUser builds anonymous user n of app: only a PhoneID, no password.
func anonUser(n int, app string, sec int) store.User {
	return store.User{
		UID:       userID(n),
		AppID:     app,
		PhoneID:   fmt.Sprintf("install-%d", n),
		CreatedAt: at(sec),
		UpdatedAt: at(sec),
	}
}

// mustApp creates app n and fails the test on error.
func mustApp(t *testing.T, s store.Store, n int) store.App {
	t.Helper()
	a := newApp(n, n)
	if err := s.CreateApp(t.Context(), a); err != nil {
		t.Fatalf("CreateApp(%s): %v", a.ID, err)
	}
	return a
}

// mustUser creates u and fails the test on error.
func mustUser(t *testing.T, s store.Store, u store.User) store.User {
	t.Helper()
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", u.UID, err)
	}
	return u
}

// getUser fetches a user, failing the test on error.
func getUser(t *testing.T, s store.Store, uid string) store.User {
	t.Helper()
	u, err := s.GetUser(t.Context(), uid)
	if err != nil {
		t.Fatalf("GetUser(%s): %v", uid, err)
	}
	return u
}

// checkUser compares every field of a returned user.
func checkUser(t *testing.T, got, want store.User) {
	t.Helper()
	g, w := got, want
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("user = %+v, want %+v", g, w)
	}
	checkTime(t, "user "+want.UID+" CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, "user "+want.UID+" UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

// loginValue returns u's value for a login field.
func loginValue(u store.User, f store.LoginField) string {
	switch f {
	case store.ByUsername:
		return u.Username
	case store.ByEmail:
		return u.Email
	case store.ByPhone:
		return u.Phone
	case store.ByPhoneID:
		return u.PhoneID
	}
	panic("unknown login field " + string(f))
}

// setLogin returns u with one login field set to v.
func setLogin(u store.User, f store.LoginField, v string) store.User {
	switch f {
	case store.ByUsername:
		u.Username = v
	case store.ByEmail:
		u.Email = v
	case store.ByPhone:
		u.Phone = v
	case store.ByPhoneID:
		u.PhoneID = v
	default:
		panic("unknown login field " + string(f))
	}
	return u
}

// loginFields is every field FindUser accepts.
var loginFields = []store.LoginField{store.ByUsername, store.ByEmail, store.ByPhone, store.ByPhoneID}

// testUsers covers the Users interface.
func testUsers(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		for _, u := range []store.User{newUser(1, a.ID, 5), anonUser(2, a.ID, 6)} {
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatalf("CreateUser(%s): %v", u.UID, err)
			}
			checkUser(t, getUser(t, s, u.UID), u)
		}
	})

	t.Run("GetMissing", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		mustUser(t, s, newUser(1, a.ID, 1))
		_, err := s.GetUser(ctx, userID(2))
		wantErr(t, "GetUser(missing)", err, store.ErrNotFound)
	})

	t.Run("CreateUnknownApp", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		mustApp(t, s, 1)
		u := newUser(1, hexKey(2), 1)
		wantErr(t, "CreateUser(unknown app)", s.CreateUser(ctx, u), store.ErrNotFound)
		_, err := s.GetUser(ctx, u.UID)
		wantErr(t, "GetUser after failed create", err, store.ErrNotFound)
	})

	t.Run("CreateDuplicateUID", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a, b := mustApp(t, s, 1), mustApp(t, s, 2)
		orig := mustUser(t, s, newUser(1, a.ID, 1))
		// Same uid, every other field different, even the app: uids are global.
		dup := newUser(2, b.ID, 9)
		dup.UID = orig.UID
		wantErr(t, "CreateUser(duplicate uid)", s.CreateUser(ctx, dup), store.ErrConflict)
		checkUser(t, getUser(t, s, orig.UID), orig)
	})

	t.Run("UniquePerApp", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a, b := mustApp(t, s, 1), mustApp(t, s, 2)
		orig := newUser(1, a.ID, 1)
		orig.PhoneID = "install-1"
		mustUser(t, s, orig)
		for i, f := range loginFields {
			// Only f repeats orig's value; the other fields are fresh.
			clash := setLogin(newUser(10+i, a.ID, 2), f, loginValue(orig, f))
			wantErr(t, fmt.Sprintf("CreateUser(same %s, same app)", f), s.CreateUser(ctx, clash), store.ErrConflict)
			_, err := s.GetUser(ctx, clash.UID)
			wantErr(t, fmt.Sprintf("GetUser after %s conflict", f), err, store.ErrNotFound)

			// The same value in another app is another user.
			other := setLogin(newUser(20+i, b.ID, 3), f, loginValue(orig, f))
			mustUser(t, s, other)
			got, err := s.FindUser(ctx, b.ID, f, loginValue(orig, f))
			if err != nil {
				t.Fatalf("FindUser(app b, %s): %v", f, err)
			}
			checkUser(t, got, other)
		}
		// An exact, case-sensitive comparison: callers normalise case.
		mustUser(t, s, setLogin(newUser(30, a.ID, 4), store.ByUsername, "USER1"))
	})

	t.Run("EmptyNeverConflicts", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		// Registered users without a phone id, anonymous users without
		// username, email or phone, and users with nothing at all.
		var us []store.User
		for n := 1; n <= 2; n++ {
			us = append(us, newUser(n, a.ID, n), anonUser(10+n, a.ID, n),
				store.User{UID: userID(20 + n), AppID: a.ID, CreatedAt: at(n), UpdatedAt: at(n)})
		}
		for _, u := range us {
			mustUser(t, s, u)
			checkUser(t, getUser(t, s, u.UID), u)
		}
		for _, f := range loginFields {
			_, err := s.FindUser(ctx, a.ID, f, "")
			wantErr(t, fmt.Sprintf("FindUser(%s empty)", f), err, store.ErrNotFound)
		}
	})

	t.Run("FindByEachField", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a, b := mustApp(t, s, 1), mustApp(t, s, 2)
		u1 := newUser(1, a.ID, 1)
		u1.PhoneID = "install-1" // a registered user that came from an anonymous one
		mustUser(t, s, u1)
		u2 := mustUser(t, s, newUser(2, a.ID, 2))
		anon := mustUser(t, s, anonUser(3, a.ID, 3))
		inB := mustUser(t, s, newUser(4, b.ID, 4))
		for _, f := range loginFields {
			for _, want := range []store.User{u1, u2, anon, inB} {
				v := loginValue(want, f)
				if v == "" {
					continue
				}
				got, err := s.FindUser(ctx, want.AppID, f, v)
				if err != nil {
					t.Errorf("FindUser(%s, %s %q): %v", want.AppID, f, v, err)
					continue
				}
				checkUser(t, got, want)
			}
			// The value exists, but in the other app.
			_, err := s.FindUser(ctx, b.ID, f, loginValue(u1, f))
			wantErr(t, fmt.Sprintf("FindUser(other app, %s)", f), err, store.ErrNotFound)
			_, err = s.FindUser(ctx, a.ID, f, "nobody")
			wantErr(t, fmt.Sprintf("FindUser(%s nobody)", f), err, store.ErrNotFound)
		}
		// Values belong to their own field only.
		_, err := s.FindUser(ctx, a.ID, store.ByEmail, u1.Username)
		wantErr(t, "FindUser(email = a username)", err, store.ErrNotFound)
		// Exact comparison.
		_, err = s.FindUser(ctx, a.ID, store.ByUsername, "USER1")
		wantErr(t, "FindUser(username in other case)", err, store.ErrNotFound)
		// An unknown field is an error, not a miss that could look like "free".
		if _, err := s.FindUser(ctx, a.ID, store.LoginField("name"), u1.Name); err == nil {
			t.Error("FindUser(unknown field) succeeded")
		}
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a, b := mustApp(t, s, 1), mustApp(t, s, 2)
		orig := mustUser(t, s, anonUser(1, a.ID, 1))
		other := mustUser(t, s, newUser(2, a.ID, 2))

		// An anonymous user registers: every field but UID, AppID and
		// CreatedAt is replaced; the latter two are ignored if changed.
		upd := newUser(3, b.ID, 50)
		upd.UID = orig.UID
		upd.PhoneID = ""
		if err := s.UpdateUser(ctx, upd); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		want := upd
		want.AppID, want.CreatedAt = orig.AppID, orig.CreatedAt
		checkUser(t, getUser(t, s, orig.UID), want)
		for _, f := range []store.LoginField{store.ByUsername, store.ByEmail, store.ByPhone} {
			got, err := s.FindUser(ctx, a.ID, f, loginValue(want, f))
			if err != nil {
				t.Fatalf("FindUser(%s) after update: %v", f, err)
			}
			checkUser(t, got, want)
			_, err = s.FindUser(ctx, b.ID, f, loginValue(want, f))
			wantErr(t, fmt.Sprintf("FindUser(%s) in the app UpdateUser was given", f), err, store.ErrNotFound)
		}
		// The cleared phone id is free again.
		_, err := s.FindUser(ctx, a.ID, store.ByPhoneID, orig.PhoneID)
		wantErr(t, "FindUser(cleared phone id)", err, store.ErrNotFound)
		mustUser(t, s, setLogin(anonUser(4, a.ID, 60), store.ByPhoneID, orig.PhoneID))

		// Keeping one's own values is no conflict.
		want.Name, want.UpdatedAt = "renamed", at(70)
		if err := s.UpdateUser(ctx, want); err != nil {
			t.Fatalf("UpdateUser(same login values): %v", err)
		}
		checkUser(t, getUser(t, s, orig.UID), want)
		checkUser(t, getUser(t, s, other.UID), other)
	})

	t.Run("UpdateConflict", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a, b := mustApp(t, s, 1), mustApp(t, s, 2)
		taken := newUser(1, a.ID, 1)
		taken.PhoneID = "install-1"
		mustUser(t, s, taken)
		u := mustUser(t, s, newUser(2, a.ID, 2))
		for _, f := range loginFields {
			clash := setLogin(u, f, loginValue(taken, f))
			clash.Name, clash.UpdatedAt = "changed", at(90)
			wantErr(t, fmt.Sprintf("UpdateUser(taken %s)", f), s.UpdateUser(ctx, clash), store.ErrConflict)
			checkUser(t, getUser(t, s, u.UID), u) // nothing of the failed update stuck
		}
		// The same values are free in another app.
		inB := mustUser(t, s, newUser(3, b.ID, 3))
		moved := taken
		moved.UID, moved.AppID, moved.CreatedAt = inB.UID, inB.AppID, inB.CreatedAt
		if err := s.UpdateUser(ctx, moved); err != nil {
			t.Fatalf("UpdateUser(values taken only in another app): %v", err)
		}
		checkUser(t, getUser(t, s, inB.UID), moved)
	})

	t.Run("UpdateMissing", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		mustUser(t, s, newUser(1, a.ID, 1))
		wantErr(t, "UpdateUser(missing)", s.UpdateUser(ctx, newUser(2, a.ID, 2)), store.ErrNotFound)
		_, err := s.GetUser(ctx, userID(2))
		wantErr(t, "GetUser after UpdateUser(missing)", err, store.ErrNotFound)
	})

	t.Run("CreateConcurrent", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := mustApp(t, s, 1)
		const n = 8
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				u := newUser(100+i, a.ID, 1)
				u.Username = "race" // only the username is shared
				<-start
				errs[i] = s.CreateUser(ctx, u)
			})
		}
		close(start)
		wg.Wait()
		winners := 0
		for i, err := range errs {
			switch {
			case err == nil:
				winners++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("goroutine %d: CreateUser: %v, want nil or ErrConflict", i, err)
			}
		}
		if winners != 1 {
			t.Errorf("%d concurrent CreateUser calls with one username succeeded, want 1", winners)
		}
	})
}
