package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/codec/p0"
)

// device is one simulated device: an MQTT 3.1.1 session as GAgent makes
// it (client id = username = did, password = passcode, clean session).
type device struct {
	did    string
	client paho.Client
}

type deviceOpts struct {
	// subscribe makes GAgent's three subscriptions (in one SUBSCRIBE).
	subscribe bool
	// answer replies to every 0x0093 write with an empty 0x0094 of the
	// same sn, on the client id's uplink, as a device acknowledges.
	answer bool
	// acks counts the 0x0094 answers sent.
	acks *atomic.Int64
}

// connectDevice connects from the pool's source address for device i and
// returns once the CONNACK (and the SUBACK, if asked) arrived.
func connectDevice(ctx context.Context, t *target, pool *addrPool, productKey string, i int, c devCreds, o deviceOpts) (*device, error) {
	d := &device{did: c.did}
	opts := paho.NewClientOptions().
		AddBroker("tcp://" + t.mqttAddr).
		SetDialer(pool.dialer(pool.index(0, i))).
		SetClientID(c.did).SetUsername(c.did).SetPassword(c.passcode).
		SetProtocolVersion(4).
		SetCleanSession(true).
		SetKeepAlive(120 * time.Second).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(30 * time.Second).
		SetOrderMatters(false)
	d.client = paho.NewClient(opts)
	if err := waitToken(ctx, d.client.Connect()); err != nil {
		return nil, fmt.Errorf("connect %s: %w", c.did, err)
	}
	if !o.subscribe {
		return d, nil
	}
	handler := func(paho.Client, paho.Message) {}
	if o.answer {
		handler = d.answerer(o.acks)
	}
	filters := map[string]byte{"ser2cli_noti/" + productKey: 0, "ser2cli_res/" + c.did: 0, "app2dev/" + c.did + "/#": 0}
	if err := waitToken(ctx, d.client.SubscribeMultiple(filters, handler)); err != nil {
		d.client.Disconnect(0)
		return nil, fmt.Errorf("subscribe %s: %w", c.did, err)
	}
	return d, nil
}

// answerer acknowledges 0x0093 writes on app2dev/<did>/<clientid>.
func (d *device) answerer(acks *atomic.Int64) paho.MessageHandler {
	prefix := "app2dev/" + d.did + "/"
	return func(c paho.Client, m paho.Message) {
		f, err := p0.Decode(m.Payload())
		if err != nil || f.Cmd != p0.CmdWithSN || len(m.Topic()) <= len(prefix) {
			return
		}
		clientID := m.Topic()[len(prefix):]
		c.Publish("dev2app/"+d.did+"/"+clientID, 0, false, p0.Append(nil, p0.Frame{Cmd: p0.CmdAckSN, SN: f.SN}))
		if acks != nil {
			acks.Add(1)
		}
	}
}

func (d *device) close() { d.client.Disconnect(0) }

func waitToken(ctx context.Context, t paho.Token) error {
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}
