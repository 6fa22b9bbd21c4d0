package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestMetricsReady: tlsecho_ready is 1 while the server serves and turns
// 0 at the shutdown, as /readyz turns 503.
func TestMetricsReady(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()
	if miss := missingMetrics(scrapeMetrics(t, client, ta.AdminAddr), "tlsecho_ready 1"); len(miss) > 0 {
		t.Fatalf("while serving, /metrics lacks %q", miss)
	}
	ta.Stop(t)
	// The admin port is closed now: the registry is read directly.
	rec := httptest.NewRecorder()
	ta.metrics.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if miss := missingMetrics(rec.Body.String(), "tlsecho_ready 0"); len(miss) > 0 {
		t.Errorf("after the shutdown, /metrics lacks %q:\n%s", miss, rec.Body)
	}
}
