package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"testing"
)

// TestClientUpgradeHTTP10: a 101 answer whose status line says HTTP/1.0
// is refused with the version named, with a MESSAGE and with standard
// input: RFC 6455 section 4.1 has the client fail a handshake whose
// status line is not HTTP/1.1 or higher, and gorilla takes any. The
// connection gorilla had opened is closed then, not left to the server's
// timeout.
func TestClientUpgradeHTTP10(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 2)
	u := rawWSServer(t, func(key string) string {
		return "HTTP/1.0" + switched(key)[len("HTTP/1.1"):]
	}, func(c net.Conn, br *bufio.Reader) {
		_, err := io.Copy(io.Discard, br)
		ended <- err
	})
	for _, args := range [][]string{{u, "hello"}, {u}} {
		r := runClient(t, "hello\n", append([]string{"-insecure", "-timeout", "5s"}, args...)...)
		r.want(t, exitFailure, nil, []string{"answered 101 Switching Protocols, but not as a WebSocket server: its status line says HTTP/1.0, not HTTP/1.1 or higher"})
		if err := <-ended; errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("the server's read ended by its deadline (%v): the client left the connection open", err)
		}
	}
}
