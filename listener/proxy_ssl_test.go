package listener_test

import (
	"io"
	"net"
	"testing"

	"github.com/pires/go-proxyproto"

	"github.com/tlsecho/tlsecho/listener"
)

// sslTLV is a PP2_TYPE_SSL TLV (the PROXY protocol specification, section
// 2.2.5): the client bit when clientTLS, the certificate verified, and
// the version the client used as a sub-TLV, as HAProxy's
// send-proxy-v2-ssl sends it.
func sslTLV(clientTLS bool) proxyproto.TLV {
	var client byte
	if clientTLS {
		client = 0x01 // PP2_CLIENT_SSL
	}
	v := []byte{client, 0, 0, 0, 0, byte(proxyproto.PP2_SUBTYPE_SSL_VERSION), 0, 7}
	return proxyproto.TLV{Type: proxyproto.PP2_TYPE_SSL, Value: append(v, "TLSv1.3"...)}
}

// proxySSLTests are v2 headers with an SSL TLV, and whether each says the
// client reached the balancer over TLS.
var proxySSLTests = []struct {
	name   string
	header func(dst net.Addr) *proxyproto.Header
	tls    bool
}{
	{"PROXY, client over TLS", func(dst net.Addr) *proxyproto.Header {
		return proxyproto.HeaderProxyFromAddrs(2, tcpAddr("203.0.113.7:4711"), dst)
	}, true},
	// HAProxy 2.6 sends LOCAL, with its TLVs, for a client of a unix@
	// bind: the header names no client, but the client bit still says
	// how the client came.
	{"LOCAL, client over TLS", func(net.Addr) *proxyproto.Header {
		return &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}
	}, true},
	{"LOCAL, client bit clear", func(net.Addr) *proxyproto.Header {
		return &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}
	}, false},
}

// TestProxySSLClientBit: the SSL TLV's client bit sets Conn.ProxyTLS, in
// a LOCAL header as in a PROXY one.
func TestProxySSLClientBit(t *testing.T) {
	t.Parallel()
	l, got, fails := proxyListener(t, listener.ProxyOptions{Require: true}, true, ioTimeout)
	for _, tt := range proxySSLTests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header(l.Addr())
			if err := h.SetTLVs([]proxyproto.TLV{sslTLV(tt.tls)}); err != nil {
				t.Fatal(err)
			}
			c := dialProxied(t, l.Addr().String(), h)
			io.WriteString(c, "GET / HTTP/1.1\r\n")
			a := next(t, got)
			if a.err != nil {
				t.Fatalf("%v (server: %v)", a.err, drain(fails))
			}
			if lc := listener.From(a.c); lc.ProxyTLS != tt.tls {
				t.Errorf("ProxyTLS %v, want %v", lc.ProxyTLS, tt.tls)
			}
		})
	}
}
