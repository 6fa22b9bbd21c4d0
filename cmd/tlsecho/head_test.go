package main

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// TestHEAD checks that every path answered to GET answers HEAD, on both
// the HTTPS and the admin port, as load balancers and uptime checkers
// send it.
func TestHEAD(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ta.clientTLS()}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	https := "https://localhost:" + portOf(t, ta.HTTPSAddr)
	admin := "http://" + ta.AdminAddr
	for _, u := range []string{
		https + "/healthz", https + "/", https + "/info", https + "/app.js",
		admin + "/healthz", admin + "/readyz", admin + "/metrics",
	} {
		resp, err := client.Head(u)
		if err != nil {
			t.Errorf("HEAD %s: %v", u, err)
			continue
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n != 0 {
			t.Errorf("HEAD %s = %d with %d body bytes, want 200 and none", u, resp.StatusCode, n)
		}
	}
}
