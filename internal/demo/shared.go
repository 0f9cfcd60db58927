package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// The demo's product, application and user are one data set for all the
// nodes sharing a store, recorded in the store's bootstrap values under
// sharedName. A node that finds no record claims the name with a pending
// record, creates the data set and replaces its claim with the record; a
// node that finds a pending record waits for it, and takes over a claim
// that outlived claimFor (its node died while creating). So nodes started
// at the same moment create one data set, never two, and never race on the
// demo user's name. The simulated devices stay per node (demo.json): each
// node runs its own, bound to the one demo user, since two simulators of
// one device would take its session from each other forever.
const (
	sharedName = "demo"
	claimFor   = 60 * time.Second
	claimPoll  = 100 * time.Millisecond
)

// record is the value under sharedName: a pending claim, or the data set.
type record struct {
	Pending bool   `json:"pending,omitempty"`
	Claim   string `json:"claim,omitempty"` // the claimant's random id
	Until   int64  `json:"until,omitempty"` // unix ms when a pending claim lapses

	ProductKey string `json:"product_key,omitempty"`
	AppID      string `json:"appid,omitempty"`
	Username   string `json:"username,omitempty"`
	Password   string `json:"password,omitempty"`
}

func (r record) encode() string {
	b, _ := json.Marshal(r) // strings and numbers only: cannot fail
	return string(b)
}

// settleShared fills st's product, application and user from the store's
// record, creating them (seeded by st, what this data dir remembers) when
// this node wins the claim.
func settleShared(ctx context.Context, node *core.Node, st *state, d *Demo) (*datapoint.Schema, error) {
	bs := node.Store()
	mine := record{Pending: true, Claim: core.NewKey()}
	for {
		mine.Until = time.Now().Add(claimFor).UnixMilli()
		v, won, err := bs.ClaimValue(ctx, sharedName, mine.encode())
		if err != nil {
			return nil, err
		}
		if won {
			return createShared(ctx, node, st, d, mine)
		}
		var rec record
		if err := json.Unmarshal([]byte(v), &rec); err != nil {
			return nil, fmt.Errorf("the demo record in the store is not JSON: %w", err)
		}
		if !rec.Pending {
			schema, err := reuseShared(ctx, node, rec, d)
			if err == nil {
				st.ProductKey, st.AppID, st.Username, st.Password = rec.ProductKey, rec.AppID, rec.Username, rec.Password
				return schema, nil
			}
			if !gone(err) {
				return nil, fmt.Errorf("demo data set: %w", err)
			}
			// Part of the data set is gone (deleted by an operator): create
			// it afresh, seeded by what is left, under a claim of our own.
			*st = state{ProductKey: rec.ProductKey, AppID: rec.AppID, Username: rec.Username, Password: rec.Password, Devices: st.Devices}
		}
		if !rec.Pending || time.Now().UnixMilli() >= rec.Until {
			ok, err := bs.ReplaceValue(ctx, sharedName, v, mine.encode())
			if err != nil {
				return nil, err
			}
			if ok {
				return createShared(ctx, node, st, d, mine)
			}
			continue // another node replaced it first: read again
		}
		select { // another node is creating it
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(claimPoll):
		}
	}
}

// createShared reuses or creates the product, application and user of st,
// then replaces this node's claim with the record of them.
func createShared(ctx context.Context, node *core.Node, st *state, d *Demo, claim record) (*datapoint.Schema, error) {
	schema, err := ensureProduct(ctx, node, st, d)
	if err != nil {
		return nil, fmt.Errorf("demo product: %w", err)
	}
	if err := ensureApp(ctx, node, st, d); err != nil {
		return nil, fmt.Errorf("demo app: %w", err)
	}
	if err := ensureUser(ctx, node, st, d); err != nil {
		return nil, fmt.Errorf("demo user: %w", err)
	}
	rec := record{ProductKey: st.ProductKey, AppID: st.AppID, Username: st.Username, Password: st.Password}
	ok, err := node.Store().ReplaceValue(ctx, sharedName, claim.encode(), rec.encode())
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, errors.New("another node took over the demo claim while this one created the data set; start again")
	}
	return schema, nil
}

// reuseShared checks that the recorded data set is all there and fills d.
func reuseShared(ctx context.Context, node *core.Node, rec record, d *Demo) (*datapoint.Schema, error) {
	p, err := node.Store().GetProduct(ctx, rec.ProductKey)
	if err != nil {
		return nil, err
	}
	if _, err := node.App(ctx, rec.AppID); err != nil {
		return nil, err
	}
	u, _, err := node.Login(ctx, rec.AppID, rec.Username, rec.Password)
	if err != nil {
		return nil, err
	}
	d.ProductName, d.UID = p.Name, u.UID
	return node.Schema(ctx, p.Key)
}

// gone reports an error of reuseShared that means part of the data set no
// longer exists (rather than a store that failed to answer).
func gone(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, core.ErrAppNotFound) ||
		errors.Is(err, core.ErrBadLogin) || errors.Is(err, core.ErrUserNotFound)
}
