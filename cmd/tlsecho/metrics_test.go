package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestMetrics scrapes /metrics after real traffic on both ports and checks
// the counters moved.
func TestMetrics(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ta.echoOnce(t, ta.clientTLS(), "count me")
	d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: ioWait}
	c, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetWriteDeadline(time.Now().Add(ioWait))
	c.SetReadDeadline(time.Now().Add(ioWait))
	if err := c.WriteMessage(websocket.TextMessage, []byte("hello")); err != nil {
		t.Fatalf("ws write: %v", err)
	}
	// The echo comes after the server counted the message.
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "hello" {
		t.Fatalf("ws echo: %q, %v", msg, err)
	}

	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()
	body := scrapeMetrics(t, client, ta.AdminAddr)
	for _, want := range []string{
		`tlsecho_connections_total{listener="tls"} 1`,
		`tlsecho_connections_total{listener="https"} 1`,
		`tlsecho_connections_active{listener="https"} 1`,
		`tlsecho_ws_connections_total{listener="https"} 1`,
		`tlsecho_ws_connections_active{listener="https"} 1`,
		`tlsecho_tls_handshakes_total{listener="tls",version="TLS 1.3"} 1`,
		`tlsecho_tls_handshakes_total{listener="https",version="TLS 1.3"} 1`,
		`tlsecho_ws_messages_total{type="text"} 1`,
		`tlsecho_ws_message_bytes_total{type="text"} 5`,
		`tlsecho_tls_handshake_seconds_count{listener="tls"} 1`,
		`tlsecho_tls_handshake_seconds_count{listener="https"} 1`,
		`tlsecho_certificate_not_after_seconds `,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if err := c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")); err != nil {
		t.Fatalf("ws close: %v", err)
	}
	// The server answers the close with the same code.
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("answer to the close: %v, want close 1000", err)
	}
	c.Close()
	// The server counts the close after it has answered it.
	waitMetrics(t, client, ta.AdminAddr, `tlsecho_ws_closes_total{code="1000"} 1`)
}
