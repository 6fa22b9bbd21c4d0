package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHealthWaitsOutHSDelay: with the admin and HTTP listeners off,
// `tlsecho health` asks the HTTPS port, whose every handshake
// TLSECHO_FAULT delays, its own included. The server answers, only later:
// health waits the delay out on top of its 3-second timeout and exits 0,
// and the server says at start that health checks take that much longer.
func TestHealthWaitsOutHSDelay(t *testing.T) {
	t.Parallel()
	// Longer than health's own timeout, well below the handshake timeout.
	vars := map[string]string{"ADMIN_ADDR": "", "FAULT": "hsdelay:3500ms", "HANDSHAKE_TIMEOUT": "20s"}
	ta := startApp(t, vars)
	line := waitLogged(t, ta, `msg="tlsecho health waits out the handshake delay"`)
	for _, want := range []string{"hsdelay=3.5s", "TLSECHO_FAULT", "HEALTHCHECK timeout"} {
		if !strings.Contains(line, want) {
			t.Errorf("start warning lacks %q: %s", want, line)
		}
	}
	env := []string{"TLSECHO_ADMIN_ADDR=", "TLSECHO_FAULT=hsdelay:3500ms", "TLSECHO_HANDSHAKE_TIMEOUT=20s", "TLSECHO_HTTPS_ADDR=" + ta.HTTPSAddr}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"health"}, env, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("health exit %d, want %d; stdout %q stderr %q", code, exitOK, stdout.String(), stderr.String())
	}
	if strings.Contains(ta.Log.String(), "tlsecho health cannot check") {
		t.Errorf("a delayed handshake was called one health cannot pass:\n%s", ta.Log.String())
	}
}

// TestHealthDelayNotPromisedWhenHealthCannotAsk: where `tlsecho health`
// cannot ask the server at all (it exits 2 saying why), the start warns
// of that alone, and does not also say that health checks wait out
// TLSECHO_FAULT's hsdelay, which they never reach.
func TestHealthDelayNotPromisedWhenHealthCannotAsk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vars map[string]string
	}{
		{"PROXY from an untrusted address", map[string]string{"ADMIN_ADDR": "", "FAULT": "hsdelay:1s", "PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "10.0.0.1"}},
		{"alert beside the delay", map[string]string{"ADMIN_ADDR": "", "FAULT": "hsdelay:1s,alert:internal_error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, tt.vars)
			waitLogged(t, ta, `msg="tlsecho health cannot check this server"`)
			waitLogged(t, ta, `msg="try it"`)
			if log := ta.Log.String(); strings.Contains(log, "tlsecho health waits out") {
				t.Errorf("the start says health waits out the delay beside saying it cannot check:\n%s", log)
			}
		})
	}
}
