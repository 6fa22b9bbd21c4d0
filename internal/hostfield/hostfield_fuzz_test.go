package hostfield

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

// FuzzHostField checks Valid against net.SplitHostPort: a Host it takes
// splits into a host and a port of digits (the port added when the value
// has none), the host holds no bracket, and a host with a colon is an
// IPv6 address, which only brackets may carry; Host is then that host.
// On any value Host is SplitHostPort's host, or the value itself when it
// does not split, without the brackets of an IPv6 literal, as web's
// commands read a Host before it was shared.
func FuzzHostField(f *testing.F) {
	for _, tt := range fieldTests {
		f.Add(tt.v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		read := v
		if h, _, err := net.SplitHostPort(v); err == nil {
			read = h
		}
		read = strings.TrimSuffix(strings.TrimPrefix(read, "["), "]")
		if got := Host(v); got != read {
			t.Fatalf("Host(%q) = %q, want %q", v, got, read)
		}
		if !Valid(v) || v == "" {
			return
		}
		host, port, err := net.SplitHostPort(v)
		if err != nil {
			host, port, err = net.SplitHostPort(v + ":")
		}
		if err != nil {
			t.Fatalf("Valid(%q) = true, but it splits into no host and port: %v", v, err)
		}
		if strings.Trim(port, "0123456789") != "" || strings.ContainsAny(host, "[]") {
			t.Fatalf("Valid(%q) = true: host %q, port %q", v, host, port)
		}
		if strings.Contains(host, ":") {
			if a, err := netip.ParseAddr(host); err != nil || !a.Is6() || !strings.HasPrefix(v, "[") {
				t.Fatalf("Valid(%q) = true: host %q is no bracketed IPv6 address", v, host)
			}
		}
		if got := Host(v); got != host {
			t.Fatalf("Valid(%q) = true with host %q, but Host(%q) = %q", v, host, v, got)
		}
	})
}
