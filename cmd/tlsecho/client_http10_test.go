package main

import (
	"bufio"
	"net"
	"testing"
)

// TestClientUpgradeHTTP10: a 101 answer whose status line says HTTP/1.0
// is refused with the version named, with a MESSAGE and with standard
// input: RFC 6455 section 4.1 has the client fail a handshake whose
// status line is not HTTP/1.1 or higher, and gorilla takes any.
func TestClientUpgradeHTTP10(t *testing.T) {
	t.Parallel()
	u := rawWSServer(t, func(key string) string {
		return "HTTP/1.0" + switched(key)[len("HTTP/1.1"):]
	}, func(c net.Conn, br *bufio.Reader) { echoFrames(c, br) })
	for _, args := range [][]string{{u, "hello"}, {u}} {
		r := runClient(t, "hello\n", append([]string{"-insecure", "-timeout", "5s"}, args...)...)
		r.want(t, exitFailure, nil, []string{"answered 101 Switching Protocols, but not as a WebSocket server: its status line says HTTP/1.0, not HTTP/1.1 or higher"})
	}
}
