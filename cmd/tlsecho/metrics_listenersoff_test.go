package main

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/gorilla/websocket"
)

// seriesListener is a tlsecho_ series line with a listener label: its
// metric name and the listener.
var seriesListener = regexp.MustCompile(`(?m)^(tlsecho_[a-z_]+)\{(?:[^}]*,)?listener="([^"]*)"`)

// TestMetricsOnlyListenersOn: with the plain HTTP listener off (its
// default), no series names it, before or after traffic on the others:
// a dashboard or an alert grouped by listener must not show a listener
// that is not there. The listeners that are on have their series.
func TestMetricsOnlyListenersOn(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()

	check := func(when string) {
		t.Helper()
		body := scrapeMetrics(t, client, ta.AdminAddr)
		on := map[string]bool{}
		for _, m := range seriesListener.FindAllStringSubmatch(body, -1) {
			on[m[2]] = true
			if m[2] != "tls" && m[2] != "https" && m[2] != "admin" {
				t.Errorf("%s: %s has a series for listener %q, which is off", when, m[1], m[2])
			}
		}
		for _, name := range []string{"tls", "https", "admin"} {
			if !on[name] {
				t.Errorf("%s: no series for listener %q, which is on", when, name)
			}
		}
	}
	check("first scrape")

	ta.echoOnce(t, ta.clientTLS(), "count me")
	d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: ioWait}
	wc, _, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	wc.Close()
	waitMetrics(t, client, ta.AdminAddr,
		`tlsecho_ws_connections_total{listener="https"} 1`,
		`tlsecho_ws_connections_active{listener="https"} 0`,
		`tlsecho_connections_active{listener="tls"} 0`,
	)
	check("after traffic")
}
