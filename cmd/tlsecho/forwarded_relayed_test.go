package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
)

// forwardedRelayedTests are PROXY v2 headers sent by a trusted balancer
// ahead of a request that carries X-Forwarded-For and X-Forwarded-Proto.
// A header that names a Unix-socket or UDP client says the balancer
// relays another client's bytes, as a TCP one would: the X-Forwarded
// headers are that client's own word, though the balancer stays the
// client shown. A LOCAL header is the balancer's own connection: its
// headers count, as on a connection with none, and so do those of a TCP
// client the trust list holds.
var forwardedRelayedTests = []struct {
	name     string
	header   *proxyproto.Header
	believed bool
}{
	{"Unix stream client", proxyproto.HeaderProxyFromAddrs(2,
		&net.UnixAddr{Name: "/run/haproxy/client.sock", Net: "unix"}, &net.UnixAddr{Name: "/run/haproxy/lb.sock", Net: "unix"}), false},
	{"UDP client", proxyproto.HeaderProxyFromAddrs(2,
		&net.UDPAddr{IP: net.IPv4(203, 0, 113, 7), Port: 5353}, &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 443}), false},
	{"LOCAL", &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}, true},
	// A TCP client is the peer judged: one in the list (a proxy
	// ahead of the balancer) is believed.
	{"TCP client the list trusts", proxyproto.HeaderProxyFromAddrs(2,
		&net.TCPAddr{IP: net.IPv4(127, 0, 0, 9), Port: 5000}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}), true},
}

// TestPlainHTTPRelayedClientHeaders: on the plain HTTP listener behind a
// trusted balancer in TCP mode, a client whose PROXY header names it by
// a Unix socket or a UDP address cannot make itself look like another
// client, or like one that came over https, with its own X-Forwarded-For
// and X-Forwarded-Proto.
func TestPlainHTTPRelayedClientHeaders(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "127.0.0.0/8"})
	for _, tt := range forwardedRelayedTests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp", ta.HTTPAddr, ioWait)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(ioWait))
			if _, err := tt.header.WriteTo(conn); err != nil {
				t.Fatal(err)
			}
			io.WriteString(conn, "GET /info HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 198.51.100.99\r\n"+
				"X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var doc infoClient
			if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
				t.Fatal(err)
			}
			c := doc.Client
			if tt.believed {
				if c.Address != "198.51.100.99" || c.Scheme != "https" || !c.TLSTerminatedUpstream {
					t.Errorf("/info behind a header naming a trusted client or none: %+v; want the X-Forwarded-* client, over https", c)
				}
				return
			}
			if c.Address != conn.LocalAddr().String() || c.Scheme != "http" || c.TLSTerminatedUpstream || c.Proxy != "" ||
				strings.Contains(c.Address, "198.51.100.99") {
				t.Errorf("/info with X-Forwarded-* from a client the header names by no TCP address: %+v; want the balancer %s as the client, over http, the headers not believed",
					c, conn.LocalAddr())
			}
		})
	}
}
