package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestHellosShutdownCut: handshakes in flight when the server shuts down
// get a short grace; one that has not finished by then is listed in
// /hellos as cut off by the shutdown, not as timed out (the handshake
// timeout is 10s, and "no handshake within 1.3s" would send the operator
// after a timeout nobody set) and not as closed by the client. So is a
// connection still waiting for its PROXY header.
func TestHellosShutdownCut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		vars  map[string]string
		sends [][]byte
		want  string
	}{
		{"handshake", nil, [][]byte{nil, oddHello(0, nil)[:40], oddHello(0, nil)},
			"the server is shutting down: no handshake within the 1s grace given to handshakes in flight"},
		{"PROXY header", map[string]string{"PROXY_PROTOCOL": "require"}, [][]byte{nil, []byte("PROXY TCP4 192.0.2.7")},
			"the server is shutting down: no PROXY protocol header within the 1s grace given to handshakes in flight"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, tt.vars)
			var conns []net.Conn
			for _, b := range tt.sends {
				nc, err := net.DialTimeout("tcp", ta.TLSAddr, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				if _, err := nc.Write(b); err != nil {
					t.Fatal(err)
				}
				conns = append(conns, nc)
			}
			for deadline := time.Now().Add(ioWait); ta.tlsLn.Active() < len(conns); time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d connections accepted", ta.tlsLn.Active(), len(conns))
				}
			}
			start := time.Now()
			ta.Stop(t)
			// The clients see the server close, at the grace, long before
			// the handshake timeout.
			for _, nc := range conns {
				nc.SetReadDeadline(time.Now().Add(ioWait))
				io.Copy(io.Discard, nc)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("connections closed %v after the shutdown began, want about 1s", took)
			}
			got := ta.hellos.List("")
			if len(got) != len(conns) {
				t.Fatalf("%d handshakes recorded, want %d", len(got), len(conns))
			}
			for _, r := range got {
				if o := r.Outcome(); o != tt.want {
					t.Errorf("from %s: outcome %q, want %q", r.Peer, o, tt.want)
				}
				if strings.Contains(r.Outcome(), "client closed") {
					t.Errorf("from %s: the client is said to have closed", r.Peer)
				}
			}
		})
	}
}
