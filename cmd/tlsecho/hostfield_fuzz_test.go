package main

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

// FuzzHostField checks validHostField against net.SplitHostPort: a Host
// it takes splits into a host and a port of digits (the port added when
// the value has none), the host holds no bracket, and a host with a colon
// is an IPv6 address, which only brackets may carry.
func FuzzHostField(f *testing.F) {
	for _, tt := range hostFieldTests {
		f.Add(tt.host)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if !validHostField(v) || v == "" {
			return
		}
		host, port, err := net.SplitHostPort(v)
		if err != nil {
			host, port, err = net.SplitHostPort(v + ":")
		}
		if err != nil {
			t.Fatalf("validHostField(%q) = true, but it splits into no host and port: %v", v, err)
		}
		if strings.Trim(port, "0123456789") != "" || strings.ContainsAny(host, "[]") {
			t.Fatalf("validHostField(%q) = true: host %q, port %q", v, host, port)
		}
		if strings.Contains(host, ":") {
			if a, err := netip.ParseAddr(host); err != nil || !a.Is6() || !strings.HasPrefix(v, "[") {
				t.Fatalf("validHostField(%q) = true: host %q is no bracketed IPv6 address", v, host)
			}
		}
	})
}
