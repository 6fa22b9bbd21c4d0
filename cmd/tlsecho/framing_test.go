package main

import (
	"bufio"
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
// body) is never answered.
var framingTests = []struct {
	name    string
	request string
}{
	{"Content-Length and Transfer-Encoding", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"Transfer-Encoding and Content-Length", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n"},
	{"Transfer-Encoding alone", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
}

// TestChunkedRequestEndsConnection sends each of framingTests with a
// second request behind it to every HTTP listener (HTTPS, plain HTTP,
// admin): the first is answered with "Connection: close", then the
// connection ends without a second answer.
func TestChunkedRequestEndsConnection(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"})
	ports := []struct {
		name string
		dial func() (net.Conn, error)
	}{
		{"https", func() (net.Conn, error) {
			return tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", ta.HTTPSAddr, ta.clientTLS())
		}},
		{"http", func() (net.Conn, error) { return net.DialTimeout("tcp", ta.HTTPAddr, ioWait) }},
		{"admin", func() (net.Conn, error) { return net.DialTimeout("tcp", ta.AdminAddr, ioWait) }},
	}
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
				if resp.StatusCode != http.StatusOK || !resp.Close {
					t.Fatalf("first answer: %s, Connection %q, %q; want 200 and the connection closed", resp.Status, resp.Header.Get("Connection"), body)
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
