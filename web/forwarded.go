package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Forwarded honours X-Forwarded-For and X-Forwarded-Proto on requests from
// trusted peers, for a plain HTTP listener behind a proxy that terminates
// TLS (an ingress, HAProxy in HTTP mode): r.RemoteAddr becomes the client
// the proxy saw, and the request's context records the proxy and the
// scheme the client used (see [ForwardedFrom]), which /info reports and the
// page follows. Requests from any other peer pass unchanged: their
// X-Forwarded headers are the client's own word and are ignored. So do
// requests with neither header: nothing says they were forwarded.
//
// Mount it only on a listener whose traffic comes through such a proxy; on
// a TLS listener the scheme and the client are known first hand.
type Forwarded struct {
	// Trusted are the proxies whose X-Forwarded headers count. Empty: any
	// peer's, as for a listener only the proxy can reach; the client is
	// then the last X-Forwarded-For entry, the one that peer wrote. Peers
	// and entries are compared unmapped (::ffff:10.0.0.7 is 10.0.0.7), so
	// IPv4 ranges are to be given as IPv4 prefixes (10.0.0.0/8, not
	// ::ffff:10.0.0.0/104).
	Trusted []netip.Prefix
	// Relayed, when set, reports whether the request's connection was
	// relayed by its peer for a client the peer's address does not stand
	// for: a PROXY protocol header that named a Unix-socket or UDP client,
	// where the listener keeps the balancer as the peer. Such a balancer
	// in TCP mode passes the client's bytes through, X-Forwarded headers
	// included, so they are the client's own word, however trusted the
	// peer. Nil: no connection is.
	Relayed func(r *http.Request) bool
	// Next serves the request.
	Next http.Handler
}

// Hop is what a trusted proxy said about a request.
type Hop struct {
	// Proxy is the address the request came from: the proxy.
	Proxy string
	// Client is the client as X-Forwarded-For names it, or empty when the
	// header was absent or unusable.
	Client string
	// Proto is "https" or "http" as the last X-Forwarded-Proto value
	// says (the one the trusted peer wrote), or empty.
	Proto string
}

type hopKey struct{}

// ForwardedFrom returns what a trusted proxy said about the request, or
// nil when it did not come through Forwarded from a trusted peer that
// sent X-Forwarded-For or X-Forwarded-Proto.
func ForwardedFrom(ctx context.Context) *Hop {
	h, _ := ctx.Value(hopKey{}).(*Hop)
	return h
}

// ServeHTTP implements http.Handler.
func (f *Forwarded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A request without X-Forwarded headers came straight from its peer,
	// as far as anyone can tell (a browser on the port itself, a proxy's
	// own health check): naming that peer as its proxy would show the
	// client as forwarded by itself, which is every direct request when
	// no list is set.
	fwd := len(r.Header.Values("X-Forwarded-For")) > 0 || len(r.Header.Values("X-Forwarded-Proto")) > 0
	peer, ok := remoteIP(r.RemoteAddr)
	if !fwd || !ok || !f.trusts(peer) || f.Relayed != nil && f.Relayed(r) {
		f.Next.ServeHTTP(w, r)
		return
	}
	hop := &Hop{Proxy: r.RemoteAddr, Client: ForwardedClient(r.Header.Values("X-Forwarded-For"), f.isProxy)}
	switch p := strings.ToLower(lastValue(r.Header.Values("X-Forwarded-Proto"))); p {
	case "http", "https":
		hop.Proto = p
	}
	r = r.WithContext(context.WithValue(r.Context(), hopKey{}, hop))
	if hop.Client != "" {
		r.RemoteAddr = hop.Client
	}
	f.Next.ServeHTTP(w, r)
}

// isProxy reports whether an X-Forwarded-For entry names one of the
// Trusted proxies. Without a list any peer is trusted, but no entry can be
// told to be a proxy: the client is then the entry the peer itself wrote,
// the rightmost, and one the client sent ahead of it is not believed.
func (f *Forwarded) isProxy(ip netip.Addr) bool {
	return len(f.Trusted) > 0 && f.trusts(ip)
}

func (f *Forwarded) trusts(ip netip.Addr) bool {
	if len(f.Trusted) == 0 {
		return true
	}
	for _, p := range f.Trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ForwardedClient picks the client out of X-Forwarded-For values: each
// proxy appends the address it received the request from, so the list is
// read from the right, past the trusted proxies, and the first address
// that is not one of them is the client. (Entries further left were
// written by that client and prove nothing.) When every entry is trusted,
// the leftmost is the client. It returns "" when the header is absent or
// its entry at that position is not an IP address, optionally with a
// port; the result is the address in canonical form, with the port when
// one was given.
func ForwardedClient(values []string, trusted func(netip.Addr) bool) string {
	var entries []string
	for _, v := range values {
		for e := range strings.SplitSeq(v, ",") {
			entries = append(entries, strings.TrimSpace(e))
		}
	}
	for i := len(entries) - 1; i >= 0; i-- {
		ap, ok := parseHop(entries[i])
		if !ok {
			return ""
		}
		if i == 0 || !trusted(ap.Addr()) {
			if ap.Port() == 0 {
				return ap.Addr().String()
			}
			return ap.String()
		}
	}
	return ""
}

// parseHop reads one X-Forwarded-For entry: "192.0.2.1", "2001:db8::1",
// "[2001:db8::1]", "192.0.2.1:4711" or "[2001:db8::1]:4711". Port 0
// stands for none. The bracketed IPv6 address without a port is how
// some proxies write every IPv6 client (and how RFC 7239 writes one in
// Forwarded's for=), so it is as good an entry as the bare address.
func parseHop(s string) (netip.AddrPort, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.AddrPortFrom(a.Unmap(), 0), true
	}
	if inner, ok := strings.CutPrefix(s, "["); ok {
		if inner, ok := strings.CutSuffix(inner, "]"); ok {
			// Brackets are for IPv6 only, as in "[2001:db8::1]:4711"
			// (netip.ParseAddrPort refuses "[192.0.2.1]:4711" too).
			if a, err := netip.ParseAddr(inner); err == nil && a.Is6() && a.Zone() == "" {
				return netip.AddrPortFrom(a.Unmap(), 0), true
			}
		}
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	return netip.AddrPort{}, false
}

// remoteIP is the IP address of an http.Request's RemoteAddr.
func remoteIP(remoteAddr string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	// Compared with ranges, which carry no zone (a zoned address is in
	// none), as the PROXY stage compares its peers: a link-local proxy is
	// trusted for both alike.
	return a.WithZone("").Unmap(), err == nil
}

// lastValue is the last entry of a header's comma lists, trimmed: the
// one the trusted peer wrote when a chain of proxies appends to
// X-Forwarded-Proto. Entries to its left came from further out, where
// the client itself may have sent one: a client on plain http that
// sends "X-Forwarded-Proto: https" through a proxy that appends "http"
// must not be taken for one on https.
func lastValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}
