package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
)

// TestHelpCommand: `tlsecho help COMMAND` prints what `tlsecho COMMAND -h`
// prints, on stdout with exit 0, as `git help` and `go help` do; `tlsecho
// help` alone is the overview; a name that is no command is a usage error
// on stderr, not the overview with exit 0.
func TestHelpCommand(t *testing.T) {
	t.Parallel()
	runArgs := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, nil, nil, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	_, overview, _ := runArgs("-h")
	for cmd := range commands(context.Background(), nil, nil, nil, nil) {
		t.Run(cmd, func(t *testing.T) {
			_, want, _ := runArgs(cmd, "-h")
			code, got, errOut := runArgs("help", cmd)
			if code != exitOK || got != want || errOut != "" {
				t.Errorf("help %s: exit %d, stderr %q, stdout:\n%s\nwant exit 0 and what %s -h prints:\n%s", cmd, code, errOut, got, cmd, want)
			}
		})
	}
	for _, args := range [][]string{{"help"}, {"help", "-h"}, {"help", "help"}} {
		if code, got, _ := runArgs(args...); code != exitOK || got != overview {
			t.Errorf("%q: exit %d, stdout %q; want the overview", args, code, got)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"help", "client", "extra"}, "one command at most"},
	} {
		code, got, errOut := runArgs(tt.args...)
		if code != exitUsage || got != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and one stderr line with %q", tt.args, code, got, errOut, exitUsage, tt.want)
		}
	}

	// The real process, as typed.
	cmd := command(t, nil, "help", "client")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || !strings.HasPrefix(stdout.String(), "Usage: tlsecho client") {
		t.Errorf("process help client: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	cmd = command(t, nil, "help", "frobnicate")
	stdout.Reset()
	stderr.Reset()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if ee, ok := cmd.Run().(*exec.ExitError); !ok || ee.ExitCode() != exitUsage || stdout.Len() != 0 {
		t.Errorf("process help frobnicate: want exit %d and nothing on stdout; stdout %q, stderr %q", exitUsage, stdout.String(), stderr.String())
	}
}
