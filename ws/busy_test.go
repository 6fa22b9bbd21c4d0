package ws

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// growingEcho is the echo as it runs where goroutines start with 2 KiB:
// every goroutine woken from a wait has grown its stack (makeRoom), which
// the runtime may or may not choose, so the tests choose it.
func growingEcho() Handler {
	e := Echo().(*echoHandler)
	e.prepare = func(c *Conn) { c.grown = c.woken }
	return e
}

// waiter is the id of the goroutine that waits for c's next message on
// the socket, and whether it is a wait's fresh goroutine (Conn.wait)
// rather than the echo's own; "" and true for a connection parked with no
// goroutine.
func waiter(t *testing.T, c *Conn) (id string, fresh bool) {
	t.Helper()
	g := waitsOnSocket(t, c)
	id, _, _ = strings.Cut(g, " [")
	return id, !strings.Contains(g, "ServeWS")
}

// TestBusyWaitsInPlace: a connection whose messages keep coming waits
// where it echoed, on the same goroutine from message to message, even
// where every woken goroutine grew its stack; before, it started a
// goroutine and grew its stack for every message.
func TestBusyWaitsInPlace(t *testing.T) {
	t.Parallel()
	// Between two messages the test dumps every goroutine's stack until
	// it finds the wait, which on a loaded machine under -race can take
	// longer than listener.QuickGap: the messages count as quick here
	// whatever the look took, and no keepalive look ends the wait in
	// place (nudge) for a quiet spell the test made.
	s, conns := opened(&Server{Handler: growingEcho(), PingInterval: time.Hour, quickGap: time.Hour})
	ts := startServer(t, s)
	rc, _ := ts.dialRaw(t, nil)
	c := <-conns
	var first string
	for i := range listener.BusyAfter + 6 {
		msg := []byte(fmt.Sprintf("message %d", i))
		rc.write(frame{fin: true, op: opBinary, payload: msg})
		if op, _, got := rc.readMessage(); op != opBinary || !bytes.Equal(got, msg) {
			t.Fatalf("got op %#x %q, want the echo of %q", op, got, msg)
		}
		id, _ := waiter(t, c)
		switch {
		case i < listener.BusyAfter:
			// Not busy yet: each wait parks, or goes to a fresh goroutine.
		case id == "":
			t.Fatalf("after message %d the busy connection is parked, not waiting in place", i)
		case i == listener.BusyAfter:
			first = id
		case id != first:
			t.Fatalf("after message %d the wait is on %s, after message %d on %s: a goroutine per message", i, id, listener.BusyAfter, first)
		}
	}
}

// TestBusyThenQuiet: a busy connection that goes quiet is moved by the
// keepalive's next look to a fresh goroutine's small stack, and echoes as
// before when its client speaks again: the deadline that ended the wait
// in place is gone.
func TestBusyThenQuiet(t *testing.T) {
	t.Parallel()
	// The keepalive looks every 750ms; the client is not pinged
	// (PingInterval is long) and has three idle seconds before it is
	// closed.
	s, conns := opened(&Server{Handler: growingEcho(), PingInterval: time.Hour, IdleTimeout: 3 * time.Second})
	ts := startServer(t, s)
	rc, _ := ts.dialRaw(t, nil)
	c := <-conns
	echoOnce := func(i int) {
		t.Helper()
		msg := []byte(fmt.Sprintf("message %d", i))
		rc.write(frame{fin: true, op: opBinary, payload: msg})
		if op, _, got := rc.readMessage(); op != opBinary || !bytes.Equal(got, msg) {
			t.Fatalf("got op %#x %q, want the echo of %q", op, got, msg)
		}
	}
	for i := range listener.BusyAfter + 2 {
		echoOnce(i)
	}
	busy, fresh := waiter(t, c)
	if fresh {
		t.Fatalf("a busy connection waits on a fresh goroutine (%s)", busy)
	}
	// Quiet now: within two looks of the keepalive, a fresh goroutine
	// waits, or none where connections park.
	deadline := time.Now().Add(3 * time.Second)
	for {
		id, fresh := waiter(t, c)
		if id != busy && fresh {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("3s after its last message the connection still waits on %s (fresh: %v)", id, fresh)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := range 3 {
		echoOnce(100 + i)
	}
}
