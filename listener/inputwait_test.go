//go:build unix

package listener_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestInputWait: a wait returns once the peer has sent something, loses
// none of it, and returns the socket's deadline error when a deadline
// passes.
func TestInputWait(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
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
	// Nothing was lost: all of it is there for the Conn's next read.
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

// waitConn accepts one connection on a plain listener and returns it
// with a wait set up on it and the client's end.
func waitConn(t *testing.T) (*listener.Conn, *listener.InputWait, *net.TCPConn) {
	t.Helper()
	l := listen(t, listener.Options{Name: "http"})
	return waitConnOn(t, l, acceptAll(t, l))
}

// waitConnOn is waitConn on l, whose connections got delivers.
func waitConnOn(t *testing.T, l *listener.Listener, got <-chan accepted) (*listener.Conn, *listener.InputWait, *net.TCPConn) {
	t.Helper()
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	a := next(t, got)
	if a.err != nil {
		t.Fatal(a.err)
	}
	lc := listener.From(a.c)
	w := new(listener.InputWait)
	if !w.Init(lc) {
		t.Fatal("Init: cannot wait on a TCP socket")
	}
	return lc, w, client.(*net.TCPConn)
}

// waitTwice waits until the socket has input, then waits again, which
// finds it there already: the second wait takes it in its one read.
func waitTwice(t *testing.T, w *listener.InputWait) {
	t.Helper()
	for i := range 2 {
		if err := w.Wait(); err != nil {
			t.Fatalf("wait %d: %v", i+1, err)
		}
	}
}

// TestInputWaitReadsAhead: a wait that finds input there already takes
// it from the socket in its one read, and the Conn's reads return it
// first, in order, in pieces as small as they ask for, then what came
// after, then the peer's end.
func TestInputWaitReadsAhead(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	if _, err := client.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	waitTwice(t, w)
	// The socket itself is empty now: a read of it with a passed deadline
	// finds nothing.
	lc.NetConn().SetReadDeadline(time.Now())
	if n, err := lc.NetConn().Read(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("socket after the wait: %d bytes, %v; want nothing, the wait took the input", n, err)
	}
	lc.SetReadDeadline(time.Time{})
	// A wait while input read ahead is still to be read returns at once.
	if err := w.Wait(); err != nil {
		t.Fatalf("wait with input read ahead: %v", err)
	}
	if _, err := client.Write([]byte(" world")); err != nil {
		t.Fatal(err)
	}
	client.CloseWrite()
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	var got []byte
	buf := make([]byte, 2)
	for {
		n, err := lc.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read after %q: %v", got, err)
		}
	}
	if string(got) != "hello world" {
		t.Fatalf("read %q, want \"hello world\"", got)
	}
}

// TestInputWaitReadsAheadReset: a reset the wait's read met is what the
// next read reports, as the socket would have, not an end of input.
func TestInputWaitReadsAheadReset(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	client.SetLinger(0)
	client.Close()
	waitTwice(t, w)
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := lc.Read(make([]byte, 8)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after a reset: %d bytes, %v; want ECONNRESET", n, err)
	}
}

// TestInputWaitReadsAheadInOrder: input larger than a wait reads ahead
// comes back whole and in order, the part read ahead first, then the rest
// from the socket.
func TestInputWaitReadsAheadInOrder(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	sent := make([]byte, 64<<10)
	for i := range sent {
		sent[i] = byte(i * 7)
	}
	go func() {
		client.Write(sent)
		client.CloseWrite()
	}()
	waitTwice(t, w)
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	got, err := io.ReadAll(lc)
	if err != nil {
		t.Fatalf("read after %d bytes: %v", len(got), err)
	}
	if !bytes.Equal(got, sent) {
		t.Fatalf("read %d bytes, not the %d sent in order", len(got), len(sent))
	}
}
