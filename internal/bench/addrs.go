package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// sourceAddr is the k-th loopback source address a bench client dials from.
// Clients are spread over 127.0.0.0/8 so that the server's per-address
// caps (--mqtt-max-conns-per-addr, --http-max-conns-per-addr, the sign-in
// budget) do not throttle one load generator, and so that more than the
// ~28k ephemeral ports of one source address are available. 127.0.0.1 is
// left to the server; octets 0 and 255 are skipped.
func sourceAddr(k int) net.IP {
	return net.IPv4(127, byte(1+(k/(254*254))%254), byte(1+(k/254)%254), byte(1+k%254))
}

// addrPool hands out one source address per perAddr clients, and caches an
// HTTP client per address.
type addrPool struct {
	perAddr int
	mu      sync.Mutex
	http    map[int]*http.Client
}

func newAddrPool(perAddr int) *addrPool {
	return &addrPool{perAddr: max(perAddr, 1), http: make(map[int]*http.Client)}
}

// index is the address slot of client i; devices and apps use separate
// ranges (base) so their counts do not mix on one address.
func (p *addrPool) index(base, i int) int { return base + i/p.perAddr }

func (p *addrPool) dialer(slot int) *net.Dialer {
	return &net.Dialer{LocalAddr: &net.TCPAddr{IP: sourceAddr(slot)}, Timeout: 15 * time.Second}
}

// httpClient returns the HTTP client of an address slot: kept-alive
// connections from that source address.
func (p *addrPool) httpClient(slot int) *http.Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.http[slot]; c != nil {
		return c
	}
	d := p.dialer(slot)
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	}}
	p.http[slot] = c
	return c
}

// closeIdle drops the kept-alive HTTP connections, so the idle scenario
// measures the server without the setup's connections.
func (p *addrPool) closeIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.http {
		c.CloseIdleConnections()
	}
}

// dialContext dials from an address slot (for the WebSocket client).
func (p *addrPool) dialContext(slot int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return p.dialer(slot).DialContext
}

// Slot bases: devices from 0, apps from appSlotBase, setup HTTP from
// setupSlotBase. 254*254*10 slots exist before the second octet wraps.
const (
	appSlotBase   = 200_000
	setupSlotBase = 400_000
)

func (p *addrPool) String() string { return fmt.Sprintf("%d clients per source address", p.perAddr) }
