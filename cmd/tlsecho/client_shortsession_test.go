package main

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// shortSessionClient is a client for args (whose -timeout bounds
// connecting) that runs its session with -timeout session; see
// shortSession.
func shortSessionClient(t *testing.T, args []string, session time.Duration) *client {
	t.Helper()
	o, err := parseClientArgs(args)
	if err != nil {
		t.Fatal(err)
	}
	return shortSession(&client{o: o, stdout: io.Discard, stderr: io.Discard}, session)
}

// shortSession makes c's -timeout session once its TCP connection is
// made: the TLS handshake and the upgrade keep the -timeout they began
// with. A loaded machine under -race took more than a second for the
// handshake alone, so a test that measures a short -timeout of the
// session would otherwise wait out a long one. The change is made on
// the client's own goroutine, in its dial, before the session reads
// -timeout again.
func shortSession(c *client, session time.Duration) *client {
	dial := c.dial
	c.dial = func(ctx context.Context, addr string) (net.Conn, error) {
		c.o.timeout = session
		if dial != nil {
			return dial(ctx, addr)
		}
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	return c
}
