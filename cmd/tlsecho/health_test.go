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
		// The server refuses this configuration at start, for this reason.
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
