package admin_test

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

func TestRevokeUserTokens(t *testing.T) {
	ctx := context.Background()
	srv := testserver.Start(t)
	app, err := srv.Admin.CreateApp(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	node := srv.Node()
	u, s1, _, err := node.CreateUser(ctx, app.AppID, core.NewUser{PhoneID: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	_, s2, _, _ := node.CreateUser(ctx, app.AppID, core.NewUser{PhoneID: "phone"})
	n, err := srv.Admin.RevokeUserTokens(ctx, u.UID)
	if err != nil || n != 2 {
		t.Fatalf("revoked %d, %v; want 2", n, err)
	}
	for _, tok := range []string{s1.Token, s2.Token} {
		if _, err := node.UserByToken(ctx, app.AppID, tok); !errors.Is(err, core.ErrTokenInvalid) {
			t.Errorf("token still valid after revocation: %v", err)
		}
	}
	_, err = srv.Admin.RevokeUserTokens(ctx, "ffffffffffffffffffffffffffffffff")
	apiErr(t, err, 404, "user_not_found")
}
