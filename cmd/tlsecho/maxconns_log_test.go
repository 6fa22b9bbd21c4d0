package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"testing"
)

// TestMaxConnsWarnsOnceAtInfoLevel: a server at TLSECHO_MAX_CONNS tells
// an operator at the default log level, without a line per refused
// client: a warning at the first refusal, then nothing more for the
// burst, and an info line counting the rest once a connection is
// accepted again. The records' counts add up to the refusals the metric
// shows.
func TestMaxConnsWarnsOnceAtInfoLevel(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"MAX_CONNS": "1", "LOG_LEVEL": "info", "LOG_FORMAT": "json"})
	cfg := ta.clientTLS()
	held, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", ta.TLSAddr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	const refusals = 20
	for i := range refusals {
		// The server closes a refused connection at accept: the handshake
		// fails, after the refusal was logged.
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", ta.TLSAddr, cfg)
		if err == nil {
			c.Close()
			t.Fatalf("connection %d over the limit: handshake completed", i+2)
		}
	}
	warns := ta.Log.Records(t, "connection limit reached; refusing new connections")
	// One, unless this burst took longer than the 10 s window on a
	// loaded machine.
	if len(warns) == 0 || len(warns) > 3 {
		t.Fatalf("%d warnings for %d refusals, want 1 to 3:\n%s", len(warns), refusals, ta.Log)
	}
	if w := warns[0]; w["level"] != "WARN" || w["listener"] != "tls" || w["refused"] != 1.0 || w["max"] != 1.0 {
		t.Errorf("first warning: %v", w)
	}

	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()
	held.Close()
	waitMetrics(t, client, ta.AdminAddr, `tlsecho_connections_active{listener="tls"} 0`,
		fmt.Sprintf(`tlsecho_connections_refused_total{listener="tls"} %d`, refusals))
	ta.echoOnce(t, cfg, "room again")

	again := ta.Log.Records(t, "connection limit no longer reached; accepting connections again")
	if len(again) != 1 || again[0]["level"] != "INFO" || again[0]["listener"] != "tls" {
		t.Fatalf("records of the limit's end: %v, want one at info level on tls:\n%s", again, ta.Log)
	}
	total := again[0]["refused"].(float64)
	// A burst longer than the window has its refusals held back in it
	// written, when it ends, under words of their own.
	for _, msg := range []string{"connection limit reached; refusing new connections", "more connections refused at the connection limit"} {
		for _, w := range ta.Log.Records(t, msg) {
			total += w["refused"].(float64)
		}
	}
	if total != refusals {
		t.Errorf("the records count %v refusals, want %d:\n%s", total, refusals, ta.Log)
	}
}
