package main

import (
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

var (
	readmeMetric = regexp.MustCompile("`(tlsecho_[a-z_]+)")
	metricType   = regexp.MustCompile(`(?m)^# TYPE (tlsecho_[a-z_]+) (\w+)$`)
)

// TestREADMEMetrics: the metrics the README's Operations section lists
// are the tlsecho_ metrics a server with every listener and the PROXY
// stage on exposes after traffic, no more and no fewer (the client CA
// file's aside, which need mTLS), each of the type its name promises.
func TestREADMEMetrics(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "- **Metrics**")
	section, _, _ = strings.Cut(section, "\n- **")
	listed := map[string]bool{}
	for _, m := range readmeMetric.FindAllStringSubmatch(section, -1) {
		listed[m[1]] = true
	}
	if len(listed) == 0 {
		t.Fatal("no metrics listed in the README's Metrics paragraph")
	}

	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_PROTOCOL": "optional"})
	ta.echoOnce(t, ta.clientTLS(), "count me")
	// A WebSocket that ends: closes are counted once there is one.
	wc, _, err := websocket.DefaultDialer.Dial("ws://"+ta.HTTPAddr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	wc.Close()
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()
	waitMetrics(t, client, ta.AdminAddr, `tlsecho_ws_closes_total{code="0"} 1`)
	body := scrapeMetrics(t, client, ta.AdminAddr)

	exposed := map[string]string{}
	for _, m := range metricType.FindAllStringSubmatch(body, -1) {
		exposed[m[1]] = m[2]
	}
	for name := range listed {
		// Only with TLSECHO_CLIENT_CA_FILE: TestMetricsClientCAReload.
		if exposed[name] == "" && !strings.HasPrefix(name, "tlsecho_client_ca_") {
			t.Errorf("the README lists %s, which /metrics does not expose", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(exposed)) {
		if !listed[name] {
			t.Errorf("/metrics exposes %s, which the README does not list", name)
		}
		want := "gauge"
		switch {
		case strings.HasSuffix(name, "_total"):
			want = "counter"
		case name == "tlsecho_tls_handshake_seconds":
			want = "histogram"
		}
		if exposed[name] != want {
			t.Errorf("%s is a %s, want a %s", name, exposed[name], want)
		}
	}
}
