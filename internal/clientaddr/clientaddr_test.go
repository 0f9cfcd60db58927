package clientaddr

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestParseTrusted(t *testing.T) {
	tr, err := ParseTrusted(" 10.0.0.0/8, 127.0.0.1 ,::1,,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		addr string
		want bool
	}{
		{"10.1.2.3", true}, {"127.0.0.1", true}, {"127.0.0.2", false}, {"::1", true},
		{"fd12::1", true}, {"192.168.1.1", false}, {"::ffff:10.0.0.1", true},
	} {
		if got := tr.contains(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("contains(%s) = %v, want %v", c.addr, got, c.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "host.example", "10.0.0.1/8/1", "1.2.3"} {
		if _, err := ParseTrusted(bad); err == nil {
			t.Errorf("ParseTrusted(%q) accepted", bad)
		}
	}
	if tr, _ := ParseTrusted(""); !tr.Empty() {
		t.Error("an empty list trusts someone")
	}
}

func TestClient(t *testing.T) {
	tr, _ := ParseTrusted("10.0.0.0/8")
	for _, c := range []struct {
		name, peer string
		xff, fwd   []string
		want       string
	}{
		{"untrusted peer: headers ignored", "203.0.113.9", []string{"198.51.100.1"}, nil, "203.0.113.9"},
		{"untrusted peer: Forwarded ignored", "203.0.113.9", nil, []string{"for=198.51.100.1"}, "203.0.113.9"},
		{"trusted, no headers", "10.0.0.1", nil, nil, "10.0.0.1"},
		{"trusted, one hop", "10.0.0.1", []string{"198.51.100.1"}, nil, "198.51.100.1"},
		{"forged left part is skipped", "10.0.0.1", []string{"1.1.1.1, 198.51.100.1"}, nil, "198.51.100.1"},
		{"trusted hops are walked past", "10.0.0.1", []string{"198.51.100.1, 10.0.0.7"}, nil, "198.51.100.1"},
		{"several header lines", "10.0.0.1", []string{"1.1.1.1", "198.51.100.1, 10.0.0.7"}, nil, "198.51.100.1"},
		{"only trusted hops: the leftmost", "10.0.0.1", []string{"10.0.0.9, 10.0.0.7"}, nil, "10.0.0.9"},
		{"with a port", "10.0.0.1", []string{"198.51.100.1:5555"}, nil, "198.51.100.1"},
		{"IPv6", "10.0.0.1", []string{"2001:db8::1"}, nil, "2001:db8::1"},
		{"garbage stops the walk", "10.0.0.1", []string{"198.51.100.1, nonsense"}, nil, "10.0.0.1"},
		{"garbage behind a trusted hop", "10.0.0.1", []string{"nonsense, 10.0.0.7"}, nil, "10.0.0.7"},
		{"empty value", "10.0.0.1", []string{""}, nil, "10.0.0.1"},
		{"Forwarded", "10.0.0.1", nil, []string{`for=198.51.100.1;proto=https`}, "198.51.100.1"},
		{"Forwarded quoted IPv6 with port", "10.0.0.1", nil, []string{`for="[2001:db8::1]:4711"`}, "2001:db8::1"},
		{"Forwarded chain", "10.0.0.1", nil, []string{`for=1.1.1.1, for=198.51.100.1;by=10.0.0.1`, `for=10.0.0.5`}, "198.51.100.1"},
		{"Forwarded obfuscated", "10.0.0.1", nil, []string{`for=_hidden`}, "10.0.0.1"},
		{"Forwarded wins over XFF", "10.0.0.1", []string{"1.1.1.1"}, []string{"for=198.51.100.1"}, "198.51.100.1"},
		{"Forwarded element without for", "10.0.0.1", nil, []string{"proto=https"}, "10.0.0.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := tr.Client(netip.MustParseAddr(c.peer), c.xff, c.fwd)
			if got.String() != c.want {
				t.Fatalf("Client = %s, want %s", got, c.want)
			}
		})
	}
}

func TestHost(t *testing.T) {
	tr, _ := ParseTrusted("10.0.0.0/8")
	trusted, other := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("203.0.113.9")
	for _, c := range []struct {
		peer     netip.Addr
		xfh, fwd []string
		want     string
	}{
		{trusted, []string{"iot.example.com"}, nil, "iot.example.com"},
		{trusted, []string{"iot.example.com:8443, other"}, nil, "iot.example.com:8443"},
		{trusted, nil, []string{`for=1.2.3.4;host="iot.example.com"`}, "iot.example.com"},
		{trusted, []string{"evil.example\r\nX: y"}, nil, ""},
		{trusted, []string{`"><script>`}, nil, ""},
		{other, []string{"iot.example.com"}, nil, ""},
		{trusted, nil, nil, ""},
	} {
		if got := tr.Host(c.peer, c.xfh, c.fwd); got != c.want {
			t.Errorf("Host(%s, %q, %q) = %q, want %q", c.peer, c.xfh, c.fwd, got, c.want)
		}
	}
}

// TestMiddleware: over a real listener, a request through a trusted peer
// reaches the handler with the client's address and host; the same headers
// from an untrusted peer change nothing.
func TestMiddleware(t *testing.T) {
	var gotAddr, gotHost string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { gotAddr, gotHost = r.RemoteAddr, r.Host })
	for _, c := range []struct {
		trust    string
		wantAddr string
		wantHost string
	}{
		{"127.0.0.0/8", "198.51.100.7", "iot.example.com"},
		{"10.0.0.0/8", "127.0.0.1", ""},
	} {
		tr, _ := ParseTrusted(c.trust)
		srv := httptest.NewServer(tr.Middleware(h))
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("X-Forwarded-For", "198.51.100.7")
		req.Header.Set("X-Forwarded-Host", "iot.example.com")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()
		if !strings.HasPrefix(gotAddr, c.wantAddr+":") {
			t.Errorf("trust %s: RemoteAddr %s, want %s:port", c.trust, gotAddr, c.wantAddr)
		}
		if c.wantHost != "" && gotHost != c.wantHost {
			t.Errorf("trust %s: Host %s, want %s", c.trust, gotHost, c.wantHost)
		}
		if c.wantHost == "" && gotHost == "iot.example.com" {
			t.Errorf("trust %s: an untrusted peer set the host", c.trust)
		}
	}
}

// FuzzClient: whatever the headers say, the answer is a valid address,
// the peer itself when the peer is not trusted, and a forwarded host is
// empty or made only of host characters (nothing that could break the
// replies that announce it).
func FuzzClient(f *testing.F) {
	for _, s := range []string{"198.51.100.1", "1.1.1.1, 10.0.0.7", "[2001:db8::1]:80", "_x", "", ",,,", "10.0.0.1:99999", "iot.example.com\r\n"} {
		f.Add(s, "for="+s+";host="+s, true)
	}
	tr, _ := ParseTrusted("10.0.0.0/8")
	f.Fuzz(func(t *testing.T, xff, fwd string, trustedPeer bool) {
		peer := netip.MustParseAddr("203.0.113.9")
		if trustedPeer {
			peer = netip.MustParseAddr("10.0.0.1")
		}
		var fwds []string
		if fwd != "" {
			fwds = []string{fwd}
		}
		got := tr.Client(peer, []string{xff}, fwds)
		if !got.IsValid() {
			t.Fatalf("invalid address for %q %q", xff, fwd)
		}
		if !trustedPeer && got != peer {
			t.Fatalf("untrusted peer: got %s", got)
		}
		h := tr.Host(peer, []string{xff}, fwds)
		if !trustedPeer && h != "" {
			t.Fatalf("untrusted peer set host %q", h)
		}
		if h != "" && validHost(h) != h {
			t.Fatalf("host %q has characters a host cannot", h)
		}
	})
}
