package main

import (
	"bufio"
	"cmp"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// framingTests are requests whose body comes chunked, each followed on
// the same connection by a second request: by RFC 9112 section 6.3 the
// server answers the first and closes, and the second (which a proxy in
// front that framed the first by its Content-Length would have taken for
// body) is never answered. An HTTP/1.0 request with Transfer-Encoding
// has faulty framing whatever else it carries (RFC 9112 section 6.1):
// answered, then closed, even when it asks to keep the connection alive.
// net/http ignores the header in HTTP/1.0 and would read what follows as
// the next request, where a proxy in front that framed the body as
// chunked would have taken it for body.
var framingTests = []struct {
	name    string
	request string
	status  int // of the answer to the first request; 0: 200
}{
	{"Content-Length and Transfer-Encoding", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0},
	{"Transfer-Encoding and Content-Length", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n", 0},
	{"Transfer-Encoding alone", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 0},
	{"HTTP/1.0 keep-alive with Transfer-Encoding", "GET /healthz HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n", 0},
	{"HTTP/1.0 keep-alive with Content-Length and Transfer-Encoding", "GET /healthz HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", 0},
	{"HTTP/1.0 keep-alive with Transfer-Encoding, to a 404", "GET /nothing-here HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n", http.StatusNotFound},
	{"HTTP/1.0 keep-alive OPTIONS * with Transfer-Encoding", "OPTIONS * HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n", 0},
	{"HTTP/1.0 keep-alive WebSocket upgrade with Transfer-Encoding", "GET /ws HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nTransfer-Encoding: chunked\r\n\r\n", -1},
}

// httpListener is one of a test app's HTTP listeners, dialed for raw
// bytes: net/http's client would refuse or rewrite what these tests send.
type httpListener struct {
	name string
	dial func() (net.Conn, error)
}

// httpListeners are the HTTPS, plain HTTP and admin listeners of ta (which
// must have HTTP_ADDR set).
func httpListeners(ta *testApp) []httpListener {
	return []httpListener{
		{"https", func() (net.Conn, error) {
			return tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", ta.HTTPSAddr, ta.clientTLS())
		}},
		{"http", func() (net.Conn, error) { return net.DialTimeout("tcp", ta.HTTPAddr, ioWait) }},
		{"admin", func() (net.Conn, error) { return net.DialTimeout("tcp", ta.AdminAddr, ioWait) }},
	}
}

// TestChunkedRequestEndsConnection sends each of framingTests with a
// second request behind it to every HTTP listener (HTTPS, plain HTTP,
// admin): the first is answered with "Connection: close", then the
// connection ends without a second answer.
func TestChunkedRequestEndsConnection(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"})
	ports := httpListeners(ta)
	for _, port := range ports {
		for _, tt := range framingTests {
			t.Run(port.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				c, err := port.dial()
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(ioWait))
				if _, err := io.WriteString(c, tt.request+"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
				br := bufio.NewReader(c)
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("first answer: %v", err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				want := cmp.Or(tt.status, http.StatusOK)
				if want < 0 {
					// /ws: the page ports refuse an HTTP/1.0 upgrade
					// (400); the admin port serves no /ws (404).
					want = map[string]int{"admin": http.StatusNotFound}[port.name]
					want = cmp.Or(want, http.StatusBadRequest)
				}
				if resp.StatusCode != want || !resp.Close {
					t.Fatalf("first answer: %s, Connection %q, %q; want %d and the connection closed", resp.Status, resp.Header.Get("Connection"), body, want)
				}
				rest, err := io.ReadAll(br)
				if len(rest) > 0 {
					t.Fatalf("after the first answer the server sent %q; want the connection's end", rest)
				}
				if err != nil && !errors.Is(err, syscall.ECONNRESET) && !strings.Contains(err.Error(), "reset") {
					t.Fatalf("after the first answer: %v; want the connection's end", err)
				}
			})
		}
	}
}
