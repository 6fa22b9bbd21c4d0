package ws

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
)

// lateReturnConn is a socket whose next write, once armed, goes out at
// once but returns only when let go: a write whose last bytes the kernel
// took just before a fault acted, its goroutine not yet back from it.
type lateReturnConn struct {
	net.Conn
	armed   atomic.Bool
	written chan struct{} // closed once the armed write's bytes went out
	letGo   chan struct{} // the armed write returns when it receives
}

func (c *lateReturnConn) Write(p []byte) (int, error) {
	if !c.armed.CompareAndSwap(true, false) {
		return c.Conn.Write(p)
	}
	n, err := c.Conn.Write(p)
	close(c.written)
	<-c.letGo
	return n, err
}

// NetConn is the socket, for what fault and ws find under it.
func (c *lateReturnConn) NetConn() net.Conn { return c.Conn }

// TestBlackholeWhileCloseWaitsSaysNothing: a blackhole that acts while
// a close waits for the echo's write in progress leaves the client in
// silence: no close frame follows it, neither the close 1001 of a
// shutdown nor the answer to the client's own close. Each close looked
// for fin, rst and blackhole only before it waited, so a client that
// asked for silence got a close frame after the blackhole took effect.
func TestBlackholeWhileCloseWaitsSaysNothing(t *testing.T) {
	t.Parallel()
	// The blackhole's time comes while the echo's write is held, and it
	// acts cutWait later, the write still held.
	const at = 800 * time.Millisecond
	for _, tc := range []struct {
		name string
		// spec is the blackhole's, and with the client's close a delay,
		// so that the echo writes from a goroutine of its own and the
		// reader reads the close meanwhile.
		spec string
		// close starts the close that waits for the write.
		close func(s *Server, c *websocket.Conn) (done <-chan error)
	}{
		{"shutdown", "blackhole@" + at.String(), func(s *Server, _ *websocket.Conn) <-chan error {
			shut := make(chan error, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 2*ioWait)
				defer cancel()
				shut <- s.Shutdown(ctx)
			}()
			return shut
		}},
		{"client's close", "delay:1ms,blackhole@" + at.String(), func(_ *Server, c *websocket.Conn) <-chan error {
			sent := make(chan error, 1)
			sent <- c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(ioWait))
			return sent
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in, err := fault.New(fault.Options{})
			if err != nil {
				t.Fatal(err)
			}
			served := make(chan *Conn, 1)
			s := &Server{Faults: in, IdleTimeout: time.Minute, PingInterval: time.Minute,
				Hooks: &Hooks{Opened: func(c *Conn) { served <- c }}}
			var sock atomic.Pointer[lateReturnConn]
			ts := startServerVia(t, s, func(nc net.Conn) net.Conn {
				c := &lateReturnConn{Conn: nc, written: make(chan struct{}), letGo: make(chan struct{})}
				sock.Store(c)
				return c
			})
			dialed := time.Now()
			c, _, err := ts.dialer().Dial(ts.url+"?fault="+tc.spec, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var conn *Conn
			select {
			case conn = <-served:
			case <-time.After(ioWait):
				t.Fatal("the connection was not served")
			}
			sc := sock.Load()
			sc.armed.Store(true)
			c.SetWriteDeadline(time.Now().Add(ioWait))
			if err := c.WriteMessage(websocket.TextMessage, []byte("hello")); err != nil {
				t.Fatal(err)
			}
			select {
			case <-sc.written:
			case <-time.After(ioWait):
				t.Fatal("the echo was not written")
			}
			defer close(sc.letGo)
			done := tc.close(s, c)
			if took := time.Since(dialed); took > at-200*time.Millisecond {
				t.Skipf("the echo was written %v after the dial, on a slow machine: too near the blackhole's time", took.Round(time.Millisecond))
			}
			deadline := time.Now().Add(ioWait)
			for !conn.fault.Silent() {
				if time.Now().After(deadline) {
					t.Fatalf("blackhole@%v has not acted %v after the dial", at, ioWait)
				}
				time.Sleep(5 * time.Millisecond)
			}
			sc.letGo <- struct{}{}
			c.SetReadDeadline(time.Now().Add(ioWait))
			if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "hello" {
				t.Fatalf("read %q, %v; want the echo, whose bytes went out before the blackhole", msg, err)
			}
			// Silence: the end of the connection (a shutdown lets a held
			// socket go) or nothing at all. A close frame would follow
			// the echo at once.
			c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			_, msg, err := c.ReadMessage()
			if ce, ok := errors.AsType[*websocket.CloseError](err); ok && ce.Code != websocket.CloseAbnormalClosure {
				t.Errorf("close %d %q after the blackhole, want silence", ce.Code, ce.Text)
			} else if err == nil {
				t.Errorf("message %q after the blackhole, want silence", msg)
			}
			if err := <-done; err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		})
	}
}
