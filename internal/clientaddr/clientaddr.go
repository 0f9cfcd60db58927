// Package clientaddr finds the client of an HTTP request that came through
// trusted reverse proxies. Behind a proxy every request has the proxy's
// address, so rate limits and logs keyed on it would treat a whole site as
// one client; the proxy's X-Forwarded-For or Forwarded header says who the
// client was, but anyone can send those headers, so they are believed only
// from peers the operator named (--trusted-proxies).
package clientaddr

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Trusted is the set of proxy networks whose forwarding headers are
// believed. The zero value trusts no one.
type Trusted struct {
	prefixes []netip.Prefix
}

// ParseTrusted reads a comma-separated list of CIDRs or single addresses
// ("10.0.0.0/8, 127.0.0.1").
func ParseTrusted(list string) (Trusted, error) {
	var t Trusted
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return Trusted{}, fmt.Errorf("trusted proxy %q: not an address or CIDR", f)
			}
			f = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()).String()
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return Trusted{}, fmt.Errorf("trusted proxy %q: not an address or CIDR", f)
		}
		t.prefixes = append(t.prefixes, p.Masked())
	}
	return t, nil
}

// Empty reports whether no proxy is trusted.
func (t Trusted) Empty() bool { return len(t.prefixes) == 0 }

func (t Trusted) contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Client returns the client address of a request whose TCP peer is peer,
// given its X-Forwarded-For and Forwarded header values. Unless the peer is
// trusted, it is the peer. Otherwise the forwarded chain is walked from the
// right (the hop nearest this server) past every trusted proxy; the first
// address that is not a trusted proxy is the client. Forwarded (RFC 7239)
// wins over X-Forwarded-For when both are present. A chain that cannot be
// read, or that holds only trusted proxies, gives the peer (or the leftmost
// address), never something unparsed.
func (t Trusted) Client(peer netip.Addr, xff, forwarded []string) netip.Addr {
	peer = peer.Unmap()
	if !t.contains(peer) {
		return peer
	}
	var chain []string
	if len(forwarded) > 0 {
		chain = forwardedFor(forwarded)
	} else {
		for _, v := range xff {
			chain = append(chain, strings.Split(v, ",")...)
		}
	}
	client := peer
	for i := len(chain) - 1; i >= 0; i-- {
		a, ok := parseHop(chain[i])
		if !ok {
			return client // a hop we cannot read: stop at the last one we trust
		}
		client = a
		if !t.contains(a) {
			return a
		}
	}
	return client
}

// Host returns the host the client asked for, as a trusted proxy forwarded
// it (Forwarded host=, else X-Forwarded-Host), or "" when there is none.
func (t Trusted) Host(peer netip.Addr, xfh, forwarded []string) string {
	if !t.contains(peer) {
		return ""
	}
	for _, v := range forwarded {
		for _, elem := range strings.Split(v, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "host") {
					if h := validHost(strings.Trim(val, `"`)); h != "" {
						return h
					}
				}
			}
		}
	}
	if len(xfh) > 0 {
		first, _, _ := strings.Cut(xfh[0], ",")
		return validHost(strings.TrimSpace(first))
	}
	return ""
}

// validHost accepts a host[:port] of the characters a host name or address
// may hold, so a forwarded value cannot smuggle anything into the replies
// that announce it.
func validHost(h string) string {
	if h == "" || len(h) > 255 {
		return ""
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.ContainsRune(".-:[]", c):
		default:
			return ""
		}
	}
	return h
}

// forwardedFor lists the for= values of Forwarded headers, in order.
func forwardedFor(values []string) []string {
	var out []string
	for _, v := range values {
		for _, elem := range strings.Split(v, ",") {
			found := ""
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					found = strings.Trim(val, `"`)
				}
			}
			out = append(out, found) // "" when an element has no for=: unreadable
		}
	}
	return out
}

// parseHop reads one hop: an address, an address with a port, or a
// bracketed IPv6 address with or without a port. Obfuscated identifiers
// ("_hidden", "unknown") are not addresses.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// Middleware rewrites a request from a trusted proxy so that everything
// behind it sees the client: RemoteAddr becomes the forwarded client's
// address (with the proxy's port, which means nothing either way), and
// Host the forwarded host when the proxy sent one. Requests from other
// peers pass unchanged, their forwarding headers ignored.
func (t Trusted) Middleware(next http.Handler) http.Handler {
	if t.Empty() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, port, err := net.SplitHostPort(r.RemoteAddr)
		peer, perr := netip.ParseAddr(host)
		if err != nil || perr != nil || !t.contains(peer) {
			next.ServeHTTP(w, r)
			return
		}
		r2 := r.WithContext(r.Context()) // a shallow copy: headers and body are shared
		client := t.Client(peer, r.Header.Values("X-Forwarded-For"), r.Header.Values("Forwarded"))
		r2.RemoteAddr = net.JoinHostPort(client.String(), port)
		if h := t.Host(peer, r.Header.Values("X-Forwarded-Host"), r.Header.Values("Forwarded")); h != "" {
			r2.Host = h
		}
		next.ServeHTTP(w, r2)
	})
}
