package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// headerLimitTests are requests whose line and headers pass the 64 KiB
// every HTTP listener reads of them.
var headerLimitTests = []struct {
	name    string
	request func(host string) string
}{
	{"1 MiB request line", func(host string) string {
		return "GET /" + strings.Repeat("a", 1<<20) + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
	}},
	{"10,000 header fields", func(host string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "GET /healthz HTTP/1.1\r\nHost: %s\r\n", host)
		for i := range 10000 {
			fmt.Fprintf(&b, "X-Field-%d: v\r\n", i)
		}
		b.WriteString("\r\n")
		return b.String()
	}},
}

// TestHeaderLimitOnEveryHTTPPort: a request with a 1 MiB line or 10,000
// header fields gets 431 on every HTTP listener, the admin one included,
// so no client can make the server read and parse a MiB of headers per
// connection; a normal request on the same port is served afterwards.
func TestHeaderLimitOnEveryHTTPPort(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"})
	ports := []struct {
		name string
		dial func() (net.Conn, error)
	}{
		{"https", func() (net.Conn, error) { return tls.Dial("tcp", ta.HTTPSAddr, ta.clientTLS()) }},
		{"http", func() (net.Conn, error) { return net.Dial("tcp", ta.HTTPAddr) }},
		{"admin", func() (net.Conn, error) { return net.Dial("tcp", ta.AdminAddr) }},
	}
	for _, port := range ports {
		for _, tt := range headerLimitTests {
			t.Run(port.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				c, err := port.dial()
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(ioWait))
				// The server answers and closes before it has read the
				// rest: the write may fail, the answer must be there.
				go io.WriteString(c, tt.request("localhost"))
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					t.Fatalf("no answer: %v", err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
					t.Fatalf("answered %s, want 431", resp.Status)
				}
				healthy(t, port.dial)
			})
		}
	}
}

// healthy checks that a fresh connection from dial gets 200 for GET
// /healthz.
func healthy(t *testing.T, dial func() (net.Conn, error)) {
	t.Helper()
	c, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioWait))
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET /healthz afterwards: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz afterwards: %s", resp.Status)
	}
}
