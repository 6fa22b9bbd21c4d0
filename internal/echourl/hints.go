package echourl

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// bracketIPv6Host reports whether u's host is an IPv6 address written
// without brackets (tls://::1:8433), and returns the URL as it should be
// written (tls://[::1]:8433). RFC 3986 section 3.2.2 wants the brackets,
// and without them the host and port cannot be told apart: Go reads
// tls://::1 as host ":" and port 1, which would be reported as a name
// that does not resolve, and ::1:8433 is itself an IPv6 address. The
// last colon is taken to start the port when what is left of it is an
// address, as a user who must give tls:// a port most likely meant;
// otherwise the whole host is the address.
func bracketIPv6Host(u *url.URL) (string, bool) {
	h := u.Host
	if strings.HasPrefix(h, "[") || strings.Count(h, ":") < 2 {
		return "", false
	}
	fixed := *u
	i := strings.LastIndexByte(h, ':')
	if _, err := netip.ParseAddr(h[:i]); err == nil && u.Port() != "" {
		fixed.Host = "[" + h[:i] + "]" + h[i:]
	} else if _, err := netip.ParseAddr(h); err == nil {
		fixed.Host = "[" + h + "]"
		if u.Scheme == "tls" {
			fixed.Host += ":8433"
		}
	} else {
		return "", false
	}
	return fixed.String(), true
}

// zoneEscaped returns raw with the "%" that starts an IPv6 zone written
// "%25" (tls://[fe80::1%eth0]:8433 as tls://[fe80::1%25eth0]:8433), when
// its bracketed host has one written bare. RFC 6874 escapes it, as Go's
// URL parser wants; a bare one reads to that parser as a bad escape
// ("invalid URL escape "%et""), which names no zone.
func zoneEscaped(raw string) (string, bool) {
	open := strings.Index(raw, "://[")
	if open < 0 {
		return "", false
	}
	open += len("://[")
	end := strings.IndexByte(raw[open:], ']')
	if end < 0 {
		return "", false
	}
	host := raw[open : open+end]
	if strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		// The hint writes the URL out unquoted: one with a control
		// character (a newline) gets the quoted error alone.
		return "", false
	}
	i := strings.IndexByte(host, '%')
	if i < 0 || strings.HasPrefix(host[i:], "%25") {
		return "", false
	}
	fixed := raw[:open] + host[:i] + "%25" + host[i+1:] + raw[open+end:]
	// A tls:// URL needs a port: offer one, as bracketIPv6Host does,
	// rather than a URL refused next for the want of it.
	if u, err := url.Parse(fixed); err == nil && u.Scheme == "tls" && u.Port() == "" {
		u.Host = strings.TrimSuffix(u.Host, ":") + ":8433"
		fixed = u.String()
	}
	return fixed, true
}

// escapeQuery percent-encodes the bytes of a URL's query that RFC 3986
// (section 3.4) does not allow there: spaces, controls, non-ASCII and
// the few printable ones such as '"', '<', '>' and '#'. What is allowed,
// '%' escapes included, stays as written, so a query typed already
// escaped is sent unchanged.
func escapeQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if c := q[i]; queryByte(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// queryByte reports whether c may stand as itself in a query: unreserved,
// sub-delims, ':', '@', '/', '?', and '%' of an escape.
func queryByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/?%", c) >= 0
}
