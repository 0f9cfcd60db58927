package core_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// newNode is a core on a real SQLite store in a temp dir and the memory bus.
func newNode(t *testing.T, ttl time.Duration) (*core.Node, store.Store) {
	t.Helper()
	st := openStore(t)
	return startNode(t, core.Options{Store: st, TokenTTL: ttl}), st
}

// openStore is a SQLite store in a temp dir, closed when the test ends.
func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// startNode starts a core with o on a memory bus of its own (unless o has
// one) and closes both when the test ends, before the store.
func startNode(t *testing.T, o core.Options) *core.Node {
	t.Helper()
	if o.Bus == nil {
		b := memory.New(memory.Options{})
		t.Cleanup(func() { _ = b.Close() })
		o.Bus = b
	}
	n, err := core.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close(context.Background()) })
	return n
}

const lamp = `{"name":"lamp","protocolType":"standard","entities":[{"attrs":[
 {"id":0,"name":"on","data_type":"bool","type":"status_writable","position":{"byte_offset":0,"bit_offset":0,"len":1,"unit":"bit"}}]}]}`

// world is an app and a registered device.
func world(t *testing.T, n *core.Node) (store.App, store.Device) {
	t.Helper()
	ctx := context.Background()
	app, err := n.CreateApp(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := n.CreateProduct(ctx, []byte(lamp))
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := n.RegisterDevice(ctx, p.Key, "aabbccddeeff", "PASSCODE")
	if err != nil {
		t.Fatal(err)
	}
	return app, d
}

// watch collects the JSON messages of one bus subject.
func watch[T any](t *testing.T, n *core.Node, subject string) <-chan T {
	t.Helper()
	ch := make(chan T, 16)
	sub, err := n.Bus().Subscribe(subject, func(_ string, data []byte) {
		var v T
		var err error
		if ev, ok := any(&v).(*core.DeviceEvent); ok {
			*ev, err = core.DecodeDeviceEvent(data) // device events may be binary
		} else {
			err = json.Unmarshal(data, &v)
		}
		if err == nil {
			ch <- v
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return ch
}

func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received within 5s")
		var zero T
		return zero
	}
}
