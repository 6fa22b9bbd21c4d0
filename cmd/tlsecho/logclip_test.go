package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestLogValuesBounded: a client's 60 KB Origin header and 60 KB SNI do
// not reach the log whole, in either format: each record stays a few KiB
// and says how long the value was.
func TestLogValuesBounded(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, map[string]string{"LOG_FORMAT": format})
			origin := "https://" + strings.Repeat("o", 60000) + ".example"
			d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
			c, resp, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", http.Header{"Origin": {origin}})
			if err == nil {
				c.Close()
				t.Fatal("a foreign origin was allowed")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("dial: %v, want HTTP 403", err)
			}
			resp.Body.Close()

			cfg := ta.clientTLS()
			cfg.ServerName = strings.Repeat("s", 60000) + ".example"
			cfg.InsecureSkipVerify = true
			tc, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ta.TLSAddr, cfg)
			if err != nil {
				t.Fatalf("dial with a long SNI: %v", err)
			}
			tc.Close()

			waitLogged(t, ta, "websocket origin refused")
			waitLogged(t, ta, "ssssssss") // the handshake record
			for line := range strings.Lines(ta.Log.String()) {
				if len(line) > 8<<10 {
					t.Errorf("a %d-byte log line: %.300s…", len(line), line)
				}
			}
			if !strings.Contains(waitLogged(t, ta, "websocket origin refused"), fmt.Sprintf("(%d bytes)", len(origin))) {
				t.Error("the clipped origin does not say how long it was")
			}
			if format == "json" {
				ta.Log.Records(t, "") // every line is JSON
			}
		})
	}
}
