package main

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// listenerAddr is one listener's setting, as checkAddr accepted it.
type listenerAddr struct {
	name, val string
}

// listenerAddrs returns the settings of the listeners that are on, in
// the order they bind: the raw TLS and HTTPS ones always, the admin and
// plain HTTP ones unless empty.
func (c *Config) listenerAddrs() []listenerAddr {
	on := []listenerAddr{{"TLS_ADDR", c.TLSAddr}, {"HTTPS_ADDR", c.HTTPSAddr}}
	if c.AdminAddr != "" {
		on = append(on, listenerAddr{"ADMIN_ADDR", c.AdminAddr})
	}
	if c.HTTPAddr != "" {
		on = append(on, listenerAddr{"HTTP_ADDR", c.HTTPAddr})
	}
	return on
}

// checkOwnPorts refuses two listeners of this server set to one port
// where the second could not bind. The kernel would say "address already
// in use", which sends the operator looking for another process holding
// the port, when it is this server's own settings that collide (a
// template that copied TLSECHO_TLS_ADDR into TLSECHO_HTTPS_ADDR, say).
// Port 0 picks a free port for each and never collides.
func checkOwnPorts(addrs []listenerAddr) error {
	for i, b := range addrs {
		for _, a := range addrs[:i] {
			if samePort(a.val, b.val) {
				return &configError{Var: envPrefix + b.name, Err: fmt.Errorf(
					"%q takes the port of %s%s (%q); each listener needs a port of its own", b.val, envPrefix, a.name, a.val)}
			}
		}
	}
	return nil
}

// samePort reports whether listening on both a and b cannot succeed: the
// same port, and hosts that are the same, or where one is a wildcard.
// Go listens on a wildcard ("", 0.0.0.0 or ::) with one socket for IPv4
// and IPv6 both, so a wildcard takes the port on every address. Two
// different names, or a name and an address, are left to
// checkNamedPorts, which looks the names up.
func samePort(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil {
		return false
	}
	na, errA := strconv.ParseUint(pa, 10, 16)
	nb, errB := strconv.ParseUint(pb, 10, 16)
	if errA != nil || errB != nil || na == 0 || na != nb {
		return false
	}
	ipA, isIPA := listenIP(ha)
	ipB, isIPB := listenIP(hb)
	switch {
	case isIPA && ipA.IsUnspecified(), isIPB && ipB.IsUnspecified():
		return true
	case isIPA && isIPB:
		return ipA == ipB
	}
	return strings.EqualFold(ha, hb)
}

// listenIP parses a listen host as an IP address, with the empty host
// (every address) read as the unspecified one and an IPv4-mapped IPv6
// address as the IPv4 address it binds.
func listenIP(host string) (netip.Addr, bool) {
	if host == "" {
		return netip.IPv6Unspecified(), true
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}
