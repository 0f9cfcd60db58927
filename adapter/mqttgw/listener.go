package mqttgw

import (
	"log/slog"
	"net"
	"sync"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// boundListener hands mochi a socket that Switchboard bound itself, so that a
// taken port is reported before anything starts and ":0" works in tests.
type boundListener struct {
	id   string
	ln   net.Listener
	once sync.Once
}

var _ listeners.Listener = (*boundListener)(nil)

func (l *boundListener) Init(*slog.Logger) error { return nil }
func (l *boundListener) ID() string              { return l.id }
func (l *boundListener) Address() string         { return l.ln.Addr().String() }
func (l *boundListener) Protocol() string        { return "tcp" }

// Serve accepts until the socket is closed, handing each connection to mochi.
func (l *boundListener) Serve(establish listeners.EstablishFn) {
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			return
		}
		go func() { _ = establish(l.id, conn) }()
	}
}

// Close stops accepting and closes the listener's clients.
func (l *boundListener) Close(closeClients listeners.CloseFn) {
	l.once.Do(func() {
		_ = l.ln.Close()
		closeClients(l.id)
	})
}
