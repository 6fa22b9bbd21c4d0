package web

import (
	"net"
	"strconv"

	"github.com/tlsecho/tlsecho/internal/hostfield"
)

// rawTLS builds the commands that reach the raw TLS port, for a client
// that asked for the page as requestHost (a Host header).
func rawTLS(requestHost string, addr net.Addr, proxyRequired bool) *rawTLSInfo {
	if addr == nil {
		return nil
	}
	cmd, ok := RawTLSCommands(clientHost(requestHost), addr, proxyRequired)
	if !ok {
		return nil
	}
	return &rawTLSInfo{Host: cmd.Host, Port: cmd.Port, OpenSSL: cmd.OpenSSL, Client: cmd.Client}
}

// RawTLS are the commands that reach the raw TLS listener, as /info and
// the start log suggest them.
type RawTLS struct {
	// Host and Port are where the commands connect.
	Host string
	Port int
	// OpenSSL is an openssl s_client command line, Client a tlsecho
	// client one. OpenSSL is empty when the port requires a PROXY
	// protocol header: openssl s_client cannot send one, and the port
	// closes a connection without it before the handshake.
	OpenSSL, Client string
}

// RawTLSCommands returns the commands that reach the raw TLS listener
// bound at addr, for a user who knows the server as host (a DNS name or
// an IP address, as a client would write it). The port is the one the
// listener is bound to. The host is the listener's own address when it is
// bound to one (TLSECHO_TLS_ADDR=[::1]:8433): host may not reach it there.
// On a wildcard address it is host, since that is the name the user can
// resolve and the certificate was made for. A bound address for a host
// known by name keeps that name as SNI (-servername), so the certificate
// still checks out against it. With proxyRequired (the port requires a
// PROXY protocol header) the tlsecho client command sends one
// (-proxy-v2), as a load balancer would, and there is no openssl
// command. ok is false when addr has no port.
func RawTLSCommands(host string, addr net.Addr, proxyRequired bool) (cmd RawTLS, ok bool) {
	boundHost, portStr, err := net.SplitHostPort(addr.String())
	if err != nil {
		return cmd, false
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return cmd, false
	}
	var sni string
	if ip := net.ParseIP(boundHost); ip != nil && !ip.IsUnspecified() {
		if net.ParseIP(host) == nil {
			sni = host
		}
		host = ip.String()
	}
	hp := net.JoinHostPort(host, portStr)
	cmd = RawTLS{Host: host, Port: port, OpenSSL: "openssl s_client -connect " + hp}
	client := "tlsecho client"
	if proxyRequired {
		cmd.OpenSSL = ""
		client += " -proxy-v2"
	}
	if sni != "" {
		if cmd.OpenSSL != "" {
			cmd.OpenSSL += " -servername " + sni
		}
		client += " -servername " + sni
	}
	cmd.Client = client + " tls://" + hp
	return cmd, true
}

// clientHost takes the host out of a Host header, as hostfield.Host reads
// it. The header comes from the client and ends up in a command line a
// user may paste into a shell, so anything but an IP address or a plain
// DNS name falls back to localhost, and so does an empty host.
func clientHost(hostHeader string) string {
	host := hostfield.Host(hostHeader)
	if host == "" {
		return "localhost"
	}
	if net.ParseIP(host) != nil {
		return host
	}
	if len(host) > 253 {
		return "localhost"
	}
	for _, c := range host {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "localhost"
		}
	}
	return host
}
