package rawtls

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// wake interrupts a blocked Read so it sees that the server is draining,
// and lets go of a socket blackhole holds, or is about to. Called with
// s.mu held.
//
// A connection already in its close is not woken: the close reads and
// discards what the client still sends for its own bounded while
// (listener.LingerWait), and ending that read early would close the
// socket over bytes the client sends meanwhile, which the kernel answers
// with the reset the close is there to avoid. The shutdown's deadline
// still ends it (closeConns).
func (c *Conn) wake() {
	if !c.lingering {
		c.tc.SetReadDeadline(time.Now())
	}
	c.fault.LetGo()
}

// serve runs the handler and the close, in the connection's own goroutine.
// Its own frame stays small, the work being done in methods it calls: the
// goroutine spends its life waiting below this frame, and the GC scans
// what is in use of the stack at every cycle, so every byte here counts,
// per connection, in the heap goal and so in the process's memory.
func (c *Conn) serve() {
	began := false
	defer func() {
		if !began { // begin panicked
			c.release()
		}
	}()
	c.begin()
	began = true
	h := c.srv.handler()
	_, c.echoRuns = h.(*echoHandler)
	c.cont(h)
}

// cont runs h, and when h asks to wait with no goroutine (errPark, see
// park.go), parks the connection to run h again, on a fresh goroutine,
// once it has input; otherwise it ends the connection.
func (c *Conn) cont(h Handler) {
	err := c.run(h)
	for err == errPark {
		if c.input.Park(func() { c.cont(h) }) {
			return
		}
		err = c.run(h) // input came as it parked
	}
	defer c.release()
	c.end(err)
}

// begin starts the hooks, the faults and then the idle watch.
func (c *Conn) begin() {
	s := c.srv
	c.lastRead.Store(s.since())
	if s.Hooks != nil && s.Hooks.Opened != nil {
		s.Hooks.Opened(c)
	}
	if s.Faults != nil {
		f := c.startFaults()
		// Under s.mu: closeConns reads it from another goroutine.
		s.mu.Lock()
		c.fault = f
		s.mu.Unlock()
	}
	// After the faults: the idle watch asks them whether it may act.
	c.idleMark = c.inputMark()
	c.idle.start(c)
}

// end logs how the handler ended, tells the hooks and closes.
func (c *Conn) end(err error) {
	s := c.srv
	switch {
	case err == nil:
	case c.idle.stuck.Load():
		err = fmt.Errorf("the client took none of a write for %v: %w", c.idle.after, err)
	case c.idle.cut.Load():
		err = fmt.Errorf("writes cut %v after the read was woken for idleness: %w", c.idle.after, err)
	case c.closeCut.Load():
		err = fmt.Errorf("the client took none of a write for %v, which the close fault's close_notify waited behind: %w", listener.TakeWait, err)
	}
	// The reason goes in the line as the metric counts it: without it a
	// connection the shutdown ended read as one the client ended.
	c.reason = c.endReason(err)
	if log := s.logger(); log.Enabled(context.Background(), slog.LevelDebug) {
		peer := c.tc.RemoteAddr().String()
		attrs := c.lc.WithBalancer([]any{"peer", peer, "read", c.read.Load(), "written", c.written.Load(), "reason", c.reason.String()})
		if err != nil {
			// In words: what the client asked for that crypto/tls refuses
			// (renegotiation) is named, not left in Go's type names. The
			// client is the record's peer, not repeated here.
			log.Debug("connection ended", append(attrs, "err", tlsinfo.Ended(err))...)
		} else {
			log.Debug("connection closed", attrs...)
		}
	}
	if s.Hooks != nil && s.Hooks.Closed != nil {
		s.Hooks.Closed(c)
	}
	// The handler has returned: the watch's second firing after an idle
	// wake-up must not take it for stuck. The close bounds its own
	// writes and waits.
	c.idle.stop()
	c.close()
}

// release stops what begin started and lets go of the connection, also
// after a panic.
func (c *Conn) release() {
	s := c.srv
	c.fault.Stop()
	c.idle.stop()
	c.tc.NetConn().Close()
	s.track(c, false)
	s.active.Add(-1)
	s.wg.Done()
}

// run calls the handler; a panic in it ends this connection only.
func (c *Conn) run(h Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.srv.logger().Error("raw TLS handler panicked; connection closed",
				"peer", c.tc.RemoteAddr().String(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h.ServeTLS(c)
}

// close ends the connection the way net/http does: close_notify, then a
// TCP half-close, then reading and discarding whatever the client still
// sends until it closes too or listener.LingerWait passes
// (listener.LingerClose), then the socket's close. Closing at once would
// leave bytes that arrive meanwhile unread, and a socket closed with
// unread input is reset by the kernel: the reset discards what the client
// has not read yet, echo and close_notify included. A client whose end of
// input was read has nothing more to send, so then the socket is closed
// at once after the close_notify. After fin, rst or blackhole the socket
// is closed already and nothing goes out. After a write that failed, the
// listener.Conn under TLS sends nothing more (a close_notify behind a
// record cut short could not be decrypted): the close_notify fails and
// the socket is closed at once.
//
// The socket is closed listener.LingerWait from now at the latest,
// whatever crypto/tls does: tls.Conn.Close and CloseWrite give the
// close_notify a write deadline of their own, 5 s, which a client that
// has stopped reading (its window and our send buffer full, no write
// failed yet) would hold to its end, with the goroutine, the socket and
// the connection's slot. A client that reads takes the close_notify at
// once.
func (c *Conn) close() {
	nc := c.tc.NetConn()
	wait := durationOr(c.srv.linger, listener.LingerWait)
	by := time.Now().Add(wait)
	cut := time.AfterFunc(wait, func() { nc.Close() })
	defer cut.Stop()
	if c.ended {
		c.tc.Close()
		return
	}
	if c.tc.CloseWrite() != nil {
		nc.Close()
		return
	}
	// Marked before the deadline is set: a wake before the mark is
	// overridden by this deadline, and one after it leaves it alone.
	s := c.srv
	s.mu.Lock()
	c.lingering = true
	s.mu.Unlock()
	nc.SetReadDeadline(by)
	listener.LingerClose(nc)
}

// startFaults starts the faults of a connection that got a spec at
// accept, or returns nil.
func (c *Conn) startFaults() *fault.Session {
	lc := c.lc
	if lc == nil || lc.Fault == nil {
		return nil
	}
	return c.srv.Faults.Start(lc.Fault, lc.FaultInfo(), fault.Target{
		Socket: lc,
		Close:  func(int, string) { c.closeNotify() },
		Await:  c.watchTaken,
		Pace:   lc.Throttle().Set,
		Idle:   durationOr(c.srv.IdleTimeout, DefaultIdleTimeout),
		Stream: true,
	})
}

// closeNotify sends close_notify without closing the socket, for the
// close fault: the echo then reads until the client closes too, so no
// reset follows. The socket is closed listener.LingerWait from now if the
// close_notify has not gone out by then: tls.Conn.CloseWrite gives it a
// write deadline of its own, 5 s, which a client that has stopped reading
// (its window and our send buffer full) would hold to its end, with the
// goroutine, the socket and the connection's slot, as it would the
// server's own close. A client that reads takes it at once.
func (c *Conn) closeNotify() {
	nc := c.tc.NetConn()
	cut := time.AfterFunc(listener.LingerWait, func() { nc.Close() })
	c.tc.CloseWrite()
	cut.Stop()
}
