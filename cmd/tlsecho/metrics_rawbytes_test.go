package main

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMetricsRawBytesWhileOpen: the raw TLS echo's bytes show in
// tlsecho_raw_bytes_total while the connection is still open, as a
// long-lived client's would on a dashboard, and are counted once, not
// again when it ends.
func TestMetricsRawBytesWhileOpen(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()

	c, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", ta.TLSAddr, ta.clientTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioWait))
	msg := strings.Repeat("long-lived ", 100) // 1,100 bytes
	for i := 0; i < 3; i++ {
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, make([]byte, len(msg))); err != nil {
			t.Fatal(err)
		}
	}
	// The server counts a write once it returns, a moment after the
	// client may have read it.
	open := []string{`tlsecho_raw_bytes_total{direction="in"} 3300`, `tlsecho_raw_bytes_total{direction="out"} 3300`}
	waitMetrics(t, client, ta.AdminAddr, open...)

	c.Close()
	waitMetrics(t, client, ta.AdminAddr, `tlsecho_connections_active{listener="tls"} 0`)
	if missing := missingMetrics(scrapeMetrics(t, client, ta.AdminAddr), open...); len(missing) != 0 {
		t.Errorf("after the connection ended /metrics lacks %q: its bytes must be counted once", missing)
	}
}
