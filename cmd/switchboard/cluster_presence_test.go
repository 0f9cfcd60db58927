package main_test

import (
	be "encoding/binary"
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/codec/p0"
)

// appCounter asks, as the device c, how many apps watch it (cli2ser_req
// 0x020F) and returns the answer of the node it is connected to.
type appCounter struct {
	c       paho.Client
	answers chan int
}

func newAppCounter(t *testing.T, c paho.Client, did string) *appCounter {
	t.Helper()
	a := &appCounter{c: c, answers: make(chan int, 16)}
	tk := c.Subscribe("ser2cli_res/"+did, 0, func(_ paho.Client, m paho.Message) {
		if r, err := p0.DecodeServer(m.Payload()); err == nil && r.Cmd == p0.CmdAppCountReply && len(r.Body) >= 2 {
			a.answers <- int(be.BigEndian.Uint16(r.Body))
		}
	})
	if !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
		t.Fatalf("device subscribe to its server replies: %v", tk.Error())
	}
	return a
}

// is asks once and reports whether the answer is want.
func (a *appCounter) is(want int) error {
	tk := a.c.Publish("cli2ser_req", 0, false, p0.AppendServer(nil, p0.ServerMessage{Cmd: p0.CmdAppCountRequest}))
	if !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
		return fmt.Errorf("ask the app count: %v", tk.Error())
	}
	select {
	case n := <-a.answers:
		if n != want {
			return fmt.Errorf("app count %d, want %d", n, want)
		}
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("no answer to the app count request")
	}
}
