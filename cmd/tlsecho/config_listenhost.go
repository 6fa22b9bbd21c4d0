package main

import (
	"fmt"
	"net/netip"
	"strings"
)

// checkListenHost refuses the host part of a listener address that no
// bind could use: one that is neither empty (every interface), nor an IP
// address (an IPv6 one with its zone), nor a name a lookup could take.
// Such a host ("[#]:0", "[::1%]:0") passed the settings and failed at
// the bind, exit 1 with the resolver's "no such host", where a bad
// setting exits 2 before anything binds. A name is judged by its letters
// alone, as Go's resolver judges one before it asks anything: ASCII
// letters, digits, '-' and '_' in labels of 1 to 63 bytes between dots,
// 253 bytes in all, and a final dot. Whether a name resolves stays the
// bind's to find out (checkNamedPorts looks names up for another reason,
// and leaves those that do not resolve to it).
func checkListenHost(addr, host, port string) error {
	if host == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	} else if strings.Contains(host, ":") {
		// Meant as an IPv6 address: netip says what is wrong with it.
		return fmt.Errorf("%q: bad host %q (%v); leave the host out (%q) to listen on every interface", addr, host, err, ":"+port)
	}
	if !nameSpelling(host) {
		return fmt.Errorf("%q: bad host %q, neither an IP address nor a host name (ASCII letters, digits, '-' and '_', in labels between dots); leave the host out (%q) to listen on every interface", addr, host, ":"+port)
	}
	return nil
}

// nameSpelling reports whether host is spelt as a DNS name Go's resolver
// would look up (see checkListenHost).
func nameSpelling(host string) bool {
	name := strings.TrimSuffix(host, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
