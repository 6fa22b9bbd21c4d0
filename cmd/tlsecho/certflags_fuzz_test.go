package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
)

// FuzzCertFlags gives tlsecho cert any -hosts and -days. What it takes
// must make a certificate: -days a decimal number of days from 1 to
// maxDays, as written, and hosts a client can verify it for. What it
// refuses gets one line on stderr, naming the flag.
func FuzzCertFlags(f *testing.F) {
	for _, s := range [][2]string{
		{"localhost,127.0.0.1,::1", "365"}, {"a.example", "1"}, {"a.example", "36500"}, {"a.example", "36501"},
		{"a.example", "0"}, {"a.example", "-1"}, {"a.example", "0365"}, {"a.example", "0x10"}, {"a.example", "1_000"},
		{"a.example", "+30"}, {"a.example", " 30"}, {"a.example", "9999999999999999999"}, {"*.a.example", "30"},
		{"[::1]", "30"}, {"a.example:8443", "30"}, {"https://a.example", "30"}, {",", "30"}, {"é.example", "30"},
		{"-days", "30"}, {"fe80::1%eth0", "30"},
		{"-a.example.", "30"}, {"a..example.", "30"}, {"é.", "30"}, {"a.example.,-b.example.", "30"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, hosts, days string) {
		var stdout, stderr strings.Builder
		fl, code, ok := parseCertFlags([]string{"-out", "/nonexistent/dir", "-hosts", hosts, "-days", days}, &stdout, &stderr)
		if !ok {
			msg := strings.TrimSuffix(stderr.String(), "\n")
			if code != exitUsage || msg == "" || strings.ContainsAny(msg, "\r\n") || !strings.HasPrefix(msg, "tlsecho cert: ") {
				t.Fatalf("refused with %d and %q; want one line on stderr", code, msg)
			}
			if !strings.Contains(msg, "-hosts") && !strings.Contains(msg, "-days") {
				t.Fatalf("refusal %q names neither flag", msg)
			}
			// A value offered instead is one the command takes, as the
			// one host.
			for _, v := range suggested(t, msg) {
				var out, errOut strings.Builder
				if _, _, ok := parseCertFlags([]string{"-out", "/nonexistent/dir", "-hosts", v}, &out, &errOut); !ok {
					t.Fatalf("refused with %q, and the value it offers is refused in turn: %q", msg, errOut.String())
				}
			}
			return
		}
		if n, err := strconv.Atoi(days); err != nil || n != fl.days || n < 1 || n > maxDays {
			t.Fatalf("-days %q taken as %d days", days, fl.days)
		}
		g, err := certs.Generate(certs.GenerateOptions{Hosts: fl.hosts})
		if err != nil {
			t.Fatalf("-hosts %q taken, but no certificate is made for %q: %v", hosts, fl.hosts, err)
		}
		for _, h := range fl.hosts {
			name := strings.Trim(h, "[]")
			if strings.HasPrefix(name, "*") {
				name = "x" + name[1:]
			}
			if err := g.Cert.Leaf.VerifyHostname(name); err != nil {
				t.Fatalf("-hosts %q taken, but a client asking for %q cannot verify the certificate: %v", hosts, name, err)
			}
		}
	})
}
