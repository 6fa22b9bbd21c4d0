package main

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzListenAddrs gives two listener settings any values. Whether they
// take the same port does not depend on their order, and a setting with
// a port takes its own; splitListenAddr agrees with net.SplitHostPort and
// strconv on host and port; and the /healthz URL tlsecho health asks for
// a setting checkAddr takes, with an address or a DNS name for host,
// parses back to its host (loopback for a wildcard) and port.
func FuzzListenAddrs(f *testing.F) {
	for _, s := range [][2]string{
		{":8433", "127.0.0.1:8433"}, {"[::]:8443", "0.0.0.0:8443"}, {"[::ffff:127.0.0.1]:1", "127.0.0.1:01"},
		{"localhost:1", "LOCALHOST:1"}, {"[fe80::1%eth0]:9090", "[fe80::1%eth1]:9090"}, {":0", ":0"},
		{"a:b", "a:65536"}, {"[::1]:9090", "::1:9090"}, {"127.0.0.1:8433", "127.0.0.2:8433"}, {"[fe80::1%25eth0]:1", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if samePort(a, b) != samePort(b, a) {
			t.Fatalf("samePort(%q, %q) = %v, but samePort(%q, %q) = %v", a, b, samePort(a, b), b, a, samePort(b, a))
		}
		host, port, splitErr := net.SplitHostPort(a)
		n, portErr := strconv.ParseUint(port, 10, 16)
		sh, sp, ok := splitListenAddr(a)
		if want := splitErr == nil && portErr == nil && n != 0; ok != want || ok && (sh != host || sp != n) {
			t.Fatalf("splitListenAddr(%q) = %q, %d, %v", a, sh, sp, ok)
		}
		if ok && !samePort(a, a) {
			t.Fatalf("%q does not take its own port", a)
		}
		if checkAddr(a) != nil || net.ParseIP(host) == nil && strings.Trim(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") != "" {
			// Refused with the rest of the settings, or a name no
			// lookup finds ("[#]:0"), which the server cannot listen on.
			return
		}
		raw := healthURL("http", a)
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("health URL %q of %q does not parse: %v", raw, a, err)
		}
		want := host
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			want = "127.0.0.1"
			if ip != nil && ip.To4() == nil {
				want = "::1"
			}
		}
		if u.Hostname() != want || u.Port() != port || u.Path != "/healthz" {
			t.Fatalf("health URL %q of %q: host %q port %q path %q; want host %q port %q", raw, a, u.Hostname(), u.Port(), u.Path, want, port)
		}
	})
}
