//go:build unix

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
	u := pingFloodServer(t)
	// About 1,050 pongs fill the path (pingFloodServer); a cold CI run
	// made the flood as slow as 960 pings in 5 s, so the echo's wait is
	// long enough for several times that. A pong stalls within 2 s here.
	r := runClient(t, "", "-insecure", "-timeout", "15s", u, "hello")
	r.want(t, exitFailure, nil, []string{"sent pings faster than it read the client's pongs"})
	if strings.Contains(r.stderr, "within 15s") {
		t.Errorf("the pings are taken for a missing echo: %s", r.stderr)
	}
}

// pingFloodServer is a wss server that upgrades and then sends pings
// without end, reading nothing. Its connections take small segments into
// a small receive buffer (smallSegmentListener), so the client's pongs fill
// the path within about 1,050: on loopback's 64 KiB segments the
// client's send buffer starts at megabytes, and a flood slowed by a
// loaded machine (960 pings in 5 s in a cold CI run) had all its pongs
// fit, so no pong stalled within the test's -timeout.
func pingFloodServer(t *testing.T) string {
	ping := bytes.Repeat(append([]byte{0x89, 125}, bytes.Repeat([]byte{'p'}, 125)...), 64)
	ln := smallSegmentListener(t)
	return rawWSServerOn(t, ln, switched, func(c net.Conn, br *bufio.Reader) {
		for {
			if _, err := c.Write(ping); err != nil {
				return
			}
		}
	})
}

// TestClientStdinPingFlood: with lines of standard input, the same flood
// meets the client after its close 1000, when gorilla sends no pongs, so
// no pong stalls; the echo that does not come within -timeout is said to
// have had pings in its place. So does the answer to the close 1000
// after a MESSAGE's echo, where gorilla sends no pongs either.
func TestClientStdinPingFlood(t *testing.T) {
	t.Parallel()
	r := runClient(t, "a\nb\n", "-insecure", "-timeout", "1s", pingFloodServer(t))
	r.want(t, exitFailure, nil, []string{"no echo (0 of 2 messages came back) from", "within 1s: it sent pings meanwhile ("})
}

// TestClientPingFloodAfterEcho: a wss server that echoes a MESSAGE and
// then floods pings, reading nothing more, has its unanswered close named
// with the pings.
func TestClientPingFloodAfterEcho(t *testing.T) {
	t.Parallel()
	ping := bytes.Repeat(append([]byte{0x89, 125}, bytes.Repeat([]byte{'p'}, 125)...), 64)
	u := rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		if !echoFirstFrame(c, br) {
			return
		}
		for {
			if _, err := c.Write(ping); err != nil {
				return
			}
		}
	})
	r := runClient(t, "", "-insecure", "-timeout", "1s", u, "hello")
	r.want(t, exitFailure, []string{"echo          hello"}, []string{"did not answer the client's close 1000 within 1s: it sent pings meanwhile ("})
}
