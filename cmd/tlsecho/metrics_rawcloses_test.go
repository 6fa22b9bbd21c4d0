package main

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// rawCloses is the series of tlsecho_raw_closes_total for reason at n.
func rawCloses(reason string, n int) string {
	return `tlsecho_raw_closes_total{reason="` + reason + `"} ` + strconv.Itoa(n)
}

// TestMetricsRawCloses ends raw TLS connections in ways an operator
// tells apart, for real, and checks each is counted once under its
// reason in tlsecho_raw_closes_total: a client that closes, one that
// resets, a fin fault, and one open at shutdown.
func TestMetricsRawCloses(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()
	closes := rawCloses
	waitMetrics(t, client, ta.AdminAddr, closes("client", 0), closes("idle", 0), closes("stuck", 0),
		closes("shutdown", 0), closes("fault", 0), closes("error", 0))

	c := ta.mustDialRaw(t)
	c.echo(t, "bye")
	c.Close()
	waitMetrics(t, client, ta.AdminAddr, closes("client", 1))

	r, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", ta.TLSAddr, ta.clientTLS())
	if err != nil {
		t.Fatal(err)
	}
	r.NetConn().(*net.TCPConn).SetLinger(0)
	r.NetConn().Close()
	waitMetrics(t, client, ta.AdminAddr, closes("error", 1))

	ta.arm(t, "tls", "fin", "1")
	f := ta.mustDialRaw(t)
	if _, err := f.rest(ioWait); err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("under fin: %v, want EOF", err)
	}
	f.Close()
	waitMetrics(t, client, ta.AdminAddr, closes("fault", 1))

	open := ta.mustDialRaw(t)
	open.echo(t, "still here")
	ta.Stop(t)
	// The admin port is closed now: the registry is read directly.
	rec := httptest.NewRecorder()
	ta.metrics.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if miss := missingMetrics(rec.Body.String(), closes("shutdown", 1), closes("client", 1), closes("error", 1)); len(miss) > 0 {
		t.Errorf("after the shutdown, /metrics lacks %q:\n%s", miss, rec.Body)
	}
}

// TestMetricsRawClosesIdle: a client silent past TLSECHO_IDLE_TIMEOUT is
// counted as idle, and one that sends but never reads, whose echo the
// server cannot write for that long, as stuck.
func TestMetricsRawClosesIdle(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"IDLE_TIMEOUT": "500ms"})
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()
	closes := rawCloses

	idle := ta.mustDialRaw(t)
	stuck, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait, Control: smallReceiveBuffer}, "tcp", ta.TLSAddr, ta.clientTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	go func() {
		chunk := make([]byte, 64<<10)
		for {
			if _, err := stuck.Write(chunk); err != nil {
				return
			}
		}
	}()
	if _, err := idle.rest(ioWait); err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("idle client: %v, want EOF", err)
	}
	waitMetrics(t, client, ta.AdminAddr, closes("idle", 1), closes("stuck", 1))

	if miss := missingMetrics(scrapeMetrics(t, client, ta.AdminAddr), closes("client", 0), closes("error", 0)); len(miss) > 0 {
		t.Errorf("/metrics lacks %q", miss)
	}
}
