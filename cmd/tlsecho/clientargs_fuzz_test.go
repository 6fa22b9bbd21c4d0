package main

import (
	"errors"
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

// subprotocolToken is an element of Sec-WebSocket-Protocol (RFC 6455
// section 4.1, item 10): characters from U+0021 to U+007E, none a
// separator of RFC 2616, that is an RFC 9110 token.
var subprotocolToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// FuzzClientArgs gives tlsecho client any -timeout, -subprotocol,
// -proxy-source and -servername with a wss URL. What it takes has a
// positive timeout, a -proxy-source that is an IP address and port, and
// subprotocols each a token and each once, as the offer must have them;
// what it refuses is a usage error on one line.
func FuzzClientArgs(f *testing.F) {
	for _, s := range [][4]string{
		{"5s", "chat", "", ""}, {"0s", "", "", ""}, {"1h", "chat, superchat", "203.0.113.7:4711", "echo.example"},
		{"-1s", "a b", "::1:1234", ""}, {"5", "chat,chat", "[2001:db8::7]:4711", "é"}, {"1e3s", "a\r\nX-Evil: 1", "", ""},
		{"5s", ",, ,", "1.2.3.4", "a b"}, {"5s", "\"q\"", "", ""}, {"5s", "v1.chat;q=1", "", ""}, {"5s", "é", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, timeout, subprotocols, source, serverName string) {
		args := []string{"-timeout", timeout, "-subprotocol", subprotocols, "-servername", serverName}
		if source != "" {
			args = append(args, "-proxy-v2", "-proxy-source", source)
		}
		o, err := parseClientArgs(append(args, "wss://localhost:8443/ws", "hello"))
		if err != nil {
			if !errors.Is(err, errClientUsage) || strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("refused with %q, not a usage error on one line", err)
			}
			return
		}
		if o.timeout <= 0 {
			t.Fatalf("-timeout %q taken as %v", timeout, o.timeout)
		}
		if source != "" {
			if _, err := netip.ParseAddrPort(source); err != nil {
				t.Fatalf("-proxy-source %q taken: %v", source, err)
			}
		}
		seen := map[string]bool{}
		for _, p := range strings.Split(o.subprotocols, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if !subprotocolToken.MatchString(p) || seen[p] {
				t.Fatalf("-subprotocol %q taken, with the entry %q, which the offer cannot carry (RFC 6455 section 4.1: tokens, each once)", subprotocols, p)
			}
			seen[p] = true
		}
	})
}
