package main

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHTTP10ALPN: a client that offers only "http/1.0" in ALPN, as curl
// 7.88 to 8.4 do under --http1.0 (Debian 12's curl among them), reaches
// the HTTPS port: /healthz answers, and an HTTP/1.0 upgrade of /ws gets
// the 400 the README promises, not a refused handshake.
func TestHTTP10ALPN(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	for _, tc := range []struct {
		name, request string
		status        int
	}{
		{"healthz", "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n", http.StatusOK},
		{"upgrade", "GET /ws HTTP/1.0\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
			"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ta.clientTLS()
			cfg.NextProtos = []string{"http/1.0"}
			d := &net.Dialer{Timeout: ioWait}
			c, err := tls.DialWithDialer(d, "tcp", ta.HTTPSAddr, cfg)
			if err != nil {
				t.Fatalf("handshake offering ALPN http/1.0: %v", err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(ioWait))
			if got := c.ConnectionState().NegotiatedProtocol; got != "http/1.0" {
				t.Errorf("negotiated ALPN %q, want http/1.0", got)
			}
			if _, err := io.WriteString(c, tc.request); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Proto, "HTTP/1.") {
				t.Errorf("%s answered %s %s, want %d", strings.Fields(tc.request)[1], resp.Proto, resp.Status, tc.status)
			}
		})
	}
}
