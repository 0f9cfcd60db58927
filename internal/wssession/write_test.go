package wssession_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/internal/wssession"
	"github.com/switchboard-iot/switchboard/metrics"
)

// The writer bounds frames with its own timer, not the write's context, so
// an abrupt Close must still end a write blocked on a client that does not
// read: the session is done well before the 5 s write timeout.
func TestAbruptCloseEndsABlockedWrite(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			sess := make(chan *wssession.Session, 1)
			_ = serve(t, w.run, 16, metrics.New().Adapter("t"), func(s *wssession.Session) wssession.Loop {
				sess <- s
				return wssession.Loop{Batch: 1}
			})
			s := <-sess
			big := bytes.Repeat([]byte("x"), 4<<20) // 32 MB in all: more than the socket buffers hold
			for i := 0; i < 8; i++ {
				if !s.Send(big) {
					t.Fatalf("send %d refused", i)
				}
			}
			time.Sleep(200 * time.Millisecond) // let the writer block; closing earlier proves less, not wrong
			start := time.Now()
			s.Close(wssession.Reason{Why: "dropped", Abrupt: true})
			select {
			case <-s.Done():
			case <-time.After(3 * time.Second):
				t.Fatal("the blocked write did not end within 3 s of an abrupt Close (write timeout 5 s)")
			}
			t.Logf("done %v after Close", time.Since(start))
		})
	}
}
