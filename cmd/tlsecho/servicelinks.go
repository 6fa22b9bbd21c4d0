package main

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// serviceLinkName matches the names of the variables Kubernetes sets in
// every container for each Service of its namespace (its "service
// links", after Docker's links): for a Service named tlsecho, as
// deploy/kubernetes names it, TLSECHO_SERVICE_HOST, TLSECHO_SERVICE_PORT,
// TLSECHO_SERVICE_PORT_TLS, TLSECHO_PORT and TLSECHO_PORT_8433_TCP with
// its _PROTO, _PORT and _ADDR. The groups are the part after the Service
// name: 1 SERVICE_HOST, 2 SERVICE_PORT[_NAME], 3 PORT, 4 the protocol of
// PORT_N_PROTO, 5 its suffix.
var serviceLinkName = regexp.MustCompile(`^[A-Z0-9_]+?_(?:(SERVICE_HOST)|(SERVICE_PORT(?:_[A-Z0-9_]+)?)|(PORT)|PORT_[0-9]+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)$`)

// isServiceLink reports whether name=value is a variable Kubernetes set
// for a Service, name and value both in the form it writes: no tlsecho
// setting, and no typo of one either, so the server need not warn of it.
// The value is checked too, so that a setting misspelt into one of these
// names (TLSECHO_TLS_PORT=8433) is still warned of.
func isServiceLink(name, value string) bool {
	m := serviceLinkName.FindStringSubmatch(name)
	switch {
	case m == nil:
		return false
	case m[1] != "": // SERVICE_HOST: the cluster IP
		return isIP(value)
	case m[2] != "": // SERVICE_PORT[_NAME]: a port
		return isPort(value)
	case m[3] != "": // PORT: the first port as a URL
		return isPortURL(value)
	}
	switch m[5] {
	case "_PROTO":
		return value == strings.ToLower(m[4])
	case "_PORT":
		return isPort(value)
	case "_ADDR":
		return isIP(value)
	}
	return isPortURL(value)
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func isPort(s string) bool {
	n, err := strconv.ParseUint(s, 10, 16)
	return err == nil && n > 0
}

// isPortURL reports whether s is tcp://IP:PORT (udp, sctp), the form of
// TLSECHO_PORT and TLSECHO_PORT_8433_TCP.
func isPortURL(s string) bool {
	for _, proto := range []string{"tcp://", "udp://", "sctp://"} {
		if rest, ok := strings.CutPrefix(s, proto); ok {
			ap, err := netip.ParseAddrPort(rest)
			return err == nil && ap.Port() > 0
		}
	}
	return false
}
