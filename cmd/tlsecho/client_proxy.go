package main

import (
	"net"
	"net/netip"

	"github.com/pires/go-proxyproto"
)

// checkProxy checks -proxy-source, which only means something with
// -proxy-v2.
func (o *clientOptions) checkProxy() error {
	if o.proxySource == "" {
		return nil
	}
	if !o.proxyV2 {
		return clientUsageErr("-proxy-source needs -proxy-v2")
	}
	if _, err := netip.ParseAddrPort(o.proxySource); err != nil {
		return clientUsageErr("-proxy-source %q: want an IP address and port such as 203.0.113.7:4711 or [2001:db8::7]:4711", o.proxySource)
	}
	return nil
}

// sendProxyHeader writes the PROXY protocol v2 header of -proxy-v2 as the
// first bytes of the connection, as a load balancer in front of the
// server would: it names this client (or -proxy-source) and the server's
// address. It returns the client it named, for the report.
func (c *client) sendProxyHeader(raw net.Conn) (string, error) {
	src := raw.LocalAddr()
	if c.o.proxySource != "" {
		src = net.TCPAddrFromAddrPort(netip.MustParseAddrPort(c.o.proxySource))
	}
	if _, err := proxyproto.HeaderProxyFromAddrs(2, src, raw.RemoteAddr()).WriteTo(raw); err != nil {
		return "", err
	}
	return src.String(), nil
}
