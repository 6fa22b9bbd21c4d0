package ws

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

func TestOrigin(t *testing.T) {
	t.Parallel()
	// sameHost stands for the server's own origin, known once it listens.
	const sameHost = "<same host>"
	tests := []struct {
		name    string
		allowed []string
		origin  string // "" sends no Origin header
		host    string // "" sends the server's address as Host
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
		{name: "host in other case", host: "k.example", origin: "https://K.EXAMPLE", ok: true},
		// Unicode folding took the Kelvin sign (U+212A) for k.
		{name: "Kelvin sign is not k", host: "k.example", origin: "https://\u212a.example", ok: false},
		{name: "long s is not s", host: "s.example", origin: "https://\u017f.example", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &Server{AllowedOrigins: tt.allowed})
			h := http.Header{}
			host := ts.addr
			if tt.host != "" {
				h.Set("Host", tt.host) // gorilla sends it as the request's Host
				host = tt.host
			}
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
			// One line that names the origin, the host it was compared
			// with, and what would allow it.
			for _, want := range []string{strconv.Quote(h.Get("Origin")), strconv.Quote(host), "AllowedOrigins"} {
				if !strings.Contains(string(body), want) {
					t.Errorf("403 body %q does not name %s", body, want)
				}
			}
			if n := strings.Count(string(body), "\n"); n != 1 {
				t.Errorf("403 body has %d lines, want 1: %q", n, body)
			}
			if ts.srv.Active() != 0 {
				t.Fatalf("%d connections open after a refused upgrade", ts.srv.Active())
			}
		})
	}
}

// TestOriginRefusalLogged: a refused origin is a warn record naming the
// origin, the host and the setting that allows it, and a flood of them
// gives a few records and one count of the rest.
func TestOriginRefusalLogged(t *testing.T) {
	t.Parallel()
	logs := &testlog.Buffer{}
	srv := &Server{
		OriginsSetting: "TLSECHO_ALLOWED_ORIGINS",
		Logger:         slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	// A window far longer than the test, and the summary run by the test,
	// make the counts exact on any machine.
	srv.refusals.every = time.Hour
	summaries := make(chan func(), 1)
	srv.refusals.after = func(_ time.Duration, f func()) { summaries <- f }
	ts := startServer(t, srv)

	const flood = 3 * refusalBurst
	h := http.Header{"Origin": {"http://localhost:3000"}}
	for i := range flood {
		c, resp, err := ts.dialer().Dial(ts.url, h)
		if err == nil {
			c.Close()
			t.Fatalf("dial %d: the foreign origin was allowed", i)
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("dial %d: %v, want HTTP 403", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "TLSECHO_ALLOWED_ORIGINS") {
			t.Fatalf("403 body %q does not name TLSECHO_ALLOWED_ORIGINS", body)
		}
	}
	recs := logs.Records(t, "websocket origin refused")
	if len(recs) != refusalBurst {
		t.Fatalf("%d refusal records for %d refusals, want %d", len(recs), flood, refusalBurst)
	}
	for k, want := range map[string]string{
		"level":  "WARN",
		"origin": "http://localhost:3000",
		"host":   ts.addr,
		"hint":   "to allow it, add http://localhost:3000 to TLSECHO_ALLOWED_ORIGINS",
	} {
		if got := recs[0][k]; got != want {
			t.Errorf("record %s = %v, want %q", k, got, want)
		}
	}
	select {
	case f := <-summaries:
		f()
	default:
		t.Fatal("no summary scheduled for the refusals held back")
	}
	sum := logs.Records(t, "websocket origins refused but not logged")
	if len(sum) != 1 || sum[0]["count"] != float64(flood-refusalBurst) || sum[0]["level"] != "WARN" {
		t.Fatalf("summary records %v, want one WARN with count %d", sum, flood-refusalBurst)
	}
}

// TestRefusalCarriesVersion: a refused upgrade says which version the
// server speaks (RFC 6455 section 4.4), as gorilla's own refusals do.
func TestRefusalCarriesVersion(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &Server{})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ts.clientTLS.Clone()}, Timeout: ioWait}
	defer client.CloseIdleConnections()
	tests := []struct {
		name    string
		version string
		origin  string
		status  int
	}{
		{name: "version 8", version: "8", status: http.StatusUpgradeRequired},
		{name: "no version", version: "", status: http.StatusUpgradeRequired},
		{name: "foreign origin", version: "13", origin: "https://evil.example", status: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "https://"+ts.addr+"/ws", nil)
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "websocket")
			req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
			if tt.version != "" {
				req.Header.Set("Sec-WebSocket-Version", tt.version)
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("Sec-WebSocket-Version"); got != "13" {
				t.Errorf("Sec-WebSocket-Version %q, want 13", got)
			}
		})
	}
}
