package ws

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// errUpgradedDraining is what ended a connection upgraded just as
// Shutdown began, in its closed record.
var errUpgradedDraining = errors.New("ws: upgraded as the server began shutting down")

// closeUpgradedDraining ends c, upgraded just as Shutdown began (track
// refused it), with close 1001. Its client has its 101 and then the
// close, as every other client has at a shutdown: the hooks (the
// metrics' connection and close code counts) and the debug log take it
// as a WebSocket opened and closed like those, so what they count is
// what clients were told. Its code is 0 when Shutdown's ctx had ended
// and the socket was closed without the 1001, or its write failed.
func (c *Conn) closeUpgradedDraining() {
	s := c.srv
	c.opened()
	// No serve runs to stop the faults: a timed verb would fire on the
	// closed connection and be counted as applied. They stop before the
	// close, which waits up to a second for a client that takes nothing,
	// or until Shutdown's ctx ends (see listRefused).
	c.fault.Stop()
	if !s.listRefused(c) {
		c.closeNow(websocket.CloseGoingAway, "server shutting down")
	}
	s.unlistRefused(c)
	c.code = int(c.sentCode.Load())
	c.closed(errUpgradedDraining)
}

// listRefused lists c, an upgrade Shutdown has begun during, among the
// connections whose sockets Shutdown's ctx closes when it ends, and
// reports whether ctx has ended already: the socket is then closed at
// once, without its close 1001.
func (s *Server) listRefused(c *Conn) (closed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hard {
		c.closeSocket()
		return true
	}
	if s.conns == nil {
		s.conns = make(map[*Conn]struct{})
	}
	s.conns[c] = struct{}{}
	return false
}

// unlistRefused takes c off the list listRefused put it on.
func (s *Server) unlistRefused(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// track lists c among the open connections that Shutdown closes and
// waits for, and counts it in Active. It reports false once Shutdown has
// begun: Shutdown has taken its list to send the 1001s, so c would get
// none, and the caller closes it itself (closeUpgradedDraining).
func (s *Server) track(c *Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[*Conn]struct{})
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.active.Add(1)
	return true
}

// untrack takes c off the list track put it on, once it has closed, and
// lets Shutdown's wait for it end.
func (s *Server) untrack(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.active.Add(-1)
	s.wg.Done()
}

// Shutdown refuses new upgrades, sends close 1001 to every client, and
// waits until each has answered (or closeWait passed) and its connection is
// closed. The close frames go out concurrently, each waiting for its
// connection's writer no longer than ctx allows, so clients that do not
// read cannot hold the others up. An upgrade in progress when Shutdown
// begins is waited for, and its connection closed the same way. When ctx
// ends first, the remaining TCP connections are closed at once and ctx's
// error is returned; so it is when a close frame still waited for its
// writer at ctx's deadline, and its connection was closed for it. The count
// of refused origins not logged yet is logged before it returns.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	by, _ := ctx.Deadline()
	var sending sync.WaitGroup
	// cut is set when ctx's deadline passed before a close frame could be
	// written, and the socket was closed for it: the last connections may
	// then end just as ctx does, and which the select below sees first is
	// chance, but the drain did not finish in time.
	var cut atomic.Bool
	for _, c := range conns {
		sending.Go(func() {
			if c.startClose(websocket.CloseGoingAway, "server shutting down", by) {
				cut.Store(true)
			}
		})
	}

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		s.mu.Lock()
		s.hard = true
		for c := range s.conns {
			// A reader blocked behind a full delay queue sees no closed
			// socket: the fault's queue must let it go.
			c.fault.Abort()
			c.closeSocket()
		}
		s.mu.Unlock()
		<-done
		err = ctx.Err()
	}
	sending.Wait()
	if err == nil && cut.Load() {
		<-ctx.Done() // its deadline has passed; its timer may not have fired yet
		err = ctx.Err()
	}
	// The origins refused but not logged yet are counted now: the
	// summary's timer would not outlive the process.
	s.refusals.close()
	return err
}
