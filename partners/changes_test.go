package partners_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

const lamp = `{"name":"lamp","protocolType":"standard","entities":[{"attrs":[
 {"id":0,"name":"on","data_type":"bool","type":"status_writable","position":{"byte_offset":0,"bit_offset":0,"len":1,"unit":"bit"}}]}]}`

// A subscription made on one node and an unbinding on it reach the push
// index of another node sharing the store and the bus: the other node's
// reports are pushed, and stop being pushed after the unbinding.
func TestSubscriptionChangesReachOtherNodes(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	b := memory.New(memory.Options{})
	t.Cleanup(func() { _ = b.Close(); _ = st.Close() })
	node := func(id string) (*core.Node, *partners.Domain) {
		d := partners.New(partners.Options{Store: st, Bus: b})
		n, err := core.New(core.Options{Store: st, Bus: b, NodeID: id, Follower: d.Follower()})
		if err != nil {
			t.Fatal(err)
		}
		d.Bind(n)
		if err := d.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := n.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = n.Close(ctx) })
		return n, d
	}
	nA, dA := node("node-a")
	_, dB := node("node-b")

	app, err := nA.CreateApp(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	prod, _, err := nA.CreateProduct(ctx, []byte(lamp))
	if err != nil {
		t.Fatal(err)
	}
	dev, _, err := nA.RegisterDevice(ctx, prod.Key, "aabbccddeeff", "PASSCODE")
	if err != nil {
		t.Fatal(err)
	}
	u, _, _, err := nA.CreateUser(ctx, app.ID, core.NewUser{Username: "alice", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nA.BindDevice(ctx, u.UID, dev.DID, "PASSCODE", core.BindOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := dA.CreatePartner(ctx, partners.PartnerSettings{Name: "acme", PushURL: "http://127.0.0.1:1/push"})
	if err != nil {
		t.Fatal(err)
	}
	followerB := dB.Follower()
	if followerB.Subscribed(dev.DID) {
		t.Fatal("node b sees a subscription before any was made")
	}
	if err := dA.Subscribe(ctx, p.AppID, u.UID, []partners.Subscription{{DID: dev.DID, ResourceID: "on"}}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "node b to see the subscription made on node a", func() bool { return followerB.Subscribed(dev.DID) })
	// Node b would push a report for the partner (which takes pushes: its
	// URL reached node b too).
	rows := followerB.ForStatus(dev.DID, prod.Key, true, time.Now())
	if len(rows) != 1 || rows[0].AppID != p.AppID {
		t.Fatalf("node b's pushes for the device = %+v, want one for the partner", rows)
	}
	followerB.Unwritten(rows)

	if err := nA.Unbind(ctx, u.UID, dev.DID); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "node b to drop the subscription of the unbound device", func() bool { return !followerB.Subscribed(dev.DID) })
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
