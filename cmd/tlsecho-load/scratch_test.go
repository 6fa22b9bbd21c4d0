//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestScratchOfKilledRunRemoved kills a compare run with SIGKILL while it
// waits for its servers, so it cannot remove its scratch directory, and
// checks that the next run removes it while leaving a live run's alone.
func TestScratchOfKilledRunRemoved(t *testing.T) {
	t.Parallel()
	bin := commandBinary(t)
	tmp := t.TempDir()
	// A server that never listens: the run waits for it (up to 20 s)
	// with its scratch directory made and the server's log in it.
	server := filepath.Join(tmp, "never-listens")
	if err := os.WriteFile(server, []byte("#!/bin/sh\nexec sleep 60\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	scratch := filepath.Join(tmp, "scratch")
	if err := os.Mkdir(scratch, 0o700); err != nil {
		t.Fatal(err)
	}
	start := func() (*exec.Cmd, string) {
		t.Helper()
		before, _ := filepath.Glob(filepath.Join(scratch, scratchPrefix+"run-*"))
		// -idle 64: the 5,000 idle connections by default need more open
		// files than a limit of 1024 allows, and compare refused to start.
		cmd := exec.Command(bin, "compare", "-tlsecho", server, "-baseline", server, "-rounds", "1", "-idle", "64")
		cmd.Env = append(os.Environ(), "TMPDIR="+scratch)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		var dir string
		waitUntil(t, "a new scratch directory with the server's log", func() bool {
			logs, _ := filepath.Glob(filepath.Join(scratch, scratchPrefix+"run-*", "*.log"))
			for _, l := range logs {
				if d := filepath.Dir(l); !slices.Contains(before, d) {
					dir = d
					return true
				}
			}
			return false
		})
		return cmd, dir
	}

	killed, killedDir := start()
	killed.Process.Kill()
	killed.Wait()
	if _, err := os.Stat(killedDir); err != nil {
		t.Fatalf("the killed run's directory is gone before another run: %v", err)
	}
	_, liveDir := start()
	waitUntil(t, "the killed run's directory removed", func() bool {
		_, err := os.Stat(killedDir)
		return os.IsNotExist(err)
	})
	// A third run has looked for abandoned directories by the time its
	// server's log is made; the second run is still alive.
	start()
	if _, err := os.Stat(liveDir); err != nil {
		t.Errorf("a live run's directory was removed by the next run: %v", err)
	}
}

// waitUntil waits for cond, checked every 10 ms, for up to 20 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 20s for %s", what)
		}
	}
}

// TestScratchRemovedAtEnd: a run that ends of itself, here one whose
// server exits at once, removes its own scratch directory; it is not
// left for a later run to find.
func TestScratchRemovedAtEnd(t *testing.T) {
	t.Parallel()
	bin := commandBinary(t)
	tmp := t.TempDir()
	server := filepath.Join(tmp, "exits")
	if err := os.WriteFile(server, []byte("#!/bin/sh\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	scratch := filepath.Join(tmp, "scratch")
	if err := os.Mkdir(scratch, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "compare", "-tlsecho", server, "-baseline", server, "-rounds", "1")
	cmd.Env = append(os.Environ(), "TMPDIR="+scratch)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the run passed with a server that exits at once:\n%s", out)
	}
	if left, _ := filepath.Glob(filepath.Join(scratch, scratchPrefix+"*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
