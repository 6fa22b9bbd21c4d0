// Package sclient runs openssl s_client as an interactive client for the
// module's tests: what a test sends goes to the server (and to s_client's
// command letters, such as R to renegotiate), and each line s_client
// prints comes back to be waited on.
package sclient

import (
	"bufio"
	"context"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// Session is one running s_client.
type Session struct {
	t     testing.TB
	ctx   context.Context
	stdin io.WriteCloser
	lines chan string
	// Stderr is what s_client wrote on its standard error, where it says
	// RENEGOTIATING, and why it failed. It is whole once Wait returned.
	Stderr *testlog.Buffer
	// wait waits for the process, and for the copy of its standard error
	// into Stderr, once.
	wait func() error
}

// Start runs bin s_client with args until ctx ends or the test does. Not
// -quiet among args: that turns off the command letters.
func Start(t testing.TB, ctx context.Context, bin string, args ...string) *Session {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, append([]string{"s_client"}, args...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &Session{t: t, ctx: ctx, stdin: stdin, lines: make(chan string, 256), Stderr: &testlog.Buffer{}}
	cmd.Stderr = s.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.wait = sync.OnceValue(cmd.Wait)
	t.Cleanup(func() { s.wait() })
	t.Cleanup(func() { stdin.Close() })
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.lines <- strings.TrimRight(sc.Text(), "\r")
		}
		io.Copy(io.Discard, stdout)
	}()
	return s
}

// Send writes text to s_client's standard input.
func (s *Session) Send(text string) { io.WriteString(s.stdin, text) }

// WaitLine waits for a line for which match is true (what names it in a
// failure), failing the test if s_client ends or ctx does first.
func (s *Session) WaitLine(what string, match func(line string) bool) {
	s.t.Helper()
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("openssl ended before printing %s\nstderr: %s", what, s.Stderr.String())
			}
			if match(l) {
				return
			}
		case <-s.ctx.Done():
			s.t.Fatalf("openssl did not print %s\nstderr: %s", what, s.Stderr.String())
		}
	}
}

// Wait reads what s_client still prints until it ends, each line given to
// each (which may be nil), then waits for the process. Its standard error
// is copied into Stderr apart from its output, and may still be on its way
// when the output ends: only the process's end says that copy is done.
func (s *Session) Wait(each func(line string)) {
	for l := range s.lines {
		if each != nil {
			each(l)
		}
	}
	s.wait()
}
