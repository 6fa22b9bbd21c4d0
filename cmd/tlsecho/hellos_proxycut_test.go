package main

import (
	"io"
	"net"
	"testing"
)

// TestHellosProxyHeaderCut: behind a load balancer, a client that closes
// the connection in the middle of its PROXY header is said, in /hellos,
// to have closed it before a whole PROXY header, not before a whole
// ClientHello, which it never got to. One that sent its header and then
// closed mid-hello, or sent nothing, is still said to have closed before
// its ClientHello.
func TestHellosProxyHeaderCut(t *testing.T) {
	t.Parallel()
	const (
		cutHeader = "client closed the connection before sending a whole PROXY protocol header"
		cutHello  = "client closed the connection before sending a whole ClientHello"
	)
	v1 := "PROXY TCP4 192.0.2.7 127.0.0.1 40000 8433\r\n"
	v2 := string(v2HeaderOfLength(t, "192.0.2.7:40000", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8433}, 12))
	for _, mode := range []string{"optional", "require"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, map[string]string{"PROXY_PROTOCOL": mode})
			tests := []struct {
				name, send, peer, want string
			}{
				{"v1 header cut short", v1[:20], "", cutHeader},
				{"v2 header before its length", v2[:14], "", cutHeader},
				{"v2 header in its addresses", v2[:20], "", cutHeader},
				{"whole header, half a hello", v1 + string(oddHello(0, nil)[:40]), "192.0.2.7:40000", cutHello},
			}
			if mode == "optional" {
				tests = append(tests, struct{ name, send, peer, want string }{"nothing", "", "", cutHello})
			}
			for i, tt := range tests {
				nc := sendFirst(t, ta.TLSAddr, []byte(tt.send))
				nc.CloseWrite()
				// The server closes once it has seen the end.
				io.Copy(io.Discard, nc)
				nc.Close()
				peer := tt.peer
				if peer == "" {
					peer = nc.LocalAddr().String()
				}
				got := waitHellos(t, ta, "", i+1)
				if len(got) < i+1 {
					t.Fatalf("%s: /hellos has %d entries, want %d", tt.name, len(got), i+1)
				}
				if e := got[0]; e.Peer != peer || e.Outcome != tt.want {
					t.Errorf("%s: newest entry from %s with outcome %q\nwant from %s with %q", tt.name, e.Peer, e.Outcome, peer, tt.want)
				}
			}
		})
	}
}
