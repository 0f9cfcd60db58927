package core_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// lampWorld registers a product of examples/products (the demo lamp is
// fixed length, the demo fan var_len) and one device of it, online with a
// session of this node.
type lampWorld struct {
	n      *core.Node
	st     store.Store
	schema *datapoint.Schema
	dev    store.Device
	owner  store.SessionOwner
}

func newLampWorld(t *testing.T, n *core.Node, st store.Store, product string) *lampWorld {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join("..", "examples", "products", product))
	if err != nil {
		t.Fatal(err)
	}
	p, schema, err := n.CreateProduct(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := n.RegisterDevice(ctx, p.Key, "0a0b0c0d0e0f", "PASSCODE")
	if err != nil {
		t.Fatal(err)
	}
	owner, err := n.DeviceOnline(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if d, err = n.Device(ctx, d.DID); err != nil {
		t.Fatal(err)
	}
	return &lampWorld{n: n, st: st, schema: schema, dev: d, owner: owner}
}

// frame is a P0 frame of cmd carrying a datapoint message of action with
// the given shown values.
func (w *lampWorld) frame(t *testing.T, cmd uint16, sn uint32, action byte, values map[string]any) []byte {
	t.Helper()
	msg := w.schema.NewMessage(action)
	for name, v := range values {
		if err := w.schema.Set(msg, name, v); err != nil {
			t.Fatalf("set %s: %v", name, err)
		}
	}
	payload, err := w.schema.Append(nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	return p0.Append(nil, p0.Frame{Cmd: cmd, SN: sn, Payload: payload})
}

// report is an unsolicited 0x0091 report of values.
func (w *lampWorld) report(t *testing.T, values map[string]any) []byte {
	t.Helper()
	action := datapoint.ActionReport
	if w.schema.VarLen() {
		action = datapoint.ActionVarReport
	}
	return w.frame(t, p0.CmdDeviceToApp, 0, action, values)
}
