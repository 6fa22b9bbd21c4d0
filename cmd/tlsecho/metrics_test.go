package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestMetrics scrapes /metrics after real traffic on both ports and checks
// the counters moved.
func TestMetrics(t *testing.T) {
	ta := startApp(t, nil)
	ta.echoOnce(t, ta.clientTLS(), "count me")
	d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
	c, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.WriteMessage(websocket.TextMessage, []byte("hello"))
	c.ReadMessage()

	scrape := func() string {
		resp, err := http.Get("http://" + ta.AdminAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q, want Prometheus text", ct)
		}
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	body := scrape()
	for _, want := range []string{
		`tlsecho_connections_total{listener="tls"} 1`,
		`tlsecho_connections_total{listener="ws"} 1`,
		`tlsecho_connections_active{listener="ws"} 1`,
		`tlsecho_tls_handshakes_total{version="TLS 1.3"} 1`,
		`tlsecho_ws_messages_total{type="text"} 1`,
		`tlsecho_ws_message_bytes_total{type="text"} 5`,
		`tlsecho_tls_handshake_seconds_count 1`,
		`tlsecho_certificate_not_after_seconds `,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	c.ReadMessage()
	c.Close()
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(scrape(), `tlsecho_ws_closes_total{code="1000"} 1`) {
		if time.Now().After(deadline) {
			t.Fatal("close code 1000 never counted")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
