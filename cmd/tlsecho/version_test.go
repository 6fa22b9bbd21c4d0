package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestVersionArgs: `tlsecho version -h` is its help, as for every other
// command (`tlsecho COMMAND -h`), and an argument it does not take is a
// usage error, not ignored.
func TestVersionArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"plain", []string{"version"}, exitOK, "tlsecho ", ""},
		{"flag spelling", []string{"--version"}, exitOK, "tlsecho ", ""},
		{"help", []string{"version", "-h"}, exitOK, "Usage: tlsecho version", ""},
		{"argument", []string{"version", "extra"}, exitUsage, "", "tlsecho version: takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, nil, nil, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d", code, tt.wantCode)
			}
			if !strings.HasPrefix(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout %q, want it to start %q", stdout.String(), tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}
