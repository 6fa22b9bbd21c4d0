package main

import (
	"net"
	"strings"
	"testing"
)

// TestClientZoneEscape: an IPv6 zone written with a bare "%" in the URL
// (tls://[::1%lo]:P), which Go's URL parser refuses as an invalid
// escape, gets the URL as it should read, with the "%25" of RFC 6874;
// that URL reaches the server.
func TestClientZoneEscape(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	addr := serveTLSOn(t, ln, hostileCert(t), nil, func(c net.Conn) {
		buf := make([]byte, 2)
		if n, err := c.Read(buf); err == nil {
			c.Write(buf[:n])
		}
	})
	_, port, _ := net.SplitHostPort(addr)
	lo := loopbackName(t)
	r := runClient(t, "", "-insecure", "tls://[::1%"+lo+"]:"+port, "hi")
	r.want(t, exitUsage, nil, []string{`an IPv6 zone's "%" is written "%25" in a URL (RFC 6874): tls://[::1%25` + lo + "]:" + port})
	r = runClient(t, "", "-insecure", "-timeout", "5s", "tls://[::1%25"+lo+"]:"+port, "hi")
	r.want(t, exitOK, []string{"echo          hi"}, nil)
	if strings.Contains(r.stderr, "invalid URL escape") {
		t.Errorf("Go's words only: %s", r.stderr)
	}
	// A zone already escaped is not escaped again when the URL is wrong
	// elsewhere (here its port).
	r = runClient(t, "", "tls://[::1%25"+lo+"]:x", "hi")
	r.want(t, exitUsage, nil, []string{"invalid port"})
	if strings.Contains(r.stderr, "%2525") {
		t.Errorf("the hint escapes %%25 again: %s", r.stderr)
	}
}

// loopbackName is the name of the loopback interface ("lo" on Linux).
func loopbackName(t *testing.T) string {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Skip(err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 {
			return i.Name
		}
	}
	t.Skip("no loopback interface")
	return ""
}
