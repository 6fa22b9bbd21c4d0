package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLiveLineFitsTerminal runs the command on an 80-column terminal (a
// pseudo-terminal from script(1)) against the echo servers: every update
// of the live line must stay shorter than the terminal is wide, or each
// one leaves a wrapped row behind (the line was 89 columns with small
// counts).
func TestLiveLineFitsTerminal(t *testing.T) {
	t.Parallel()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) here to make a terminal")
	}
	bin := commandBinary(t)
	tlsURL, wssURL, caFile, stop := servers(t)
	defer stop()
	cmd := "stty cols 80 && " + strings.Join([]string{bin, "-ca", caFile, "-c", "4", "-d", "3s", "-size", "64", tlsURL, wssURL}, " ")
	out, err := exec.Command(script, "-qec", cmd, "/dev/null").Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	updates := strings.Split(string(out), "\r\033[K")
	// The first is empty, the last the report, after the line is cleared.
	if len(updates) < 3 {
		t.Fatalf("fewer than 2 updates of the live line in a 3 s run:\n%q", out)
	}
	for _, u := range updates[1 : len(updates)-1] {
		if n := len([]rune(u)); n >= 80 || !strings.Contains(u, " errors") {
			t.Errorf("live line of %d columns on an 80-column terminal, or without its error count: %q", n, u)
		}
	}
}
