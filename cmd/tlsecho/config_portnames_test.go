package main

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

// localhostBinds127 skips the test unless localhost:P listens on
// 127.0.0.1 here, as Go binds a name: the first IPv4 address it resolves
// to. The lookup is answered from /etc/hosts; no query leaves the machine.
func localhostBinds127(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "localhost:0")
	if err != nil {
		t.Skipf("cannot listen on localhost: %v", err)
	}
	defer l.Close()
	if ip := l.Addr().(*net.TCPAddr).IP; !ip.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Skipf("localhost listens on %v here, not 127.0.0.1", ip)
	}
}

// namedPortsTests give checkNamedPorts names a fake resolver answers,
// with the listener it should refuse ("" for none).
var namedPortsTests = []struct {
	name    string
	addrs   []listenerAddr
	refused string
}{
	{"IPv6 first, IPv4 bound", []listenerAddr{{"TLS_ADDR", "dual:8433"}, {"HTTPS_ADDR", "127.0.0.1:8433"}}, "TLSECHO_HTTPS_ADDR"},
	{"IPv6 first, IPv6 free", []listenerAddr{{"TLS_ADDR", "dual:8433"}, {"HTTPS_ADDR", "[::1]:8433"}}, ""},
	{"IPv6 only", []listenerAddr{{"TLS_ADDR", "six:8433"}, {"HTTPS_ADDR", "[::1]:8433"}}, "TLSECHO_HTTPS_ADDR"},
	{"IPv6 only, IPv4 free", []listenerAddr{{"TLS_ADDR", "six:8433"}, {"HTTPS_ADDR", "127.0.0.1:8433"}}, ""},
	{"two names, one address", []listenerAddr{{"TLS_ADDR", "dual:8433"}, {"ADMIN_ADDR", "four:8433"}}, "TLSECHO_ADMIN_ADDR"},
	{"two names, two addresses", []listenerAddr{{"TLS_ADDR", "six:8433"}, {"ADMIN_ADDR", "four:8433"}}, ""},
	{"other ports", []listenerAddr{{"TLS_ADDR", "dual:8433"}, {"HTTPS_ADDR", "127.0.0.1:8443"}}, ""},
	{"port 0", []listenerAddr{{"TLS_ADDR", "dual:0"}, {"HTTPS_ADDR", "127.0.0.1:0"}}, ""},
	{"no answer: left to the bind", []listenerAddr{{"TLS_ADDR", "gone:8433"}, {"HTTPS_ADDR", "127.0.0.1:8433"}}, ""},
}

// TestCheckNamedPorts: a name counts as the address net.Listen would
// bind for it, the first IPv4 one of its answer or else its first, and a
// name that does not resolve is never refused.
func TestCheckNamedPorts(t *testing.T) {
	t.Parallel()
	answers := map[string][]netip.Addr{
		"dual": {netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.1")},
		"six":  {netip.MustParseAddr("::1")},
		"four": {netip.MustParseAddr("127.0.0.1")},
	}
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		if ips, ok := answers[host]; ok {
			return ips, nil
		}
		return nil, errors.New("no such host")
	}
	for _, tt := range namedPortsTests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkNamedPorts(context.Background(), tt.addrs, lookup)
			var ce *configError
			switch {
			case tt.refused == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.refused != "" && (!errors.As(err, &ce) || ce.Var != tt.refused):
				t.Errorf("got %v, want %s refused", err, tt.refused)
			}
		})
	}
}
