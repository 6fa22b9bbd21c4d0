package main

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"testing"
)

// TestClientPingFlood: a wss server that sends pings without end and
// reads none of the client's pongs is named for that once a pong cannot
// go out, not reported as an echo that did not come within -timeout.
func TestClientPingFlood(t *testing.T) {
	t.Parallel()
	ping := bytes.Repeat(append([]byte{0x89, 125}, bytes.Repeat([]byte{'p'}, 125)...), 64)
	u := rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		for {
			if _, err := c.Write(ping); err != nil {
				return
			}
		}
	})
	r := runClient(t, "", "-insecure", "-timeout", "5s", u, "hello")
	r.want(t, exitFailure, nil, []string{"sent pings faster than it read the client's pongs"})
	if strings.Contains(r.stderr, "within 5s") {
		t.Errorf("the pings are taken for a missing echo: %s", r.stderr)
	}
}
