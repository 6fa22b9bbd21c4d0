//go:build unix

package listener_test

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestInputWait: a wait returns once the peer has sent something, takes
// none of it, and returns the socket's deadline error when a deadline
// passes.
func TestInputWait(t *testing.T) {
	t.Parallel()
	l := listen(t, listener.Options{Name: "http"})
	got := acceptAll(t, l)
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	a := next(t, got)
	if a.err != nil {
		t.Fatal(a.err)
	}
	lc := listener.From(a.c)
	var w listener.InputWait
	if !w.Init(lc) {
		t.Fatal("Init: cannot wait on a TCP socket")
	}

	waited := make(chan error, 1)
	go func() { waited <- w.Wait() }()
	if _, err := client.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("Wait after the peer wrote: %v", err)
		}
	case <-time.After(ioTimeout):
		t.Fatalf("Wait did not return within %v of the peer's write", ioTimeout)
	}
	// The wait took nothing: all of it is still there to read.
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(lc, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("read after the wait: %q, %v; want \"hello\"", buf, err)
	}

	// Nothing more comes: a passed deadline ends the wait.
	lc.SetReadDeadline(time.Now())
	if err := w.Wait(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Wait with a passed deadline: %v, want os.ErrDeadlineExceeded", err)
	}
}
