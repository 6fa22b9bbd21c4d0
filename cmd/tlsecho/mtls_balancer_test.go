package main

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestMTLSBalancerLogged: behind a PROXY header, the debug line naming a
// wss client's verified certificate names the balancer beside the client,
// as the handshake's line and the connection's other lines do.
func TestMTLSBalancerLogged(t *testing.T) {
	t.Parallel()
	_, caFile, serverCert, serverKey, client := mtlsSetup(t)
	ta := startApp(t, map[string]string{
		"CERT_FILE": serverCert, "KEY_FILE": serverKey, "CLIENT_CA_FILE": caFile,
		"PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "127.0.0.1",
	})
	seen := make(chan string, 1)
	d := websocket.Dialer{
		NetDialContext:   proxiedDialer(2, "203.0.113.14:40014", seen),
		TLSClientConfig:  &tls.Config{RootCAs: certPool(t, caFile), ServerName: "localhost", Certificates: []tls.Certificate{client}},
		HandshakeTimeout: 5 * time.Second,
	}
	c, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", nil)
	if err != nil {
		t.Fatalf("wss with a client certificate behind a PROXY header: %v", err)
	}
	defer c.Close()
	balancer := <-seen
	if line := waitLogged(t, ta, `msg="wss client certificate" listener=https peer=203.0.113.14:40014`); !strings.Contains(line, "balancer="+balancer) {
		t.Errorf("client certificate's line lacks the balancer %s: %s", balancer, line)
	}
}
