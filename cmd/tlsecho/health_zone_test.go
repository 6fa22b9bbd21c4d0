package main

import (
	"bytes"
	"context"
	"net"
	"testing"
)

// TestHealthZonedAdmin: an admin address with an IPv6 zone, which serve
// listens on, is one health asks too. The zone's "%" must go into the URL
// as "%25" (RFC 6874); written as it is, the URL did not parse and health
// failed with `invalid URL escape "%lo"` while the server was healthy.
func TestHealthZonedAdmin(t *testing.T) {
	t.Parallel()
	needIPv6(t)
	lo := loopbackInterface(t)
	admin := "[::1%" + lo + "]:0"
	ta := startApp(t, map[string]string{"ADMIN_ADDR": admin})
	_, port, err := net.SplitHostPort(ta.AdminAddr)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	env := []string{"TLSECHO_ADMIN_ADDR=[::1%" + lo + "]:" + port}
	if code := run(context.Background(), []string{"health"}, env, nil, &stdout, &stderr); code != exitOK {
		t.Errorf("health with %s: exit %d, want 0; stdout %q stderr %q", env[0], code, stdout.String(), stderr.String())
	}
}

// loopbackInterface is the name of the loopback interface ("lo" on
// Linux, "lo0" on the BSDs), for an IPv6 zone.
func loopbackInterface(t *testing.T) string {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Skip("no interfaces:", err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 && i.Flags&net.FlagUp != 0 {
			return i.Name
		}
	}
	t.Skip("no loopback interface")
	return ""
}
