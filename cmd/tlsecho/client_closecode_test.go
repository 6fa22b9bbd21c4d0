package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestClientServerCloseBadGateway: a server's close with 1014 (Bad
// Gateway, valid to send; here the close fault's) is reported as the
// close it is, with its reason, and answered with 1014, which the
// server counts; gorilla's client alone refused it as a bad close code,
// answered 1002 and reported a protocol violation.
func TestClientServerCloseBadGateway(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	r := runClient(t, "", "-insecure", "-n", "3", urls(ta)["wss"]+"?fault=close:1014:upstream%20gone@1", "hi")
	r.want(t, exitFailure, nil, []string{`closed the WebSocket with 1014 (bad gateway) "upstream gone" instead of sending the echo`})
	if strings.Contains(r.stderr, "broke the WebSocket protocol") {
		t.Errorf("the client calls 1014 a protocol violation")
	}
	waitMetric(t, http.DefaultClient, ta.AdminAddr, `tlsecho_ws_closes_total{code="1014"}`, func(v float64) bool { return v == 1 })
}
