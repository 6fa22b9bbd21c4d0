package main

import (
	"io"
	"testing"
)

// hellosResetTests are clients that reset the connection during the
// handshake, each with the outcome /hellos gives it. A client that closes
// with the server's answer still unread makes its kernel send a reset
// rather than a FIN (a scanner, a check that sends a hello and leaves),
// and one may close with SO_LINGER 0 on purpose.
var hellosResetTests = []struct {
	name string
	// send is what the client writes before it resets.
	send []byte
	// answered: the client waits for the first byte of the server's
	// answer, so that the server is reading the client's next flight
	// when the reset comes.
	answered bool
	want     string
}{
	{"half a hello", oddHello(0, nil)[:40], false,
		"client closed the connection before sending a whole ClientHello"},
	{"after the hello", oddHello(0, nil), true,
		"client closed the connection after its ClientHello, before the handshake finished"},
}

// TestHellosClientReset: a client that resets the connection during the
// handshake reads in /hellos as one that closes it does, by whether its
// hello arrived, rather than as Go's "read tcp A->B: read: connection
// reset by peer".
func TestHellosClientReset(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	for i, tt := range hellosResetTests {
		t.Run(tt.name, func(t *testing.T) {
			nc := sendFirst(t, ta.TLSAddr, tt.send)
			if tt.answered {
				if _, err := io.ReadFull(nc, make([]byte, 1)); err != nil {
					t.Fatalf("no answer to the hello: %v", err)
				}
			}
			nc.SetLinger(0)
			nc.Close()
			got := waitHellos(t, ta, "", i+1)
			if e := got[0]; e.Peer != nc.LocalAddr().String() || e.Outcome != tt.want {
				t.Errorf("newest entry %+v\nwant peer %s with outcome %q", e, nc.LocalAddr(), tt.want)
			}
		})
	}
}
