package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
)

func TestHealth(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	taNoAdmin := startApp(t, map[string]string{"ADMIN_ADDR": ""})
	_, caFile, serverCert, serverKey, _ := mtlsSetup(t)
	taMTLS := startApp(t, map[string]string{"CERT_FILE": serverCert, "KEY_FILE": serverKey, "CLIENT_CA_FILE": caFile})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	tests := []struct {
		name string
		env  []string
		code int
	}{
		{"admin answers", []string{"TLSECHO_ADMIN_ADDR=" + ta.AdminAddr}, exitOK},
		{"admin off, https answers", []string{"TLSECHO_ADMIN_ADDR=", "TLSECHO_HTTPS_ADDR=" + taNoAdmin.HTTPSAddr}, exitOK},
		{"mTLS, admin answers", []string{"TLSECHO_ADMIN_ADDR=" + taMTLS.AdminAddr, "TLSECHO_HTTPS_ADDR=" + taMTLS.HTTPSAddr, "TLSECHO_CLIENT_CA_FILE=" + caFile}, exitOK},
		// The server serves it, and warns at start (TestHealthCannotAsk).
		{"mTLS, admin off", []string{"TLSECHO_ADMIN_ADDR=", "TLSECHO_HTTPS_ADDR=" + taMTLS.HTTPSAddr, "TLSECHO_CLIENT_CA_FILE=" + caFile}, exitUsage},
		{"nothing listening", []string{"TLSECHO_ADMIN_ADDR=" + closedAddr}, exitFailure},
		{"bad configuration", []string{"TLSECHO_ADMIN_ADDR=nope"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"health"}, tt.env, nil, &stdout, &stderr); code != tt.code {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", code, tt.code, stdout.String(), stderr.String())
			}
		})
	}
}

func TestLoopback(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		":9090":          "127.0.0.1:9090",
		"0.0.0.0:9090":   "127.0.0.1:9090",
		"[::]:9090":      "[::1]:9090",
		"10.1.2.3:9090":  "10.1.2.3:9090",
		"localhost:9090": "localhost:9090",
	} {
		if got := loopback(in); got != want {
			t.Errorf("loopback(%q) = %q, want %q", in, got, want)
		}
	}
	if !strings.Contains(loopback("bad"), "bad") {
		t.Error("loopback lost an unparseable address")
	}
}

// TestHealthCannotAsk: where `tlsecho health` cannot reach the server (the
// admin listener off, with mTLS on both TLS ports, with PROXY headers
// required from peers that do not include the health command's address,
// or with TLSECHO_FAULT answering every handshake with an alert),
// the server still starts, as the contract lets the admin listener be
// turned off whatever else is set; it warns of it at start, and health
// exits 2 saying why.
func TestHealthCannotAsk(t *testing.T) {
	t.Parallel()
	_, caFile, serverCert, serverKey, _ := mtlsSetup(t)
	tests := []struct {
		name  string
		vars  map[string]string
		wants []string
	}{
		{"mTLS", map[string]string{"ADMIN_ADDR": "", "CERT_FILE": serverCert, "KEY_FILE": serverKey, "CLIENT_CA_FILE": caFile}, []string{"TLSECHO_CLIENT_CA_FILE", "TLSECHO_ADMIN_ADDR", "TLSECHO_HTTP_ADDR"}},
		{"PROXY required", map[string]string{"ADMIN_ADDR": "", "PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "10.0.0.1"}, []string{"TLSECHO_PROXY_TRUSTED", "127.0.0.1"}},
		{"alert fault", map[string]string{"ADMIN_ADDR": "", "FAULT": "delay:1ms, alert: internal_error"}, []string{"TLSECHO_FAULT", "alert:internal_error", "TLSECHO_ADMIN_ADDR", "TLSECHO_HTTP_ADDR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, tt.vars)
			line := waitLogged(t, ta, `msg="tlsecho health cannot check this server"`)
			var env []string
			for k, v := range tt.vars {
				env = append(env, envPrefix+k+"="+v)
			}
			env = append(env, "TLSECHO_HTTPS_ADDR="+ta.HTTPSAddr, "TLSECHO_TLS_ADDR="+ta.TLSAddr)
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"health"}, env, nil, &stdout, &stderr); code != exitUsage {
				t.Errorf("health exit %d, want %d; stderr %q", code, exitUsage, stderr.String())
			}
			for _, want := range tt.wants {
				if !strings.Contains(line, want) {
					t.Errorf("start warning lacks %q: %s", want, line)
				}
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("health's stderr lacks %q: %q", want, stderr.String())
				}
			}
		})
	}
	// With the admin listener on, health can always ask: no warning.
	ta := startApp(t, nil)
	waitLogged(t, ta, `msg="try it"`)
	if strings.Contains(ta.Log.String(), "tlsecho health cannot") {
		t.Errorf("warning with the admin listener on:\n%s", ta.Log.String())
	}
}
