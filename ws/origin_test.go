package ws

import (
	"io"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
)

func TestOrigin(t *testing.T) {
	// sameHost stands for the server's own origin, known once it listens.
	const sameHost = "<same host>"
	tests := []struct {
		name    string
		allowed []string
		origin  string // "" sends no Origin header
		ok      bool
	}{
		{name: "no origin", origin: "", ok: true},
		{name: "same host", origin: sameHost, ok: true},
		{name: "same host, other scheme", origin: "http://" + sameHost, ok: true},
		{name: "other site", origin: "https://evil.example", ok: false},
		{name: "same IP, other port", origin: "https://127.0.0.1:1", ok: false},
		{name: "localhost is not 127.0.0.1", origin: "https://localhost", ok: false},
		{name: "opaque origin", origin: "null", ok: false},
		{name: "listed exactly", allowed: []string{"https://app.example:8443"}, origin: "https://app.example:8443", ok: true},
		{name: "listed, other port", allowed: []string{"https://app.example:8443"}, origin: "https://app.example:8444", ok: false},
		{name: "listed, other scheme", allowed: []string{"https://app.example:8443"}, origin: "http://app.example:8443", ok: false},
		{name: "listed, no port", allowed: []string{"https://app.example:8443"}, origin: "https://app.example", ok: false},
		{name: "listed, subdomain", allowed: []string{"https://app.example:8443"}, origin: "https://x.app.example:8443", ok: false},
		{name: "list keeps same host", allowed: []string{"https://app.example:8443"}, origin: sameHost, ok: true},
		{name: "second entry", allowed: []string{"https://a.example", "https://b.example"}, origin: "https://b.example", ok: true},
		{name: "star", allowed: []string{"*"}, origin: "https://evil.example", ok: true},
		{name: "star with others", allowed: []string{"https://a.example", "*"}, origin: "null", ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &Server{AllowedOrigins: tt.allowed})
			h := http.Header{}
			switch tt.origin {
			case "":
			case sameHost:
				h.Set("Origin", "https://"+ts.addr)
			case "http://" + sameHost:
				h.Set("Origin", "http://"+ts.addr)
			default:
				h.Set("Origin", tt.origin)
			}
			c, resp, err := ts.dialer().Dial(ts.url, h)
			if tt.ok {
				if err != nil {
					t.Fatalf("dial with Origin %q: %v", h.Get("Origin"), err)
				}
				defer c.Close()
				if _, got := echo(t, c, websocket.TextMessage, []byte("hi")); string(got) != "hi" {
					t.Fatalf("echo %q", got)
				}
				return
			}
			if err == nil {
				c.Close()
				t.Fatalf("dial with Origin %q succeeded, want HTTP 403", h.Get("Origin"))
			}
			if resp == nil {
				t.Fatalf("dial with Origin %q: %v, want HTTP 403", h.Get("Origin"), err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403 (body %q)", resp.StatusCode, body)
			}
			if ts.srv.Active() != 0 {
				t.Fatalf("%d connections open after a refused upgrade", ts.srv.Active())
			}
		})
	}
}
