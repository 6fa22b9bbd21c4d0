package listener_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"

	"github.com/tlsecho/tlsecho/listener"
)

// proxyTwiceTests are a balancer's header followed by a second one, as
// when a client that sends its own (tlsecho client -proxy-v2) goes
// through a balancer that sends one too.
var proxyTwiceTests = []struct {
	name          string
	first, second byte // the header versions
}{
	{"v1 after v1", 1, 1},
	{"v2 after v2", 2, 2},
	{"v2 after v1", 1, 2},
	{"v1 after v2", 2, 1},
}

// TestProxyHeaderTwice: a TLS listener with the PROXY stage reads the
// first header; the second reaches crypto/tls, whose words ("first
// record does not look like a TLS handshake") do not say what came. The
// failure says it was a second PROXY header.
func TestProxyHeaderTwice(t *testing.T) {
	t.Parallel()
	l, _, fails := proxyListener(t, listener.ProxyOptions{Require: true}, false, ioTimeout)
	for _, tt := range proxyTwiceTests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialProxied(t, l.Addr().String(), proxyproto.HeaderProxyFromAddrs(tt.first, tcpAddr("203.0.113.1:2"), l.Addr()))
			if _, err := proxyproto.HeaderProxyFromAddrs(tt.second, tcpAddr("198.51.100.3:4"), l.Addr()).WriteTo(c); err != nil {
				t.Fatal(err)
			}
			if handshake(t, c) == nil {
				t.Fatal("a handshake behind two PROXY headers succeeded")
			}
			select {
			case err := <-fails:
				if !strings.Contains(err.Error(), "second PROXY protocol header") {
					t.Errorf("reported %q, want it to say a second PROXY protocol header came", err)
				}
			case <-time.After(ioTimeout):
				t.Fatal("no failure reported")
			}
		})
	}
}
