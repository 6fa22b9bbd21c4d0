package main

import (
	"crypto/x509"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
)

// FuzzOwnHost checks the admin port's guard against DNS rebinding
// against crypto/x509's name matching: a browser's Host is taken as the
// server's own only when it is an IP address literal, localhost or a
// name under .localhost, or a name a certificate for TLSECHO_HOSTS would
// match, without regard to case or a final dot. The names are those
// certs.CheckHost takes, as TLSECHO_HOSTS is checked with it.
func FuzzOwnHost(f *testing.F) {
	for _, s := range [][2]string{
		{"127.0.0.1:9090", ""}, {"[::1]:9090", ""}, {"localhost:9090", ""}, {"LOCALHOST.", ""},
		{"a.localhost", ""}, {"localhost.evil.example", ""}, {"evil.example:9090", "app.example"},
		{"app.example:9090", "app.example"}, {"APP.example.", "app.example"}, {"a.app.example", "*.app.example"},
		{"app.example", "*.app.example"}, {"a.b.app.example", "*.app.example"}, {".app.example", "*.app.example"},
		{"[fe80::1%25eth0]:9090", ""}, {"0x7f000001", ""}, {"127.1", ""}, {"[localhost]", ""}, {"", ""},
		{"1.2.3.4.nip.io", ""}, {"::ffff:127.0.0.1", ""}, {"xn--bcher-kva.example", "xn--bcher-kva.example"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, hostport, name string) {
		var names []string
		if name != "" && certs.CheckHost(name) == nil {
			names = []string{name}
		}
		got := ownHost(hostport, names)
		host := hostport
		if h, _, err := net.SplitHostPort(hostport); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), ".")
		lower := strings.ToLower(host)
		if _, err := netip.ParseAddr(host); err == nil {
			if !got {
				t.Fatalf("ownHost(%q) = false for an IP address literal", hostport)
			}
			return
		}
		if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
			if !got {
				t.Fatalf("ownHost(%q) = false for a localhost name", hostport)
			}
			return
		}
		if strings.Trim(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" || !isASCIIText(name) {
			// crypto/x509 matches a wildcard only to a valid name, and
			// folds ASCII case alone; browsers send names in ASCII
			// (punycode), and a label with other characters under one
			// of the server's own names is no name an attacker's DNS
			// answers for.
			return
		}
		want := false
		for _, n := range names {
			leaf := &x509.Certificate{DNSNames: []string{strings.TrimSuffix(n, ".")}}
			want = want || host != "" && leaf.VerifyHostname(host) == nil
		}
		if got != want {
			t.Fatalf("ownHost(%q, %q) = %v; a certificate for %q matches %q: %v", hostport, names, got, names, host, want)
		}
	})
}

// isASCIIText reports whether s is printable ASCII.
func isASCIIText(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r > '~' })
}
