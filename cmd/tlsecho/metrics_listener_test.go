package main

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// scrapeMetrics returns the admin port's /metrics text.
func scrapeMetrics(t *testing.T, client *http.Client, adminAddr string) string {
	t.Helper()
	resp, err := client.Get("http://" + adminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d, %v", resp.StatusCode, err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want Prometheus text", ct)
	}
	return string(b)
}

// missingMetrics are the lines of want that body lacks.
func missingMetrics(body string, want ...string) []string {
	var missing []string
	for _, w := range want {
		if !strings.Contains(body, w+"\n") {
			missing = append(missing, w)
		}
	}
	return missing
}

// waitMetrics scrapes until every line of want is in /metrics: hooks count
// a connection on the server's goroutines, a moment after the client saw
// its end.
func waitMetrics(t *testing.T, client *http.Client, adminAddr string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(ioWait)
	for {
		body := scrapeMetrics(t, client, adminAddr)
		missing := missingMetrics(body, want...)
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v /metrics lacks %q:\n%s", ioWait, missing, body)
		}
		time.Sleep(scrapeEvery)
	}
}

var listenerLabel = regexp.MustCompile(`listener="([^"]*)"`)

// TestMetricsByListener: every metric with a listener label uses the
// listeners' own names; the counters one alerts on are there at 0 from the
// start; the handshakes of both TLS listeners and the WebSocket
// connections of both page listeners are counted by listener.
func TestMetricsByListener(t *testing.T) {
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"})
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()

	start := scrapeMetrics(t, client, ta.AdminAddr)
	for _, m := range listenerLabel.FindAllStringSubmatch(start, -1) {
		switch m[1] {
		case "tls", "https", "http", "admin":
		default:
			t.Errorf("listener label %q; the listeners are tls, https, http and admin", m[1])
		}
	}
	if missing := missingMetrics(start,
		`tlsecho_connections_refused_total{listener="tls"} 0`,
		`tlsecho_connections_refused_total{listener="https"} 0`,
		`tlsecho_connections_refused_total{listener="http"} 0`,
		`tlsecho_connections_refused_total{listener="admin"} 0`,
		`tlsecho_tls_handshake_failures_total{listener="tls"} 0`,
		`tlsecho_tls_handshake_failures_total{listener="https"} 0`,
		`tlsecho_ws_connections_total{listener="https"} 0`,
		`tlsecho_ws_connections_total{listener="http"} 0`,
		`tlsecho_connections_active{listener="tls"} 0`,
	); missing != nil {
		t.Errorf("the first scrape lacks %q", missing)
	}

	// A handshake that fails on each TLS listener (plain text), and one
	// that completes on the HTTPS listener.
	for _, addr := range []string{ta.TLSAddr, ta.HTTPSAddr} {
		c, err := net.DialTimeout("tcp", addr, ioWait)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(ioWait))
		io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
		io.Copy(io.Discard, c)
		c.Close()
	}
	tc, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", ta.HTTPSAddr, ta.clientTLS())
	if err != nil {
		t.Fatal(err)
	}
	tc.Close()
	// A WebSocket through the plain HTTP listener.
	d := websocket.Dialer{HandshakeTimeout: ioWait}
	wc, _, err := d.Dial("ws://"+ta.HTTPAddr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close()

	waitMetrics(t, client, ta.AdminAddr,
		`tlsecho_tls_handshake_failures_total{listener="tls"} 1`,
		`tlsecho_tls_handshake_failures_total{listener="https"} 1`,
		`tlsecho_tls_handshakes_total{listener="https",version="TLS 1.3"} 1`,
		`tlsecho_tls_handshakes_total{listener="tls",version="TLS 1.3"} 0`,
		`tlsecho_tls_handshake_seconds_count{listener="https"} 1`,
		`tlsecho_connections_total{listener="tls"} 1`,
		`tlsecho_connections_total{listener="https"} 2`,
		`tlsecho_connections_total{listener="http"} 1`,
		`tlsecho_connections_active{listener="http"} 1`,
		`tlsecho_ws_connections_total{listener="http"} 1`,
		`tlsecho_ws_connections_active{listener="http"} 1`,
		`tlsecho_ws_connections_active{listener="https"} 0`,
	)
}

// TestMetricsRefusedByListener: a connection over TLSECHO_MAX_CONNS is
// counted refused on its own listener.
func TestMetricsRefusedByListener(t *testing.T) {
	ta := startApp(t, map[string]string{"MAX_CONNS": "1"})
	held := ta.dialHeld(t, ta.HTTPSAddr)
	defer held.Close()
	over := ta.dialHeld(t, ta.HTTPSAddr)
	defer over.Close()
	// The refused connection is closed at once.
	over.SetReadDeadline(time.Now().Add(ioWait))
	if _, err := over.Read(make([]byte, 1)); err == nil {
		t.Fatal("the connection over the limit was not closed")
	}
	// One client, one connection at a time: the admin listener's own
	// limit is 1 too.
	client := &http.Client{Timeout: ioWait, Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	waitMetrics(t, client, ta.AdminAddr,
		`tlsecho_connections_refused_total{listener="https"} 1`,
		`tlsecho_connections_refused_total{listener="tls"} 0`,
		`tlsecho_connections_active{listener="https"} 1`,
	)
}

// dialHeld opens a TCP connection to addr that says nothing.
func (ta *testApp) dialHeld(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, ioWait)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMetricsProxyRefusedAtZero: with the PROXY stage on, its refusals
// are there at 0 from the start on every listener that has the stage.
func TestMetricsProxyRefusedAtZero(t *testing.T) {
	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "optional"})
	body := scrapeMetrics(t, &http.Client{Timeout: ioWait}, ta.AdminAddr)
	if missing := missingMetrics(body,
		`tlsecho_proxy_headers_total{listener="tls",outcome="refused"} 0`,
		`tlsecho_proxy_headers_total{listener="https",outcome="refused"} 0`,
	); missing != nil {
		t.Errorf("the first scrape lacks %q", missing)
	}
	if strings.Contains(body, `tlsecho_proxy_headers_total{listener="http"`) {
		t.Error("a series for the HTTP listener, which is off")
	}
}
