package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// nameLookupTimeout bounds the lookups of checkNamedPorts: a resolver
// that does not answer must not hold the start longer than this before
// the bind tries, and reports, on its own.
const nameLookupTimeout = 5 * time.Second

// lookupFunc resolves a host name to its addresses, in the resolver's
// order.
type lookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// lookupHost is the resolver net.Listen uses.
func lookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// checkNamedPorts is checkOwnPorts for listeners set by host name, such
// as TLSECHO_TLS_ADDR=localhost:8433 beside TLSECHO_HTTPS_ADDR=
// 127.0.0.1:8433: two listeners of this server that would bind one
// address and port are refused before anything binds, naming both
// variables, rather than left to the kernel's "address already in use",
// which sends the operator after another process. It runs at start, not
// with the other checks of the settings, since it looks names up.
//
// A name is looked up and its address picked as net.Listen picks it (the
// first IPv4 address of the answer, or its first address when it has no
// IPv4 one), so what the kernel would allow is never refused; a name that
// does not resolve is left to the bind, which says why. Only listeners on
// one port number (not 0) with a name on either side cost a lookup.
func checkNamedPorts(ctx context.Context, addrs []listenerAddr, lookup lookupFunc) error {
	ctx, cancel := context.WithTimeout(ctx, nameLookupTimeout)
	defer cancel()
	bound := map[string]netip.Addr{} // lower-case name: the address it binds
	looked := map[string]bool{}
	bindsOn := func(host string) (netip.Addr, bool) {
		if ip, ok := listenIP(host); ok {
			return ip, true
		}
		key := strings.ToLower(host)
		if !looked[key] {
			looked[key] = true
			if ips, err := lookup(ctx, host); err == nil && len(ips) > 0 {
				bound[key] = listenPick(ips)
			}
		}
		ip, ok := bound[key]
		return ip, ok
	}
	for i, b := range addrs {
		hb, pb, ok := splitListenAddr(b.val)
		if !ok {
			continue
		}
		for _, a := range addrs[:i] {
			ha, pa, ok := splitListenAddr(a.val)
			if !ok || pa != pb || (isListenIP(ha) && isListenIP(hb)) {
				continue
			}
			ipA, okA := bindsOn(ha)
			ipB, okB := bindsOn(hb)
			if !okA || !okB || (ipA != ipB && !ipA.IsUnspecified() && !ipB.IsUnspecified()) {
				continue
			}
			second := describeListen(b.val, hb, ipB)
			if !isListenIP(hb) {
				second += ","
			}
			return &configError{Var: envPrefix + b.name, Err: fmt.Errorf(
				"%s takes the port of %s%s (%s); each listener needs a port of its own",
				second, envPrefix, a.name, describeListen(a.val, ha, ipA))}
		}
	}
	return nil
}

// splitListenAddr returns the host and port number of a listener's
// setting; ok is false for port 0, which never collides, and for what
// checkAddr would refuse.
func splitListenAddr(addr string) (host string, port uint64, ok bool) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, false
	}
	port, err = strconv.ParseUint(p, 10, 16)
	return host, port, err == nil && port != 0
}

// isListenIP reports whether a listen host is an address (or empty: every
// address) rather than a name.
func isListenIP(host string) bool {
	_, ok := listenIP(host)
	return ok
}

// listenPick is the address net.Listen binds for a name that resolves to
// ips: the first IPv4 one, or the first.
func listenPick(ips []netip.Addr) netip.Addr {
	for _, ip := range ips {
		if ip.Unmap().Is4() {
			return ip.Unmap()
		}
	}
	return ips[0]
}

// describeListen quotes a listener's setting and, for one set by name,
// says the address it binds, which is where the clash is.
func describeListen(val, host string, ip netip.Addr) string {
	if isListenIP(host) {
		return strconv.Quote(val)
	}
	return fmt.Sprintf("%q, which listens on %s", val, ip)
}
