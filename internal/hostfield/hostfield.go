// Package hostfield reads the Host field of an HTTP request (RFC 9110
// section 7.2), as every surface of tlsecho that takes the Host for a
// name does: the 400 for a Host that is no host[:port], the admin port's
// defence against DNS rebinding, and the commands /info writes for the
// client.
//
// [Valid] is the strict reading; [Host] takes the host out of any value.
// They agree on every value Valid takes: Host is then the host Valid
// read, without the brackets of an IPv6 literal. On a value Valid refuses
// Host still reads what it can ("a:b" gives "a", "[::1" gives "::1"):
// tlsecho's listeners answer such a value 400 before any handler, so
// their handlers never see one, but a handler served without that check
// (the web package on its own) gets a host rather than nothing, and
// decides itself what to make of it.
package hostfield

import (
	"net"
	"net/netip"
	"strings"
)

// Valid reports whether v is empty (HTTP/1.0 may send no Host) or
// uri-host [":" port] (RFC 9110 section 7.2): an IPv6 address only
// within brackets and without a zone, no other bracket or colon in the
// host, and a port of digits only (RFC 3986 section 3.2.3 allows it
// empty). IPvFuture literals are refused: no client sends them.
func Valid(v string) bool {
	host, port, hasPort := v, "", false
	if strings.HasPrefix(v, "[") {
		end := strings.IndexByte(v, ']')
		if end < 0 {
			return false
		}
		a, err := netip.ParseAddr(v[1:end])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return false
		}
		rest := v[end+1:]
		if rest != "" && rest[0] != ':' {
			return false
		}
		host, port, hasPort = "", strings.TrimPrefix(rest, ":"), rest != ""
	} else if i := strings.IndexByte(v, ':'); i >= 0 {
		host, port, hasPort = v[:i], v[i+1:], true
	}
	if strings.ContainsAny(host, "[]:") {
		return false
	}
	if hasPort && strings.Trim(port, "0123456789") != "" {
		return false
	}
	return true
}

// Host is the host of the Host field v, without its port and without the
// brackets of an IPv6 literal; a value without a port is its own host.
// It does not check v (see the package documentation): a caller that
// needs a valid field asks Valid first.
func Host(v string) string {
	if h, _, err := net.SplitHostPort(v); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
}
