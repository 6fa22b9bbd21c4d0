package main

import (
	"io"
	"testing"
)

// hellosClosedTests are clients that close the connection during the
// handshake, each with the outcome /hellos gives it.
var hellosClosedTests = []struct {
	name string
	// send is what the client writes before it closes its side.
	send []byte
	want string
}{
	{"nothing sent, as a TCP probe", nil,
		"client closed the connection before sending a whole ClientHello"},
	{"half a hello", oddHello(0, nil)[:40],
		"client closed the connection before sending a whole ClientHello"},
	{"after the hello", oddHello(0, nil),
		"client closed the connection after its ClientHello, before the handshake finished"},
}

// TestHellosClientClosed: a client that closes the connection during the
// handshake is told apart in /hellos by whether its hello arrived, in
// words rather than crypto/tls's bare "EOF" or "unexpected EOF".
func TestHellosClientClosed(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	for i, tt := range hellosClosedTests {
		t.Run(tt.name, func(t *testing.T) {
			nc := sendFirst(t, ta.TLSAddr, tt.send)
			nc.CloseWrite()
			// The server answers what it got, if anything, and closes.
			io.Copy(io.Discard, nc)
			got := waitHellos(t, ta, "", i+1)
			if e := got[0]; e.Peer != nc.LocalAddr().String() || e.Outcome != tt.want {
				t.Errorf("newest entry %+v\nwant peer %s with outcome %q", e, nc.LocalAddr(), tt.want)
			}
		})
	}
}
