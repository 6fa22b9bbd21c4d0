package rawtls

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestShortConnectionNeverParks: a client that sends one message, reads
// the echo and closes, as a TLS check or a load generator's handshakes
// do, has its close read where the echo was, without a park and the
// wake-up after it. The grace is made long here so that a slow machine
// cannot pass it between the echo and the close.
func TestShortConnectionNeverParks(t *testing.T) {
	opened := make(chan *listener.Conn, 1)
	closed := make(chan bool, 1)
	srv := &Server{
		Hooks: &Hooks{
			Opened: func(c *Conn) { opened <- c.lc },
			Closed: func(c *Conn) { closed <- c.lc.Parked() },
		},
		grace: time.Minute,
	}
	c := serveDial(t, srv, 30*time.Second)
	msg := []byte("one message, then the close")
	echoOnce(t, c, msg)
	lc := <-opened
	deadline := time.Now().Add(10 * time.Second)
	for !parkedIn("rawtls.(*Conn).runQuiet(") {
		if lc.Parked() {
			t.Fatal("the connection parked right after its first echo")
		}
		if time.Now().After(deadline) {
			t.Fatal("no wait in place after the echo")
		}
		time.Sleep(time.Millisecond)
	}
	if lc.Parked() {
		t.Fatal("parked while its goroutine waits in place")
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("after close_notify: %d, %v; want the server's close_notify (EOF)", n, err)
	}
	select {
	case parked := <-closed:
		if parked {
			t.Fatal("the connection ended parked")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the connection did not end after the client's close_notify")
	}
}

// TestDrainDuringGraceCloses: a connection waiting out its grace after
// an echo (not parked yet) when Shutdown begins drains and is closed
// with close_notify once quiet for DrainQuiet, long before the grace
// would have ended, and Shutdown returns without running out of time.
func TestDrainDuringGraceCloses(t *testing.T) {
	t.Parallel()
	srv := &Server{grace: time.Minute, DrainQuiet: 100 * time.Millisecond}
	c := serveDial(t, srv, 30*time.Second)
	msg := []byte("then quiet, as Shutdown begins")
	echoOnce(t, c, msg)
	waitGrace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read while draining: %d, %v; want the server's close_notify (EOF)", n, err)
	}
	c.Close()
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v; want the drain to end the waiting connection", err)
	}
}

// TestIdleDuringGraceCloses: the idle timeout ends a connection waiting
// out its grace, with close_notify, as it ends a parked one.
func TestIdleDuringGraceCloses(t *testing.T) {
	t.Parallel()
	reason := make(chan EndReason, 1)
	srv := &Server{
		grace:       time.Minute,
		IdleTimeout: 300 * time.Millisecond,
		Hooks:       &Hooks{Closed: func(c *Conn) { reason <- c.EndReason() }},
	}
	c := serveDial(t, srv, 30*time.Second)
	msg := []byte("then quiet past the idle timeout")
	echoOnce(t, c, msg)
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read after the idle timeout: %d, %v; want the server's close_notify (EOF)", n, err)
	}
	if r := <-reason; r != EndIdle {
		t.Fatalf("ended for %v; want the idle timeout", r)
	}
}

// waitGrace waits until an echo waits out its grace in place, in
// runQuiet, within a bound.
func waitGrace(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !parkedIn("rawtls.(*Conn).runQuiet(") {
		if time.Now().After(deadline) {
			t.Fatal("no wait in place after the echo")
		}
		time.Sleep(time.Millisecond)
	}
}

// echoOnce sends msg and reads its echo, which must be msg.
func echoOnce(t *testing.T, c *tls.Conn, msg []byte) {
	t.Helper()
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("echo: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo %q, sent %q", got, msg)
	}
}
