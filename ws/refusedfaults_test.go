package ws

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
)

// TestRefusedUpgradeStopsFaults: an upgrade that loses the race with
// Shutdown (past the 503 check, refused when the server tracks it) is
// closed with 1001, and its faults end with it. Its session used to be
// started and never stopped, so a timed verb fired later on the closed
// connection and was counted as applied.
//
// The race is lost on purpose: the spec's nopong takes effect inside the
// upgrade, before tracking, and the Applied callback shuts the server
// down there. The timed close of that connection is due at 100ms; a
// second server's connection, opened after the first has ended, has its
// fin due 500ms after it opened: when that fin is applied, the first
// connection's close would have been long due.
func TestRefusedUpgradeStopsFaults(t *testing.T) {
	t.Parallel()
	var first *Server
	var once sync.Once
	applied := make(chan string, 8)
	in, err := fault.New(fault.Options{Applied: func(verb string) {
		if verb == "nopong" {
			once.Do(func() { shutdownFrom(first) })
		}
		applied <- verb
	}})
	if err != nil {
		t.Fatal(err)
	}
	first = &Server{Faults: in}
	ts := startServer(t, first)
	c, _, err := ts.dialer().Dial(ts.url+"?fault=nopong,close:4001@100ms", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(ioWait))
	_, _, err = c.ReadMessage()
	if ce := (*websocket.CloseError)(nil); !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Fatalf("refused upgrade: read %v, want close 1001", err)
	}
	if v := <-applied; v != "nopong" {
		t.Fatalf("first verb applied: %q, want nopong", v)
	}

	second := startServer(t, &Server{Faults: in})
	c2, _, err := second.dialer().Dial(second.url+"?fault=fin@500ms", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	select {
	case v := <-applied:
		if v != "fin" {
			t.Fatalf("verb %q applied after the refused connection ended; want only the second connection's fin", v)
		}
	case <-time.After(ioWait):
		t.Fatal("the second connection's fin@500ms was not applied")
	}
}

// TestRefusedUpgradeStopsFaultsBeforeClosing: a refused upgrade's faults
// stop before its close 1001 is sent, not once it is. That close waits up
// to a second for a client that takes nothing (here every write stalls
// from the refusal on), and a timed verb that came due meanwhile fired on
// the refused connection and was counted as applied.
func TestRefusedUpgradeStopsFaultsBeforeClosing(t *testing.T) {
	t.Parallel()
	var first *Server
	var sock atomic.Pointer[stallConn]
	var once sync.Once
	applied := make(chan string, 8)
	in, err := fault.New(fault.Options{Applied: func(verb string) {
		if verb == "nopong" {
			once.Do(func() {
				sock.Load().Stall()
				shutdownFrom(first)
			})
		}
		applied <- verb
	}})
	if err != nil {
		t.Fatal(err)
	}
	first = &Server{Faults: in}
	ts := startServerVia(t, first, func(nc net.Conn) net.Conn {
		sc := newStallConn(nc)
		sock.Store(sc)
		return sc
	})
	// The close is due well after the refusal and well before the close
	// 1001, stalled, gives up (a second after the refusal).
	const due = 500 * time.Millisecond
	dialed := time.Now()
	c, _, err := ts.dialer().Dial(ts.url+"?fault=nopong,close:4001@"+due.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case v := <-applied:
		if v != "nopong" {
			t.Fatalf("first verb applied: %q, want nopong", v)
		}
	case <-time.After(ioWait):
		t.Fatal("nopong was not applied")
	}
	if took := time.Since(dialed); took > due-100*time.Millisecond {
		t.Skipf("refused %v after the dial, on a slow machine: the close was nearly due by then", took.Round(time.Millisecond))
	}
	// The connection ends once the close 1001 has given up, after the
	// close's time.
	c.SetReadDeadline(time.Now().Add(ioWait))
	for err == nil {
		_, _, err = c.ReadMessage()
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		t.Fatalf("the refused connection still open %v later", ioWait)
	}
	if took := time.Since(dialed); took < due {
		t.Fatalf("the refused connection ended %v after the dial, before the close's time: the test proves nothing", took.Round(time.Millisecond))
	}
	select {
	case v := <-applied:
		t.Errorf("verb %q applied to the refused connection after its refusal", v)
	default:
	}
}

// shutdownFrom starts s.Shutdown from inside an upgrade, which Shutdown
// waits for, and returns once it has begun.
func shutdownFrom(s *Server) {
	go s.Shutdown(context.Background())
	for !s.isDraining() {
		time.Sleep(time.Millisecond)
	}
}

// TestRefusedUpgradeKeepsBlackholeSilent: an upgrade refused at
// Shutdown whose blackhole took effect at once sends no close 1001:
// blackhole writes nothing more, and at a shutdown its connection is
// closed without a word, as one the shutdown finds holding is. The
// refusal's close frame, written under a deadline of its own, used to
// lift blackhole's cut and go out.
func TestRefusedUpgradeKeepsBlackholeSilent(t *testing.T) {
	t.Parallel()
	var first *Server
	var once sync.Once
	in, err := fault.New(fault.Options{Applied: func(verb string) {
		if verb == "blackhole" {
			once.Do(func() { shutdownFrom(first) })
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	first = &Server{Faults: in}
	ts := startServer(t, first)
	c, _, err := ts.dialer().Dial(ts.url+"?fault=blackhole", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(ioWait))
	_, _, err = c.ReadMessage()
	if ce := (*websocket.CloseError)(nil); !errors.As(err, &ce) || ce.Code != websocket.CloseAbnormalClosure {
		t.Fatalf("refused upgrade under blackhole: read %v, want the connection closed without a close frame (1006)", err)
	}
}
