package ws

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// inGrace waits until c's goroutine waits out its grace (blocked in the
// poller inside waitGrace), and fails if c parks meanwhile.
func inGrace(t *testing.T, c *Conn) {
	t.Helper()
	onGrace := fmt.Sprintf("ws.(*Conn).waitGrace(%p", c)
	deadline := time.Now().Add(ioWait)
	for {
		if c.nc.lc.Parked() {
			t.Fatal("the connection parked: no grace in place")
		}
		for _, g := range strings.Split(stacks(), "\n\n") {
			if strings.Contains(g, onGrace) && strings.Contains(g, "[IO wait") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v no goroutine waits out the connection's grace", ioWait)
		}
		time.Sleep(time.Millisecond)
	}
}

// echoIntoGrace starts a server whose grace is a minute, and returns it,
// a client and the server's connection for it, which has echoed one
// message and waits out its grace.
func echoIntoGrace(t *testing.T) (*Server, *websocket.Conn, *Conn) {
	t.Helper()
	s, conns := opened(&Server{grace: time.Minute})
	ts := startServer(t, s)
	ws, _ := ts.dial(t, nil, nil)
	c := <-conns
	if _, got := echo(t, ws, websocket.TextMessage, []byte("then quiet")); string(got) != "then quiet" {
		t.Fatalf("echo %q", got)
	}
	inGrace(t, c)
	return s, ws, c
}

// TestShortConnectionNeverParks: a client that sends one message right
// after the upgrade, reads the echo and closes, as a browser's check or a
// load generator's does, is served where the upgrade left it, and has
// its close read where the echo was: no park, and no goroutine started
// after one. The grace is made long here so that a slow machine cannot
// pass it between two steps.
func TestShortConnectionNeverParks(t *testing.T) {
	t.Parallel()
	closed := make(chan bool, 1)
	s, conns := opened(&Server{grace: time.Minute})
	s.Hooks.Closed = func(c *Conn) { closed <- c.nc.lc.Parked() }
	ts := startServer(t, s)
	ws, _ := ts.dial(t, nil, nil)
	c := <-conns
	inGrace(t, c)
	if _, got := echo(t, ws, websocket.BinaryMessage, []byte("one message")); string(got) != "one message" {
		t.Fatalf("echo %q", got)
	}
	inGrace(t, c)
	if err := ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), timeIn(ioWait)); err != nil {
		t.Fatal(err)
	}
	ws.SetReadDeadline(timeIn(ioWait))
	_, _, err := ws.ReadMessage()
	wantCloseError(t, err, websocket.CloseNormalClosure)
	select {
	case parked := <-closed:
		if parked {
			t.Fatal("the connection ended parked")
		}
	case <-time.After(ioWait):
		t.Fatal("the connection did not end after the client's close")
	}
}

// TestShutdownDuringGrace: a connection waiting out its grace after an
// echo when Shutdown begins gets its 1001 and ends at once, long before
// the grace would have, and Shutdown returns in time.
func TestShutdownDuringGrace(t *testing.T) {
	t.Parallel()
	s, ws, _ := echoIntoGrace(t)
	var pings atomic.Int64
	done := readLoop(ws, &pings, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 4*ioWait)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v after %v", err, time.Since(start))
	}
	if took := time.Since(start); took >= closeWait {
		t.Errorf("Shutdown took %v although the client answered at once", took)
	}
	select {
	case err := <-done:
		wantCloseError(t, err, websocket.CloseGoingAway)
	case <-time.After(ioWait):
		t.Fatal("the client got no close")
	}
}

// TestIdleDuringGrace: the idle timeout ends a connection waiting out a
// grace longer than it, with its close 1000, not once the grace is over.
//
// The keepalive's own timer cannot be left to do it: with an IdleTimeout
// short enough for a test, its nudge ends the grace, and the connection
// parks, at its second look, long before the idle timeout, which then
// meets a parked connection, not one in its grace. So the test expires
// the connection as the keepalive's check does (its checks stopped, then
// expire), while the default ping interval keeps the nudge 7.5 s away at
// least.
func TestIdleDuringGrace(t *testing.T) {
	t.Parallel()
	_, ws, c := echoIntoGrace(t)
	c.ka.mu.Lock()
	c.ka.stopped = true
	c.ka.mu.Unlock()
	start := time.Now()
	c.expire(expiredIdle)
	// A wait held to the grace, or parked with the expiry lost, would
	// send nothing for the minute.
	ws.SetReadDeadline(timeIn(2 * ioWait))
	_, _, err := ws.ReadMessage()
	ce := wantCloseError(t, err, websocket.CloseNormalClosure)
	if ce.Text != "idle timeout" {
		t.Errorf("close text %q after %v, want \"idle timeout\"", ce.Text, time.Since(start))
	}
}

// TestShutdownDuringGraceSilentClient: as TestShutdownDuringGrace, with
// a client that never answers the server's 1001: the close's own
// deadline, which the grace's must not replace, ends the connection
// after closeWait, and Shutdown returns without running out of time.
func TestShutdownDuringGraceSilentClient(t *testing.T) {
	t.Parallel()
	s, conns := opened(&Server{grace: time.Minute})
	ts := startServer(t, s)
	rc, _ := ts.dialRaw(t, nil)
	c := <-conns
	rc.expectEchoOrClose([]frame{{fin: true, op: opText, payload: []byte("then silent")}}, 0)
	inGrace(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	result := make(chan error, 1)
	start := time.Now()
	go func() { result <- s.Shutdown(ctx) }()
	if code, _ := rc.readClose(); code != websocket.CloseGoingAway {
		t.Fatalf("close %d, want %d", code, websocket.CloseGoingAway)
	}
	rc.expectEnd()
	if err := <-result; err != nil {
		t.Fatalf("Shutdown: %v after %v", err, time.Since(start))
	}
	if took := time.Since(start); took > closeWait+ioWait {
		t.Errorf("Shutdown took %v with one silent client; its close waits %v", took, closeWait)
	}
}
