package gizapp

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Core is what the app API uses of the device model: apps and their
// users' accounts and tokens, bindings, devices, latest state and control.
// *core.Node satisfies it; the API needs nothing else of the node.
type Core interface {
	App(ctx context.Context, appID string) (store.App, error)
	Product(ctx context.Context, key string) (store.Product, error)
	Schema(ctx context.Context, productKey string) (*datapoint.Schema, error)

	CreateUser(ctx context.Context, appID string, req core.NewUser) (store.User, core.Session, bool, error)
	Login(ctx context.Context, appID, login, pw string) (store.User, core.Session, error)
	AppToken(ctx context.Context, appID, auth string) (core.Session, error)
	UserByToken(ctx context.Context, appID, token string) (store.User, error)
	CheckPassword(ctx context.Context, u store.User, pw string) error
	UpdateUser(ctx context.Context, u store.User, pw, keepToken string) (store.User, error)

	BindDevice(ctx context.Context, uid, did, passcode string, o core.BindOptions) (store.Binding, error)
	BindByMAC(ctx context.Context, uid, productKey, mac string, o core.BindOptions) (store.Binding, store.Device, error)
	Unbind(ctx context.Context, uid, did string) error
	Binding(ctx context.Context, uid, did string) (store.Binding, error)
	Bindings(ctx context.Context, uid string, limit, offset int) ([]store.Binding, error)
	UpdateBinding(ctx context.Context, b store.Binding) error

	Device(ctx context.Context, did string) (store.Device, error)
	LatestState(ctx context.Context, did string) (attrs json.RawMessage, at time.Time, err error)
	WriteAttrs(ctx context.Context, t core.Target, attrs map[string]any) error
	SendRaw(ctx context.Context, t core.Target, frame []byte) error
}

var _ Core = (*core.Node)(nil)
