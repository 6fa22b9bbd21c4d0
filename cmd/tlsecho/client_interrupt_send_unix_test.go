//go:build unix

package main

import (
	"errors"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestClientInterruptStalledSend: Ctrl-C while a send is stalled (the
// server took the first byte and reads no more) ends the client within
// about a second more, exit 130, saying the send did not go out; it waited
// for -timeout (60s here), behind the stalled write, and with standard
// input then called it an interruption before the session began. With
// lines of standard input and with a MESSAGE, on tls:// and wss://.
func TestClientInterruptStalledSend(t *testing.T) {
	t.Parallel()
	// The most one argument may hold (Linux's MAX_ARG_STRLEN), far more
	// than the server's small window and the client's socket buffer take.
	message := strings.Repeat("x", 128<<10-1)
	for _, scheme := range []string{"tls", "wss"} {
		for _, mode := range []string{"stdin", "MESSAGE"} {
			t.Run(scheme+"/"+mode, func(t *testing.T) {
				t.Parallel()
				// The first byte comes once the client has read its
				// input: with lines of standard input, 16 MiB through a
				// pipe into a child built with -race, which on a loaded
				// machine took longer than the ioWait serveTLSOn gives a
				// connection from its accept; stallingServer waits for
				// it as long as the test does.
				u, began := stallingServer(t, scheme)
				args := []string{"client", "-insecure", "-timeout", "60s", u}
				if mode == "MESSAGE" {
					args = append(args, message)
				}
				cmd := command(t, nil, args...)
				stdin, err := cmd.StdinPipe()
				if err != nil {
					t.Fatal(err)
				}
				var stderr strings.Builder
				cmd.Stdout, cmd.Stderr = io.Discard, &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { cmd.Process.Kill() })
				if mode == "stdin" {
					go func() {
						io.WriteString(stdin, strings.Repeat("x", beyondBuffers)+"\n")
						stdin.Close()
					}()
				}
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				select {
				case <-began:
				case err := <-exited:
					t.Fatalf("%s, %s: the client exited (%v) before its send reached the server; stderr:\n%s", u, mode, err, stderr.String())
				case <-time.After(2 * ioWait):
					cmd.Process.Kill()
					<-exited
					t.Fatalf("%s, %s: no byte of the send reached the server within %v; stderr:\n%s", u, mode, 2*ioWait, stderr.String())
				}

				if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
					t.Fatal(err)
				}
				select {
				case err = <-exited:
				case <-time.After(ioWait):
					cmd.Process.Kill()
					<-exited
					t.Fatalf("%s, %s: still running %v after SIGINT, with -timeout 60s; stderr:\n%s", u, mode, ioWait, stderr.String())
				}
				// A MESSAGE may have gone into the socket buffers whole, and
				// then the client waits for its echo, which the close that
				// Ctrl-C sends does not bring either.
				want := "interrupted while sending: "
				if mode == "MESSAGE" {
					want = "tlsecho client: interrupted"
				}
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted || !strings.Contains(stderr.String(), want) {
					t.Errorf("%s, %s: exit %v, want status %d saying %q; stderr:\n%s", u, mode, err, exitInterrupted, want, stderr.String())
				}
			})
		}
	}
}
