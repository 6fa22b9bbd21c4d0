package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestSignalWhileStarting: a signal that comes while the server is still
// starting is not the end of the process by the signal's default action.
// SIGHUP is taken for a reload; SIGTERM and SIGINT for the request to
// stop: the server starts, drains at once and exits 0 with its stopped
// line, as for one a moment later. The server is held at its start by its
// own log: it warns of 2000 unknown TLSECHO_ variables, some 200 KiB,
// into a pipe nobody reads, which holds 64 KiB: from its first warning
// until the test reads, it cannot get past them to listen.
func TestSignalWhileStarting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sig  syscall.Signal
		want string // the lines after the start's, in order
	}{
		{syscall.SIGHUP, "tlsecho serving|nothing to reload"},
		{syscall.SIGTERM, "tlsecho serving|stopped"},
		{syscall.SIGINT, "tlsecho serving|stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.sig.String(), func(t *testing.T) {
			t.Parallel()
			cmd, release := startHeld(t)
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			lines := release()
			timeout := time.After(ioWait)
			for want := range strings.SplitSeq(tt.want, "|") {
				for found := false; !found; {
					select {
					case line, ok := <-lines:
						if !ok {
							t.Fatalf("the server ended before logging %q: %v", want, cmd.Wait())
						}
						found = strings.Contains(line, want)
					case <-timeout:
						t.Fatalf("no %q in the log within %v", want, ioWait)
					}
				}
			}
			if tt.sig == syscall.SIGHUP {
				if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("exit after %v: %v, want 0", tt.sig, err)
			}
		})
	}
}

// startHeld starts a server held at its start (see TestSignalWhileStarting)
// and returns once it is; release lets it go on, and returns its log from
// then on, but for the warnings, a line at a time.
func startHeld(t *testing.T, extra ...string) (cmd *exec.Cmd, release func() <-chan string) {
	t.Helper()
	environ := append([]string{
		"TLSECHO_TLS_ADDR=127.0.0.1:0", "TLSECHO_HTTPS_ADDR=127.0.0.1:0", "TLSECHO_ADMIN_ADDR=127.0.0.1:0",
	}, extra...)
	for i := range 2000 {
		environ = append(environ, fmt.Sprintf("TLSECHO_UNUSED_SETTING_NUMBER_%d=1", i))
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	cmd = command(t, environ)
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill() })

	for deadline := time.Now().Add(ioWait); ; {
		var n int32
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, r.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); e != 0 {
			t.Fatal(e)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server wrote no warning within %v", ioWait)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cmd, func() <-chan string {
		lines := make(chan string, 16)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				if !strings.Contains(sc.Text(), "not a tlsecho setting") {
					lines <- sc.Text()
				}
			}
		}()
		return lines
	}
}

// TestSecondSignalWhileStarting: a second SIGINT, sent as a person would,
// well after the first, while the server still starts, ends the process
// at once by the signal, as it does during the drain: it used to wait in
// the queue until the server served, and be taken then for the first
// one's echo, and the server drained and exited 0.
func TestSecondSignalWhileStarting(t *testing.T) {
	t.Parallel()
	// The server's lines of the two signals are in its log format, though
	// it is not serving yet.
	cmd, release := startHeld(t, "TLSECHO_LOG_FORMAT=json")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// Not a wait for the server, which is held and can say nothing: the
	// time that makes the next signal an operator's second, not an echo.
	time.Sleep(2 * sameSignal)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	lines := release()
	ended := make(chan error, 1)
	go func() {
		seen := false
		for line := range lines {
			if strings.Contains(line, "stopped") {
				t.Errorf("the server drained after a second SIGINT: %s", line)
			}
			if strings.Contains(line, "second signal") {
				seen = true
				if !strings.HasPrefix(line, "{") {
					t.Errorf("a signal's line not in the log's format (JSON): %s", line)
				}
			}
		}
		if !seen {
			t.Error("no line about the second signal")
		}
		ended <- cmd.Wait()
	}()
	select {
	case err := <-ended:
		wantDeathBy(t, err, syscall.SIGINT, "a second SIGINT")
	case <-time.After(ioWait):
		t.Fatalf("the server still runs %v after a second SIGINT", ioWait)
	}
}
