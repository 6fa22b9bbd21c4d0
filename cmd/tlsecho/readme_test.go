package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADMECommands keeps the promise of the README's opening: its second
// command is exactly what CI runs.
func TestREADMECommands(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for line := range strings.Lines(string(readme)) {
		if strings.HasPrefix(line, "    ") {
			blocks = append(blocks, strings.TrimSpace(line))
		}
		if len(blocks) == 2 {
			break
		}
	}
	if len(blocks) < 2 || blocks[0] != "go run ./cmd/tlsecho" {
		t.Fatalf("the README does not open with the run command: %q", blocks)
	}
	if !strings.Contains(blocks[1], "go test -race ./...") {
		t.Errorf("the README's second command does not run go test -race ./...: %q", blocks[1])
	}
	if !strings.Contains(string(ci), "\n"+blocks[1]+"\n") {
		t.Errorf(".ci/run does not run the README's test command %q", blocks[1])
	}
}
