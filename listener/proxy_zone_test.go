package listener_test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"

	"github.com/tlsecho/tlsecho/listener"
)

// linkLocalListener accepts real loopback connections and reports each
// peer as a link-local IPv6 address with its zone, as a peer on a LAN
// segment is reported (fe80::7%eth0): this machine may make connections
// to loopback only.
type linkLocalListener struct{ net.Listener }

func (l linkLocalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return linkLocalConn{c.(*net.TCPConn)}, nil
}

type linkLocalConn struct{ *net.TCPConn }

func (linkLocalConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.ParseIP("fe80::7"), Port: 4711, Zone: "eth0"}
}

// TestProxyLinkLocalPeer: a peer whose address carries an IPv6 zone is
// trusted as its address says: served without a header when the header is
// optional and any peer may send one, and its header used when it is in
// Trusted.
func TestProxyLinkLocalPeer(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		opts     listener.ProxyOptions
		header   bool
		wantPeer string
	}{
		{"optional, any peer, no header", listener.ProxyOptions{}, false, "[fe80::7%eth0]:4711"},
		{"optional, any peer, a header", listener.ProxyOptions{}, true, "203.0.113.5:5"},
		{"require, trusted range", listener.ProxyOptions{Require: true, Trusted: []string{"fe80::/10"}}, true, "203.0.113.5:5"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := listener.NewProxy(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			fails := make(chan error, 1)
			tcp, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			l := listener.New(linkLocalListener{tcp}, listener.Options{Proxy: p, HandshakeTimeout: ioTimeout, Hooks: &listener.Hooks{
				Proxy: func(_ *listener.Conn, err error) {
					if err != nil {
						fails <- err
					}
				},
			}})
			got := acceptAll(t, l)
			var hdr *proxyproto.Header
			if tt.header {
				hdr = proxyproto.HeaderProxyFromAddrs(2, tcpAddr("203.0.113.5:5"), l.Addr())
			}
			c := dialProxied(t, l.Addr().String(), hdr)
			io.WriteString(c, "GET / HTTP/1.1\r\n")
			select {
			case a := <-got:
				if a.err != nil {
					t.Fatal(a.err)
				}
				if peer := a.c.RemoteAddr().String(); peer != tt.wantPeer {
					t.Errorf("peer %s, want %s", peer, tt.wantPeer)
				}
			case err := <-fails:
				t.Fatalf("refused: %v", err)
			case <-time.After(ioTimeout):
				t.Fatal("neither served nor refused")
			}
		})
	}
}
