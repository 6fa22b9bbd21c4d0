package main

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestPlainWSOriginBehindProxy: behind a proxy that ends TLS, the page at
// https://echo.example opens wss://echo.example/ws, and the browser's
// Origin reaches the plain HTTP listener as https://echo.example. The
// same-host check compares it with the Host the proxy sends: passed
// through, the upgrade is served; rewritten to the backend's address
// (nginx's default), it is refused with 403, unless
// TLSECHO_ALLOWED_ORIGINS lists the public origin.
func TestPlainWSOriginBehindProxy(t *testing.T) {
	t.Parallel()
	const origin = "https://echo.example"
	plain := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_TRUSTED": "127.0.0.0/8"})
	listed := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_TRUSTED": "127.0.0.0/8", "ALLOWED_ORIGINS": origin})
	tests := []struct {
		name   string
		ta     *testApp
		host   string // the Host the proxy sends; empty: the backend's address
		status int
	}{
		{"Host passed through", plain, "echo.example", http.StatusSwitchingProtocols},
		{"Host rewritten", plain, "", http.StatusForbidden},
		{"Host rewritten, origin listed", listed, "", http.StatusSwitchingProtocols},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Always to the listener, whatever Host the URL names.
			addr := tt.ta.HTTPAddr
			d := websocket.Dialer{HandshakeTimeout: ioWait,
				NetDial: func(network, _ string) (net.Conn, error) { return net.DialTimeout(network, addr, ioWait) }}
			hdr := http.Header{"Origin": {origin}, "X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Proto": {"https"}}
			host := tt.host
			if host == "" {
				host = addr
			}
			url := "ws://" + host + "/ws"
			c, resp, err := d.Dial(url, hdr)
			if c != nil {
				defer c.Close()
			}
			if resp == nil {
				t.Fatalf("no answer: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("upgrade answered %s (%v), want %d", resp.Status, err, tt.status)
			}
			if c != nil {
				c.SetWriteDeadline(time.Now().Add(ioWait))
				c.SetReadDeadline(time.Now().Add(ioWait))
				c.WriteMessage(websocket.TextMessage, []byte("hi"))
				if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "hi" {
					t.Fatalf("echo: %q, %v", msg, err)
				}
			}
		})
	}
	waitLogged(t, plain, `msg="websocket origin refused" listener=http peer=203.0.113.9 origin=https://echo.example`)
}
