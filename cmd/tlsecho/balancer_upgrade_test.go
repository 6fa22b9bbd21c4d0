package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestProxyBalancerLoggedUpgrade: behind a PROXY header, the debug lines
// of an upgrade the handshake's checks refuse, and of one refused once the
// connection was taken over (bytes sent before the 101, answered 400 on
// the taken connection), name the balancer beside the client.
func TestProxyBalancerLoggedUpgrade(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "127.0.0.1"})
	seen := make(chan string, 1)
	const upgrade = "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	tests := []struct {
		client, request, line string
	}{
		{"203.0.113.15:40015", upgrade + "Sec-WebSocket-Version: 13, 8\r\n\r\n", `msg="upgrade refused"`},
		// A text frame "early", masked with a zero key, before the 101.
		{"203.0.113.16:40016", upgrade + "Sec-WebSocket-Version: 13\r\n\r\n\x81\x85\x00\x00\x00\x00early", `msg="upgrade refused"`},
	}
	for _, tt := range tests {
		c, err := proxiedDialer(2, tt.client, seen)(context.Background(), "tcp", ta.HTTPSAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		balancer := <-seen
		tc := tls.Client(c, ta.clientTLS())
		tc.SetDeadline(time.Now().Add(ioWait))
		if _, err := fmt.Fprint(tc, tt.request); err != nil {
			t.Fatalf("%s: %v", tt.line, err)
		}
		if line := waitLogged(t, ta, tt.line+" listener=https peer="+tt.client); !strings.Contains(line, "balancer="+balancer) {
			t.Errorf("want a %s line with the balancer %s: %s", tt.line, balancer, line)
		}
	}
}
