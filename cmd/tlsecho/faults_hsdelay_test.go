package main

import (
	"crypto/tls"
	"net"
	"net/http"
	"testing"
)

// TestFaultsHSDelayClientLeaves: a client that goes away during an
// hsdelay, with a FIN or with a reset, gives its TLSECHO_MAX_CONNS slot
// back at once, not when the delay ends: with both slots taken by such
// clients, the next client is served straight away.
func TestFaultsHSDelayClientLeaves(t *testing.T) {
	ta := startApp(t, map[string]string{"MAX_CONNS": "2", "HANDSHAKE_TIMEOUT": "60s"})
	ta.arm(t, "tls", "hsdelay:30s", "2")
	// One admin connection at a time: the admin listener's limit is 2 too.
	admin := &http.Client{Timeout: ioWait, Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer admin.CloseIdleConnections()

	var conns []*net.TCPConn
	handshakes := make(chan error, 2)
	for range 2 {
		nc, err := net.DialTimeout("tcp", ta.TLSAddr, ioWait)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, nc.(*net.TCPConn))
		// The ClientHello goes out; the answer is held by the delay.
		go func() { handshakes <- tls.Client(nc, ta.clientTLS()).Handshake() }()
	}
	waitMetrics(t, admin, ta.AdminAddr,
		`tlsecho_connections_active{listener="tls"} 2`,
		`tlsecho_faults_total{verb="hsdelay"} 2`,
	)
	conns[0].Close() // a FIN
	conns[1].SetLinger(0)
	conns[1].Close() // a reset
	for range 2 {
		<-handshakes
	}
	waitMetrics(t, admin, ta.AdminAddr, `tlsecho_connections_active{listener="tls"} 0`)
	ta.echoOnce(t, ta.clientTLS(), "served while the delay would still run\n")
}
