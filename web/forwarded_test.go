package web

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

var forwardedTests = []struct {
	name       string
	trusted    []netip.Prefix
	remote     string
	xff        []string
	proto      string
	wantRemote string
	wantProto  string
	wantHop    bool
}{
	{"trusted proxy, one hop", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"203.0.113.7"}, "https", "203.0.113.7", "https", true},
	{"trusted proxy, client with port", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"203.0.113.7:4711"}, "http", "203.0.113.7:4711", "http", true},
	{"trusted proxy, IPv6 client", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"[2001:db8::7]:4711"}, "HTTPS", "[2001:db8::7]:4711", "https", true},
	{"two trusted proxies", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"203.0.113.7, 10.0.0.9"}, "https", "203.0.113.7", "https", true},
	// A proxy that appends to X-Forwarded-Proto leaves the client's own
	// value to the left of its own: the last one, the peer's, counts.
	{"a client's own proto is not believed", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"203.0.113.7"}, "https, http", "203.0.113.7", "http", true},
	{"the peer's proto is the last", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"203.0.113.7"}, "http ,  HTTPS ", "203.0.113.7", "https", true},
	// Some proxies write an IPv6 client in brackets without a port, as
	// RFC 7239's for= does.
	{"bracketed IPv6 client without a port", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"[2001:db8::1]"}, "https", "2001:db8::1", "https", true},
	{"bracketed IPv6 proxy is skipped", prefixes("10.0.0.0/8", "2001:db8:f::/48"), "10.0.0.2:5000", []string{"203.0.113.7, [2001:db8:f::2]"}, "https", "203.0.113.7", "https", true},
	{"bracketed IPv4 is no entry", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"[203.0.113.7]"}, "https", "10.0.0.2:5000", "https", true},
	{"bracketed zone is no entry", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"[fe80::1%eth0]"}, "https", "10.0.0.2:5000", "https", true},
	{"zone is no entry", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"fe80::1%eth0"}, "https", "10.0.0.2:5000", "https", true},
	// Every entry a trusted proxy: the leftmost is as far as the list
	// goes, and is taken for the client.
	{"every entry a trusted proxy", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"10.0.0.5, 10.0.0.9"}, "https", "10.0.0.5", "https", true},
	{"a client's own entry is skipped", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"6.6.6.6, 203.0.113.7"}, "https", "203.0.113.7", "https", true},
	{"entries over two headers", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"6.6.6.6", "203.0.113.7"}, "", "203.0.113.7", "", true},
	{"untrusted peer", prefixes("10.0.0.0/8"), "192.0.2.1:5000", []string{"203.0.113.7"}, "https", "192.0.2.1:5000", "", false},
	{"no list trusts any peer", nil, "192.0.2.1:5000", []string{"203.0.113.7"}, "https", "203.0.113.7", "https", true},
	// Without a list the peer is trusted, but no entry is known to be a
	// proxy: the client is the entry the peer wrote, the rightmost.
	{"no list, a client's own entry is skipped", nil, "192.0.2.1:5000", []string{"6.6.6.6, 203.0.113.7"}, "https", "203.0.113.7", "https", true},
	{"no list, entries over two headers", nil, "192.0.2.1:5000", []string{"6.6.6.6", "203.0.113.7"}, "", "203.0.113.7", "", true},
	{"garbage entry", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"not-an-ip"}, "https", "10.0.0.2:5000", "https", true},
	{"unknown proto", prefixes("10.0.0.0/8"), "10.0.0.2:5000", []string{"203.0.113.7"}, "gopher", "203.0.113.7", "", true},
	// Nothing was forwarded: the peer is the client, not its proxy.
	{"no headers", prefixes("10.0.0.0/8"), "10.0.0.2:5000", nil, "", "10.0.0.2:5000", "", false},
	{"no list, no headers", nil, "192.0.2.1:5000", nil, "", "192.0.2.1:5000", "", false},
	{"proto only", prefixes("10.0.0.0/8"), "10.0.0.2:5000", nil, "https", "10.0.0.2:5000", "https", true},
	{"IPv4-mapped peer", prefixes("10.0.0.0/8"), "[::ffff:10.0.0.2]:5000", []string{"203.0.113.7"}, "https", "203.0.113.7", "https", true},
	// A link-local peer carries its zone; ranges have none, and the
	// PROXY stage compares peers without it too.
	{"link-local peer with a zone", prefixes("fe80::/10"), "[fe80::2%eth0]:5000", []string{"203.0.113.7"}, "https", "203.0.113.7", "https", true},
}

// TestForwarded: X-Forwarded-For and -Proto count from trusted peers
// only, and the client is read from the right past trusted proxies.
func TestForwarded(t *testing.T) {
	for _, tt := range forwardedTests {
		t.Run(tt.name, func(t *testing.T) {
			var gotRemote string
			var hop *Hop
			f := &Forwarded{Trusted: tt.trusted, Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotRemote, hop = r.RemoteAddr, ForwardedFrom(r.Context())
			})}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tt.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			f.ServeHTTP(httptest.NewRecorder(), r)
			if gotRemote != tt.wantRemote {
				t.Errorf("RemoteAddr %q, want %q", gotRemote, tt.wantRemote)
			}
			if (hop != nil) != tt.wantHop {
				t.Fatalf("hop %+v, want one: %v", hop, tt.wantHop)
			}
			if hop != nil && (hop.Proto != tt.wantProto || hop.Proxy != tt.remote) {
				t.Errorf("hop %+v, want proto %q from %s", hop, tt.wantProto, tt.remote)
			}
		})
	}
}

// FuzzForwardedClient: any header value gives either nothing or an
// address that was in it, in canonical form.
func FuzzForwardedClient(f *testing.F) {
	for _, tt := range forwardedTests {
		f.Add(strings.Join(tt.xff, ","))
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := ForwardedClient([]string{v}, func(a netip.Addr) bool { return a.IsPrivate() })
		if got == "" {
			return
		}
		if _, err := netip.ParseAddr(got); err != nil {
			if _, err := netip.ParseAddrPort(got); err != nil {
				t.Fatalf("%q gave %q, neither an address nor an address and port", v, got)
			}
		}
	})
}

// TestInfoClient: /info says who the client is and how its request came:
// directly over TLS, over plain HTTP, or through a proxy that ended TLS.
func TestInfoClient(t *testing.T) {
	h := &InfoHandler{Balancer: func(*http.Request) net.Addr {
		return &net.TCPAddr{IP: net.IPv4(10, 9, 8, 7), Port: 1234}
	}}
	get := func(t *testing.T, srv *httptest.Server, hdr map[string]string) clientInfo {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/info", nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc info
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		return doc.Client
	}
	fwd := map[string]string{"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}

	trusting := httptest.NewServer(&Forwarded{Trusted: prefixes("127.0.0.0/8"), Next: h})
	defer trusting.Close()
	c := get(t, trusting, fwd)
	if c.Address != "203.0.113.7" || c.Scheme != "https" || !c.TLSTerminatedUpstream || !strings.HasPrefix(c.Proxy, "127.0.0.1:") || c.Balancer != "10.9.8.7:1234" {
		t.Errorf("through a trusted proxy: %+v", c)
	}
	if c := get(t, trusting, nil); c.Scheme != "http" || c.TLSTerminatedUpstream || !strings.HasPrefix(c.Address, "127.0.0.1:") || c.Proxy != "" {
		t.Errorf("plain HTTP without forwarding headers: %+v", c)
	}
	// Without a list every peer is trusted, and a browser on the port
	// itself sends no X-Forwarded headers: it was not forwarded.
	anyPeer := httptest.NewServer(&Forwarded{Next: h})
	defer anyPeer.Close()
	if c := get(t, anyPeer, nil); c.Proxy != "" || c.Scheme != "http" || !strings.HasPrefix(c.Address, "127.0.0.1:") {
		t.Errorf("direct plain HTTP, no trusted list: %+v", c)
	}

	distrusting := httptest.NewServer(&Forwarded{Trusted: prefixes("192.0.2.0/24"), Next: h})
	defer distrusting.Close()
	if c := get(t, distrusting, fwd); c.Scheme != "http" || c.TLSTerminatedUpstream || c.Proxy != "" || !strings.HasPrefix(c.Address, "127.0.0.1:") {
		t.Errorf("headers from an untrusted peer were believed: %+v", c)
	}

	direct := httptest.NewTLSServer(h)
	defer direct.Close()
	if c := get(t, direct, fwd); c.Scheme != "https" || c.TLSTerminatedUpstream || c.Proxy != "" {
		t.Errorf("over TLS: %+v", c)
	}

	// A request that came over TLS to this server had TLS end here, not
	// upstream, whatever a trusted proxy or a balancer's header says.
	trustingTLS := httptest.NewTLSServer(&Forwarded{Trusted: prefixes("127.0.0.0/8"), Next: h})
	defer trustingTLS.Close()
	if c := get(t, trustingTLS, fwd); c.Scheme != "https" || c.TLSTerminatedUpstream || !strings.HasPrefix(c.Proxy, "127.0.0.1:") {
		t.Errorf("over TLS through a trusted proxy saying https: %+v", c)
	}
	upstream := &InfoHandler{UpstreamTLS: func(*http.Request) bool { return true }}
	upstreamTLS := httptest.NewTLSServer(upstream)
	defer upstreamTLS.Close()
	if c := get(t, upstreamTLS, nil); c.Scheme != "https" || c.TLSTerminatedUpstream {
		t.Errorf("over TLS with a balancer's header saying TLS: %+v", c)
	}
	upstreamPlain := httptest.NewServer(upstream)
	defer upstreamPlain.Close()
	if c := get(t, upstreamPlain, nil); c.Scheme != "https" || !c.TLSTerminatedUpstream {
		t.Errorf("plain HTTP with a balancer's header saying TLS: %+v", c)
	}
}
