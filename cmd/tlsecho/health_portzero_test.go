package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
)

// TestHealthPortZero: with the listener it asks set to port 0, `tlsecho
// health` cannot know the port the server picked, and dialling port 0 is
// always refused, which would read as a server that is down. It exits 2
// saying why, naming the variable, as for the other configurations it
// cannot ask; a server running with that configuration does not change
// that.
func TestHealthPortZero(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil) // admin on 127.0.0.1:0, serving
	tests := []struct {
		name, varName string
		env           []string
	}{
		{"admin", "TLSECHO_ADMIN_ADDR", []string{"TLSECHO_ADMIN_ADDR=127.0.0.1:0"}},
		{"http, admin off", "TLSECHO_HTTP_ADDR", []string{"TLSECHO_ADMIN_ADDR=", "TLSECHO_HTTP_ADDR=:0"}},
		{"https, admin off", "TLSECHO_HTTPS_ADDR", []string{"TLSECHO_ADMIN_ADDR=", "TLSECHO_HTTPS_ADDR=127.0.0.1:0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"health"}, tt.env, nil, &stdout, &stderr)
			out := stderr.String()
			if code != exitUsage || stdout.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d", code, stdout.String(), out, exitUsage)
			}
			if strings.Count(out, "\n") != 1 || !strings.Contains(out, tt.varName+"=") || !strings.Contains(out, "port 0") {
				t.Errorf("stderr %q, want one line naming %s and port 0", out, tt.varName)
			}
		})
	}

	// The real process, beside the running server: given its bound port,
	// health passes; given the 0 it was configured with, it says why not.
	for _, tt := range []struct {
		admin string
		code  int
	}{{ta.AdminAddr, exitOK}, {"127.0.0.1:0", exitUsage}} {
		cmd := command(t, []string{"TLSECHO_ADMIN_ADDR=" + tt.admin}, "health")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := exitOK
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.code {
			t.Errorf("health with TLSECHO_ADMIN_ADDR=%s: exit %d, want %d; stderr %q", tt.admin, code, tt.code, stderr.String())
		}
	}
}
