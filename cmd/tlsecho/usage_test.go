package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
)

// listenerRoutes are the paths each listener serves besides the page at
// "/", as the contract lists them.
var listenerRoutes = []struct {
	envVar string
	addr   func(*testApp) string
	scheme string
	paths  []string
}{
	{"TLSECHO_HTTPS_ADDR", func(ta *testApp) string { return ta.HTTPSAddr }, "https", []string{"/ws", "/info", "/healthz"}},
	{"TLSECHO_HTTP_ADDR", func(ta *testApp) string { return ta.HTTPAddr }, "http", []string{"/ws", "/info", "/healthz"}},
	{"TLSECHO_ADMIN_ADDR", func(ta *testApp) string { return ta.AdminAddr }, "http", []string{"/metrics", "/healthz", "/readyz", "/hellos", "/faults"}},
}

// TestHelpNamesWhatEachListenerServes: `tlsecho -h` names every listener
// twice, in the summary of the ports and in the table of variables, and
// each time every path it serves; the server answers each of those paths.
func TestHelpNamesWhatEachListenerServes(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, nil, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ta.clientTLS(), DisableKeepAlives: true}}
	for _, l := range listenerRoutes {
		var lines []string
		for line := range strings.Lines(stdout.String()) {
			if strings.HasPrefix(line, "  "+l.envVar+" ") {
				lines = append(lines, line)
			}
		}
		if len(lines) != 2 {
			t.Errorf("-h has %d lines for %s, want 2 (the ports, the variables):\n%s", len(lines), l.envVar, strings.Join(lines, ""))
		}
		for _, p := range l.paths {
			resp, err := client.Get(l.scheme + "://" + l.addr(ta) + p)
			if err != nil {
				t.Fatalf("GET %s on %s: %v", p, l.envVar, err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusNotFound {
				t.Errorf("GET %s on %s: 404, but the contract lists it", p, l.envVar)
			}
			for _, line := range lines {
				if !strings.Contains(line, p) {
					t.Errorf("-h line does not name %s: %q", p, line)
				}
			}
		}
	}
}
