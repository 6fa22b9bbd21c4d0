package ws

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/stall"
)

// wrapListener hands out its accepted sockets wrapped by wrap.
type wrapListener struct {
	net.Listener
	wrap func(net.Conn) net.Conn
}

// Accept accepts a socket and wraps it.
func (l *wrapListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.wrap(nc), nil
}

// stallConn is an accepted socket whose writes a test can make stall
// (see package stall), as they do to a client whose receive window and
// the server's send buffer are full.
type stallConn = stall.Conn

func newStallConn(nc net.Conn) *stallConn { return stall.NewConn(nc, nil) }

// dropLog is a slog.Handler that calls onDrop with the reason of each
// "websocket client dropped" record, on the goroutine dropping the
// client, before the drop goes on.
type dropLog struct{ onDrop func(reason string) }

func (h *dropLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *dropLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *dropLog) WithGroup(string) slog.Handler            { return h }

func (h *dropLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "websocket client dropped" {
		return nil
	}
	var reason string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "reason" {
			reason = a.Value.String()
		}
		return true
	})
	h.onDrop(reason)
	return nil
}

// stallServer starts s with serve, its one client's socket a stallConn,
// which the returned pointer holds once the client has connected.
func stallServer(t *testing.T, serve startFunc, s *Server) (*testServer, *atomic.Pointer[stallConn]) {
	t.Helper()
	var sock atomic.Pointer[stallConn]
	ts := serve(t, s, func(nc net.Conn) net.Conn {
		sc := newStallConn(nc)
		sock.Store(sc)
		return sc
	})
	return ts, &sock
}

// endedByServer reads rc until its connection ends and fails the test if
// it is still open after ioWait or anything but the end arrives.
func endedByServer(t *testing.T, rc *rawConn) {
	t.Helper()
	f, err := rc.readFrame()
	if err == nil {
		t.Fatalf("%v, want the end of the connection", f)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open %v after the drop", ioWait)
	}
}

// TestKeepaliveDropClosesDespiteStalledCloseNotify: a client dropped for
// a missed pong, whose close frame went out but which takes nothing
// after it, has its socket closed within the drop's bound (two
// dropWaits), not after the 5 s crypto/tls gives the close_notify that
// tls.Conn.Close sends. The client finds the close frame, then the end.
func TestKeepaliveDropClosesDespiteStalledCloseNotify(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		var sock *atomic.Pointer[stallConn]
		dropped := make(chan time.Time, 1)
		closed := make(chan int, 1)
		s := &Server{
			PingInterval: testPingInterval,
			// Far beyond the bounds below: only the dead-client rule may end
			// the connection.
			IdleTimeout: time.Minute,
			Logger: slog.New(&dropLog{onDrop: func(string) {
				// The close frame has been written: what follows stalls.
				sock.Load().Stall()
				dropped <- time.Now()
			}}),
			Hooks: &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }},
		}
		var ts *testServer
		ts, sock = stallServer(t, serve, s)
		rc, _ := ts.dialRaw(t, nil)

		var at time.Time
		select {
		case at = <-dropped:
		case <-time.After(2*testPingInterval + ioWait):
			t.Fatal("a client that does not answer pings was not dropped")
		}
		select {
		case code := <-closed:
			took := time.Since(at)
			t.Logf("closed %v after the drop began", took.Round(time.Millisecond))
			if code != websocket.ClosePolicyViolation {
				t.Errorf("close code %d, want %d", code, websocket.ClosePolicyViolation)
			}
			// Room for a loaded machine, below crypto/tls's 5 s.
			if took > 2*dropWait+2*time.Second {
				t.Errorf("closed %v after the drop began, want within %v and some room", took.Round(time.Millisecond), 2*dropWait)
			}
		case <-time.After(2 * ioWait):
			t.Fatalf("not closed %v after the drop began", 2*ioWait)
		}
		if code, reason := rc.readClose(); code != websocket.ClosePolicyViolation || reason != "no pong within "+testPingInterval.String() {
			t.Errorf("close %d %q, want %d \"no pong within %v\"", code, reason, websocket.ClosePolicyViolation, testPingInterval)
		}
		endedByServer(t, rc)
	})
}

// TestKeepaliveDropsAfterFailedPing: a ping whose write the client does
// not take within the ping interval (here shorter than the write bound)
// fails, and the connection can send nothing more (no record may follow
// one cut short). No later ping can go out to judge the client by, so it
// is dropped at once, logged as a client that missed its pong, within two
// intervals of its last frame as such a client is: not at the 10 s write
// bound, nor held until IdleTimeout. Its close 1008 could not go out
// either, so its close code is 0, a connection ended without one: the
// metrics count what the client was told.
func TestKeepaliveDropsAfterFailedPing(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		reasons := make(chan string, 1)
		closed := make(chan int, 1)
		ts, sock := stallServer(t, serve, &Server{
			PingInterval: testPingInterval,
			// Far beyond the bounds below: a close as idle fails the test.
			IdleTimeout: time.Minute,
			Logger:      slog.New(&dropLog{onDrop: func(reason string) { reasons <- reason }}),
			Hooks:       &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }},
		})
		rc, _ := ts.dialRaw(t, nil)
		// The upgrade's answer has been read: the first write from here is
		// the keepalive's ping.
		sc := sock.Load()
		sc.Stall()
		select {
		case <-sc.Blocked():
		case <-time.After(testPingInterval + ioWait):
			t.Fatal("no ping written")
		}
		stalled := time.Now()
		select {
		case reason := <-reasons:
			took := time.Since(stalled)
			t.Logf("dropped %v after the ping stalled: %s", took.Round(time.Millisecond), reason)
			if want := "ping write failed"; reason != want {
				t.Errorf("reason %q, want %q", reason, want)
			}
			// The interval, and room for a loaded machine well short of
			// the write bound.
			if took > testPingInterval+ioWait {
				t.Errorf("dropped %v after the ping stalled, want within the ping interval %v and some room", took.Round(time.Millisecond), testPingInterval)
			}
		case <-time.After(writeWait + 2*ioWait):
			t.Fatalf("not dropped %v after a ping stalled (write bound %v)", writeWait+2*ioWait, writeWait)
		}
		select {
		case code := <-closed:
			if code != 0 {
				t.Errorf("close code %d, want 0: the close frame could not be sent", code)
			}
		case <-time.After(ioWait):
			t.Fatal("not closed after the drop")
		}
		endedByServer(t, rc)
	})
}
