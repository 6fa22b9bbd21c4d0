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

// TestShutdownWaitsForUpgradeInFlight: an upgrade past the 503 check when
// Shutdown begins, which Shutdown's list of connections misses, is closed
// with 1001 before Shutdown returns. Shutdown used to return at once,
// with that connection's close still to come on the upgrade's goroutine:
// tlsecho then exited, and the client, a 101 in hand, could find the
// connection cut without its close frame.
//
// The upgrade is held where nopong takes effect, inside it and before the
// server tracks the connection, until Shutdown has begun.
func TestShutdownWaitsForUpgradeInFlight(t *testing.T) {
	t.Parallel()
	c, sock, result := shutdownDuringUpgrade(t, func(*stallConn) context.Context { return context.Background() })
	select {
	case err := <-result:
		if err != nil {
			t.Errorf("Shutdown = %v, want nil", err)
		}
	case <-time.After(ioWait):
		t.Fatalf("Shutdown still running %v after the upgrade", ioWait)
	}
	closedBeforeReturn(t, sock)
	c.SetReadDeadline(time.Now().Add(ioWait))
	_, _, err := c.ReadMessage()
	if ce := (*websocket.CloseError)(nil); !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Fatalf("upgraded during Shutdown: read %v, want close 1001", err)
	}
}

// TestShutdownCutsUpgradeInFlight: an upgrade Shutdown began during,
// whose client takes nothing, holds Shutdown no longer than its context:
// its close 1001, which waits up to a second for the client, is cut when
// ctx ends, as the others are, and the socket is closed by the time
// Shutdown returns ctx's error.
func TestShutdownCutsUpgradeInFlight(t *testing.T) {
	t.Parallel()
	const budget = 100 * time.Millisecond
	var start time.Time
	_, sock, result := shutdownDuringUpgrade(t, func(sock *stallConn) context.Context {
		sock.Stall()
		start = time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), budget)
		t.Cleanup(cancel)
		return ctx
	})
	select {
	case err := <-result:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown = %v, want %v", err, context.DeadlineExceeded)
		}
		// The close 1001 alone waits a second for the client.
		if took := time.Since(start); took >= time.Second {
			t.Errorf("Shutdown took %v with a %v budget", took.Round(time.Millisecond), budget)
		}
	case <-time.After(ioWait):
		t.Fatalf("Shutdown still running %v after the upgrade", ioWait)
	}
	closedBeforeReturn(t, sock)
}

// shutdownDuringUpgrade dials a server whose first upgrade (with the
// nopong fault) is held where nopong takes effect, after its 101 and
// before the server tracks the connection, while Shutdown begins with the
// context shutdownCtx gives, called with the server's socket. It returns
// the client, with that upgrade done, the server's socket and Shutdown's
// result to come. Each setup, if any, is called on the server before it
// serves.
func shutdownDuringUpgrade(t *testing.T, shutdownCtx func(*stallConn) context.Context, setup ...func(*Server)) (*websocket.Conn, *stallConn, <-chan error) {
	t.Helper()
	var srv *Server
	var once sync.Once
	var sock atomic.Pointer[stallConn]
	result := make(chan error, 1)
	in, err := fault.New(fault.Options{Applied: func(verb string) {
		if verb != "nopong" {
			return
		}
		once.Do(func() {
			ctx := shutdownCtx(sock.Load())
			go func() { result <- srv.Shutdown(ctx) }()
			for !srv.isDraining() {
				time.Sleep(time.Millisecond)
			}
		})
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv = &Server{Faults: in}
	for _, f := range setup {
		f(srv)
	}
	ts := startServerVia(t, srv, func(nc net.Conn) net.Conn {
		sc := newStallConn(nc)
		sock.Store(sc)
		return sc
	})
	c, _, err := ts.dialer().Dial(ts.url+"?fault=nopong", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, sock.Load(), result
}

// closedBeforeReturn checks that the socket of the connection upgraded
// during Shutdown was closed by the time Shutdown returned.
func closedBeforeReturn(t *testing.T, sock *stallConn) {
	t.Helper()
	select {
	case <-sock.Closed():
	default:
		t.Error("Shutdown returned with the connection upgraded during it still open")
	}
}
