package ws

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

// TestShutdownCooperative checks that Shutdown sends 1001 to every client
// and returns nil as soon as all have answered, well before closeWait.
func TestShutdownCooperative(t *testing.T) {
	eachTransport(t, func(t *testing.T, serve startFunc) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		s := &Server{}
		ts := serve(t, s, nil)
		const clients = 3
		var done []<-chan error
		for range clients {
			c, _ := ts.dial(t, nil, nil)
			if _, got := echo(t, c, websocket.TextMessage, []byte("up")); string(got) != "up" {
				t.Fatalf("echo %q", got)
			}
			var pings atomic.Int64
			done = append(done, readLoop(c, &pings, nil, nil))
		}
		if n := s.Active(); n != clients {
			t.Fatalf("Active() = %d, want %d", n, clients)
		}

		ctx, cancel := context.WithTimeout(context.Background(), ioWait)
		defer cancel()
		start := time.Now()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		// A server that did not notice the answers would wait closeWait (2s)
		// for them; the clients answer within milliseconds, so this leaves
		// room for a loaded machine.
		if took := time.Since(start); took >= closeWait {
			t.Errorf("Shutdown took %v although every client answered at once", took)
		}
		for i, d := range done {
			select {
			case err := <-d:
				ce := wantCloseError(t, err, websocket.CloseGoingAway)
				t.Logf("client %d: close %d %q", i, ce.Code, ce.Text)
			case <-time.After(ioWait):
				t.Fatalf("client %d got no close", i)
			}
		}
		if n := s.Active(); n != 0 {
			t.Fatalf("Active() = %d after Shutdown", n)
		}
		// Close the clients and the HTTP server now, so the leak check sees
		// what is left of the ws server alone.
		ts.hs.Close()
	})
}

// TestShutdownUncooperative checks that a client that never answers the
// close is cut when ctx ends, that Shutdown then returns ctx's error, and
// that upgrades during and after the shutdown are refused with 503.
func TestShutdownUncooperative(t *testing.T) {
	eachTransport(t, func(t *testing.T, serve startFunc) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		s := &Server{}
		ts := serve(t, s, nil)
		rc, _ := ts.dialRaw(t, nil)
		// Make sure the connection is being served before shutting down.
		rc.write(frame{fin: true, op: opText, payload: []byte("up")})
		if _, _, got := rc.readMessage(); string(got) != "up" {
			t.Fatalf("echo %q", got)
		}

		const grace = 400 * time.Millisecond
		// The clock starts before the context's, so returning before grace
		// has passed is a bug, never a scheduling accident.
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		result := make(chan error, 1)
		go func() { result <- s.Shutdown(ctx) }()

		// The client sees the close but does not answer it.
		if code, _ := rc.readClose(); code != websocket.CloseGoingAway {
			t.Fatalf("close %d, want 1001", code)
		}

		// Shutdown is under way: a new upgrade is refused.
		assert503 := func(when string) {
			t.Helper()
			c, resp, err := ts.dialer().Dial(ts.url, nil)
			if err == nil {
				c.Close()
				t.Fatalf("upgrade %s shutdown succeeded, want 503", when)
			}
			if resp == nil {
				t.Fatalf("upgrade %s shutdown: %v, want 503", when, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("upgrade %s shutdown: status %d, want 503", when, resp.StatusCode)
			}
		}
		assert503("during")

		var err error
		select {
		case err = <-result:
		case <-time.After(ioWait):
			t.Fatal("Shutdown did not return after its context ended")
		}
		took := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown = %v, want %v", err, context.DeadlineExceeded)
		}
		// The upper bound: the context, not closeWait (2s) after the close,
		// ended the wait.
		if took < grace || took >= closeWait {
			t.Fatalf("Shutdown returned after %v, want about %v", took, grace)
		}
		if n := s.Active(); n != 0 {
			t.Fatalf("Active() = %d after Shutdown", n)
		}
		rc.expectEnd()
		assert503("after")
		ts.hs.Close()
	})
}

// TestShutdownIdle checks that Shutdown with no connection returns at once
// and that a second call is harmless.
func TestShutdownIdle(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		s := &Server{}
		serve(t, s, nil)
		for i := range 2 {
			ctx, cancel := context.WithTimeout(context.Background(), ioWait)
			start := time.Now()
			err := s.Shutdown(ctx)
			cancel()
			// Waiting for a close handshake would take closeWait (2s).
			if took := time.Since(start); err != nil || took >= closeWait {
				t.Fatalf("Shutdown #%d = %v after %v", i+1, err, took)
			}
		}
	})
}

// TestShutdownEndingConnection: a connection already ending when Shutdown
// starts, whose gorilla writer failed on a timeout (its close 1002 not
// taken), fails Shutdown's close frame at once with that old error.
// That is no sign of Shutdown's deadline having passed: Shutdown returns
// nil as soon as the connection is gone, not at its deadline.
func TestShutdownEndingConnection(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		inHook, release := make(chan struct{}), make(chan struct{})
		var once atomic.Bool
		ts, sock := stallServer(t, serve, &Server{
			IdleTimeout: time.Minute,
			// Closed runs before the connection is untracked: held here,
			// the connection is still Shutdown's to close.
			Hooks: &Hooks{Closed: func(*Conn) {
				if once.CompareAndSwap(false, true) {
					close(inHook)
					<-release
				}
			}},
		})
		rc, _ := ts.dialRaw(t, nil)
		sock.Load().Stall()
		rc.write(frame{fin: true, op: opBinary, payload: []byte("x"), unmasked: true})
		select {
		case <-inHook:
		case <-time.After(writeWait + 2*ioWait):
			close(release)
			t.Fatal("not closed after the violation")
		}

		// Below writeWait, so the close frame's write deadline is ctx's.
		ctx, cancel := context.WithTimeout(context.Background(), writeWait-time.Second)
		defer cancel()
		start := time.Now()
		result := make(chan error, 1)
		go func() { result <- ts.srv.Shutdown(ctx) }()
		for !ts.srv.isDraining() {
			time.Sleep(time.Millisecond)
		}
		close(release)
		select {
		case err := <-result:
			if err != nil {
				t.Errorf("Shutdown = %v after %v, want nil", err, time.Since(start).Round(time.Millisecond))
			}
		case <-time.After(ioWait):
			t.Fatalf("Shutdown still running %v after the last connection ended", ioWait)
		}
	})
}

// isDraining reports whether Shutdown has begun, and has so taken its
// list of the connections to close.
func (s *Server) isDraining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}
