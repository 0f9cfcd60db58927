package mqttgw

import (
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// mochi 2.7.9 cleans up an ended session by client id: it unsubscribes
// the id's filters and deletes the id from its client list after the
// session's OnDisconnect. When the same device reconnects in that window,
// the cleanup of the old session removes the new session's subscription to
// app2dev/<did>/# and its place in the client list, and the device looks
// online but never receives a command again. So a new session of a did
// waits, before mochi looks for an older one, until every older session of
// that did has ended completely (its connection handler returned): it ends
// a live one itself, the way mochi's takeover would, and waits for those
// already winding down.

// takeoverWait bounds how long a new session waits for an old one's
// cleanup; the cleanup is a few map operations, so this is only reached if
// something is badly stuck, and then the new session goes on as before.
const takeoverWait = 5 * time.Second

// endedConn returns the connection of a client, if the gateway's listener
// made it (tests may attach clients otherwise).
func endedConn(cl *mqtt.Client) *pendingConn {
	pc, _ := cl.Net.Conn.(*pendingConn)
	return pc
}

// windingDown records an ended session of did until its connection
// handler returns; called from OnDisconnect.
func (g *Gateway) windingDown(did string, cl *mqtt.Client) {
	pc := endedConn(cl)
	if pc == nil {
		return
	}
	g.mu.Lock()
	g.ending[did] = append(g.ending[did], pc)
	g.mu.Unlock()
	go func() {
		<-pc.done
		g.mu.Lock()
		defer g.mu.Unlock()
		list := g.ending[did]
		for i, c := range list {
			if c == pc {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(g.ending, did)
		} else {
			g.ending[did] = list
		}
	}()
}

// awaitOlder ends prev (the live session the new one replaces, or nil) and
// waits until it and every session of did still winding down are gone.
func (g *Gateway) awaitOlder(did string, prev *session) {
	var wait []*pendingConn
	if prev != nil {
		_ = g.broker.DisconnectClient(prev.client, packets.ErrSessionTakenOver)
		if pc := endedConn(prev.client); pc != nil {
			wait = append(wait, pc)
		}
	}
	g.mu.Lock()
	wait = append(wait, g.ending[did]...)
	g.mu.Unlock()
	deadline := time.NewTimer(takeoverWait)
	defer deadline.Stop()
	for _, pc := range wait {
		select {
		case <-pc.done:
		case <-deadline.C:
			g.log.Warn("older session of a device did not end in time", "did", did)
			return
		}
	}
}
