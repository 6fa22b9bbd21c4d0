package main

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"
)

var handshakeBucket = regexp.MustCompile(`(?m)^tlsecho_tls_handshake_seconds_bucket\{listener="tls",le="([^"]+)"\} `)

// handshakeBucketTests are handshake timeouts: the default, one longer
// and one shorter.
var handshakeBucketTests = []struct {
	name    string
	timeout string // TLSECHO_HANDSHAKE_TIMEOUT, "" for the default
	want    time.Duration
}{
	{name: "default", timeout: "", want: 10 * time.Second},
	{name: "longer", timeout: "30s", want: 30 * time.Second},
	{name: "shorter", timeout: "2s", want: 2 * time.Second},
}

// TestMetricsHandshakeBuckets: a completed handshake may take up to
// TLSECHO_HANDSHAKE_TIMEOUT, so tlsecho_tls_handshake_seconds has finite
// buckets up to it: one that took longer than the top bucket lands in
// +Inf only, and histogram_quantile then answers with the top bucket's
// bound, hiding handshakes that took seconds longer; the first bucket
// is still half a millisecond, for handshakes on a local network.
func TestMetricsHandshakeBuckets(t *testing.T) {
	t.Parallel()
	for _, tt := range handshakeBucketTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{}
			if tt.timeout != "" {
				vars["HANDSHAKE_TIMEOUT"] = tt.timeout
			}
			ta := startApp(t, vars)
			client := &http.Client{Timeout: ioWait}
			defer client.CloseIdleConnections()
			var top, first float64
			for i, m := range handshakeBucket.FindAllStringSubmatch(scrapeMetrics(t, client, ta.AdminAddr), -1) {
				if m[1] == "+Inf" {
					continue
				}
				le, err := strconv.ParseFloat(m[1], 64)
				if err != nil {
					t.Fatalf("bucket le=%q: %v", m[1], err)
				}
				if i == 0 {
					first = le
				}
				top = max(top, le)
			}
			if top < tt.want.Seconds() {
				t.Errorf("top finite bucket %gs, below the handshake timeout %v", top, tt.want)
			}
			if first != 0.0005 {
				t.Errorf("first bucket %gs, want 0.0005s", first)
			}
		})
	}
}
