package main

import (
	"io"
	"testing"
)

// hellosClosedTests are clients that close the connection during the
// handshake, each with the outcome /hellos gives it. A client that closes
// with the server's answer still unread makes its kernel send a reset
// rather than a FIN (a scanner, a check that sends a hello and leaves),
// and one may close with SO_LINGER 0 on purpose: reset.
var hellosClosedTests = []struct {
	name string
	// send is what the client writes before it closes.
	send []byte
	// reset: the client resets the connection, after waiting for the
	// first byte of the server's answer when answered (so that the
	// server is reading the client's next flight when the reset comes);
	// otherwise it closes its side and reads what the server sends.
	reset, answered bool
	want            string
}{
	{"nothing sent, as a TCP probe", nil, false, false,
		"client closed the connection before sending a whole ClientHello"},
	{"half a hello", oddHello(0, nil)[:40], false, false,
		"client closed the connection before sending a whole ClientHello"},
	{"after the hello", oddHello(0, nil), false, false,
		"client closed the connection after its ClientHello, before the handshake finished"},
	{"half a hello, reset", oddHello(0, nil)[:40], true, false,
		"client closed the connection before sending a whole ClientHello"},
	{"after the hello, reset", oddHello(0, nil), true, true,
		"client closed the connection after its ClientHello, before the handshake finished"},
}

// TestHellosClientClosed: a client that closes or resets the connection
// during the handshake is told apart in /hellos by whether its hello
// arrived, in words rather than crypto/tls's bare "EOF" or "unexpected
// EOF", or Go's "read tcp A->B: read: connection reset by peer".
func TestHellosClientClosed(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	for i, tt := range hellosClosedTests {
		t.Run(tt.name, func(t *testing.T) {
			nc := sendFirst(t, ta.TLSAddr, tt.send)
			switch {
			case tt.reset:
				if tt.answered {
					if _, err := io.ReadFull(nc, make([]byte, 1)); err != nil {
						t.Fatalf("no answer to the hello: %v", err)
					}
				}
				nc.SetLinger(0)
				nc.Close()
			default:
				nc.CloseWrite()
				// The server answers what it got, if anything, and closes.
				io.Copy(io.Discard, nc)
			}
			got := waitHellos(t, ta, "", i+1)
			if e := got[0]; e.Peer != nc.LocalAddr().String() || e.Outcome != tt.want {
				t.Errorf("newest entry %+v\nwant peer %s with outcome %q", e, nc.LocalAddr(), tt.want)
			}
		})
	}
}
