package main

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
)

// TestMetricsProxyNotTCP: a v2 header that names a UDP or Unix-socket
// client leaves the balancer as the client, and is counted as not_tcp,
// not as none (which is for no header, a LOCAL one or v1 UNKNOWN).
func TestMetricsProxyNotTCP(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "optional", "PROXY_TRUSTED": "127.0.0.1"})
	udp := func(s string) net.Addr { a, _ := net.ResolveUDPAddr("udp", s); return a }
	headers := []struct {
		name     string
		src, dst net.Addr
	}{
		{"UDP over IPv4", udp("203.0.113.7:5353"), udp("192.0.2.1:443")},
		{"UDP over IPv6", udp("[2001:db8::7]:5353"), udp("[2001:db8::1]:443")},
		{"Unix stream", &net.UnixAddr{Name: "/run/client.sock", Net: "unix"}, &net.UnixAddr{Name: "/run/lb.sock", Net: "unix"}},
		{"Unix datagram", &net.UnixAddr{Name: "/run/client.dgram", Net: "unixgram"}, &net.UnixAddr{Name: "/run/lb.dgram", Net: "unixgram"}},
	}
	for _, h := range headers {
		hdr := proxyproto.HeaderProxyFromAddrs(2, h.src, h.dst)
		if hdr.Command != proxyproto.PROXY || hdr.TransportProtocol == proxyproto.UNSPEC {
			t.Fatalf("%s: built %+v, not a PROXY header naming the client", h.name, hdr)
		}
		c, err := net.DialTimeout("tcp", ta.TLSAddr, ioWait)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hdr.WriteTo(c); err != nil {
			t.Fatal(err)
		}
		tc := tls.Client(c, ta.clientTLS())
		tc.SetDeadline(time.Now().Add(ioWait))
		io.WriteString(tc, "x")
		if _, err := io.ReadFull(tc, make([]byte, 1)); err != nil {
			t.Fatalf("%s: echo behind the header: %v", h.name, err)
		}
		tc.Close()
		// The TCP peer, the balancer, is the client logged.
		if line := waitLogged(t, ta, "peer="+c.LocalAddr().String()); strings.Contains(line, "balancer=") {
			t.Errorf("%s: a balancer beside a client the server cannot name: %s", h.name, line)
		}
	}
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()
	waitMetrics(t, client, ta.AdminAddr, `tlsecho_proxy_headers_total{listener="tls",outcome="not_tcp"} 4`)
	if body := scrapeMetrics(t, client, ta.AdminAddr); strings.Contains(body, `tlsecho_proxy_headers_total{listener="tls",outcome="none"}`) {
		t.Errorf("headers that named a client counted as none:\n%s", body)
	}
}
