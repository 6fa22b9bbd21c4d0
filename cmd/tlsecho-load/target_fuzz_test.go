package main

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

// FuzzLoadTarget: a target the load tool takes names a scheme it speaks,
// a host and a port a client can dial; one it refuses is quoted in the
// error.
func FuzzLoadTarget(f *testing.F) {
	for _, s := range []string{"tls://127.0.0.1:8433", "wss://127.0.0.1:8443/ws", "ws://[::1]:8080/ws", "tls://127.0.0.1",
		"tls://127.0.0.1:99999", "tls://:8433", "tls://127.0.0.1:0", "wss://127.0.0.1:x/ws", "https://127.0.0.1:8443/",
		"tls://[::1%25lo]:8433", "tls://user@127.0.0.1:8433", "TLS://127.0.0.1:8433", "tls://127.0.0.1:+1", "tls://127.0.0.1:08433"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseTarget(s)
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, strconv.Quote(s)) {
				t.Fatalf("error %q does not quote the target %q", msg, s)
			}
			return
		}
		if u.Scheme != "tls" && u.Scheme != "wss" && u.Scheme != "ws" {
			t.Fatalf("target %q taken with scheme %q", s, u.Scheme)
		}
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil || host == "" {
			t.Fatalf("target %q taken, but its host %q splits into no host and port: %v", s, u.Host, err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			t.Fatalf("target %q taken with port %q", s, port)
		}
	})
}
