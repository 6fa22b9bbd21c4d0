package main

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

// FuzzLoadTarget: a target the load tool takes names a scheme it speaks,
// a host and a port a client can dial (wss and ws may leave it to the
// scheme), and no user information; one it refuses is quoted in the
// error.
func FuzzLoadTarget(f *testing.F) {
	for _, s := range []string{"tls://127.0.0.1:8433", "wss://127.0.0.1:8443/ws", "ws://[::1]:8080/ws", "tls://127.0.0.1",
		"tls://127.0.0.1:99999", "tls://:8433", "tls://127.0.0.1:0", "wss://127.0.0.1:x/ws", "https://127.0.0.1:8443/",
		"tls://[::1%25lo]:8433", "tls://user@127.0.0.1:8433", "TLS://127.0.0.1:8433", "tls://127.0.0.1:+1", "tls://127.0.0.1:08433",
		"wss://127.0.0.1/ws", "ws://[::1]/ws", "wss://u:p@127.0.0.1:8443/ws", "tls://127.0.0.1:8433/ws", "tls://::1:8433"} {
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
		hostport := u.Host
		if u.Port() == "" && u.Scheme != "tls" {
			// wss and ws have default ports, as the dial knows.
			hostport = net.JoinHostPort(u.Hostname(), map[string]string{"wss": "443", "ws": "80"}[u.Scheme])
		}
		host, port, err := net.SplitHostPort(hostport)
		if err != nil || host == "" {
			t.Fatalf("target %q taken, but its host %q splits into no host and port: %v", s, u.Host, err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			t.Fatalf("target %q taken with port %q", s, port)
		}
		if u.User != nil {
			t.Fatalf("target %q taken with user information", s)
		}
	})
}
