package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestClientInterruptAwaitingClose: Ctrl-C while the client waits for
// the server to answer its close (close 1000 after the last echo or at
// the end of input, close_notify at the end of input) ends the session
// as at any other moment: 130 within a second or so, saying that the
// close went out and the server did not answer, not after -timeout (60s
// here) and not as an interruption before the session began. Each server
// echoes, reads the client's close, tells the test, and then says
// nothing more.
func TestClientInterruptAwaitingClose(t *testing.T) {
	t.Parallel()
	wsServer := func(t *testing.T, closed chan<- struct{}) string {
		return rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
			if !echoFirstFrame(c, br) {
				return
			}
			if op, _, err := clientFrame(br); err != nil || op != 0x8 {
				return
			}
			closed <- struct{}{}
			io.Copy(io.Discard, br) // until the client drops the connection
		})
	}
	tlsServer := func(t *testing.T, closed chan<- struct{}) string {
		hold := make(chan struct{})
		addr := serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
			if _, err := io.Copy(c, c); err != nil {
				return
			}
			closed <- struct{}{} // close_notify read: echoed all, never closes
			<-hold
		})
		t.Cleanup(func() { close(hold) })
		return "tls://" + addr
	}
	tests := []struct {
		name   string
		server func(*testing.T, chan<- struct{}) string
		args   []string // after the URL
		stdin  string
		want   string
	}{
		{"wss, MESSAGE", wsServer, []string{"hello"}, "", "interrupted; sent close 1000, but "},
		{"wss, stdin", wsServer, nil, "hello\n", "interrupted; sent close 1000, but "},
		{"tls, stdin", tlsServer, nil, "hello\n", "interrupted; sent close_notify, but "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			closed := make(chan struct{}, 1)
			u := tt.server(t, closed)
			cmd := command(t, nil, append([]string{"client", "-insecure", "-timeout", "60s", u}, tt.args...)...)
			cmd.Stdin = strings.NewReader(tt.stdin)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() })
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-closed:
			case err := <-exited:
				t.Fatalf("the client exited (%v) before the server read its close; stderr:\n%s", err, stderr.String())
			case <-time.After(ioWait):
				cmd.Process.Kill()
				<-exited
				t.Fatalf("the server read no close from the client within %v; stderr:\n%s", ioWait, stderr.String())
			}

			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-exited:
			case <-time.After(ioWait):
				cmd.Process.Kill()
				<-exited // before stderr is read
				t.Fatalf("still running %v after SIGINT, with -timeout 60s; stderr:\n%s", ioWait, stderr.String())
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
				t.Errorf("exit: %v, want status %d", err, exitInterrupted)
			}
			if !strings.Contains(stderr.String(), tt.want) || !strings.Contains(stdout.String(), "hello") {
				t.Errorf("stderr lacks %q, or stdout the echo\nstdout:\n%s\nstderr:\n%s", tt.want, stdout.String(), stderr.String())
			}
		})
	}
}
