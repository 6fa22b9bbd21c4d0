package rawtls

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlsecho/tlsecho/fault"
)

// Defaults applied when the matching Server field is zero.
const (
	DefaultIdleTimeout = 5 * time.Minute
	DefaultDrainQuiet  = 250 * time.Millisecond
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("rawtls: server closed")

// Handler serves one connection whose handshake has completed. When it
// returns, the server closes the connection with close_notify. The returned
// error is logged at debug level; it does not affect other connections.
type Handler interface {
	ServeTLS(c *Conn) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(c *Conn) error

// ServeTLS calls f(c).
func (f HandlerFunc) ServeTLS(c *Conn) error { return f(c) }

// Server serves established TLS connections to Handler. Fields must not
// change after Serve is called. The zero value of each duration selects
// its documented default.
type Server struct {
	// Handler serves each established connection; nil means [Echo].
	Handler Handler
	// IdleTimeout closes a connection that has sent nothing for this long,
	// and bounds each write (a client that stops reading).
	IdleTimeout time.Duration
	// DrainQuiet is how long a client must stay silent during Shutdown
	// before its connection is closed, counted from its last byte, one in
	// the middle of a record included (from its last data, and at most
	// twice as long, after a last record that carried none).
	DrainQuiet time.Duration
	// Logger receives connection events, most at debug level; nil discards.
	Logger *slog.Logger
	// Hooks, when not nil, is told of connection events (for metrics).
	Hooks *Hooks
	// Faults, when set, runs the echo of each connection that got a fault
	// spec at accept (listener.Conn.Fault) with those faults; see the
	// fault package. Nil: no connection has faults.
	Faults *fault.Injector

	echoOnce sync.Once
	echo     Handler // the default handler, made once
	logOnce  sync.Once
	log      *slog.Logger // Logger, or for a nil Logger one that discards

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*Conn]struct{}
	ended     Stats // the bytes of the connections no longer in conns
	active    atomic.Int64
	draining  atomic.Bool
	closed    bool      // no more Serve; the listeners are closed
	hard      bool      // connections are closed at once, not drained
	epoch     time.Time // set by the first Serve, before any connection
	wg        sync.WaitGroup
	// grace is listener.ParkGrace, unless a test chose another (park.go).
	grace time.Duration
	// linger is listener.LingerWait, the bound of a close, unless a test
	// chose another.
	linger time.Duration
}

// Hooks are optional callbacks on connection events, called from the
// connection's goroutine; they must be fast and safe for concurrent use.
type Hooks struct {
	// Opened is called when the server starts serving a connection.
	Opened func(c *Conn)
	// Closed is called when a connection ends, before its socket closes;
	// c.EndReason says why.
	Closed func(c *Conn)
}

// since is the server's clock: monotonic nanoseconds since it started
// serving. It costs one read of the monotonic clock, half of time.Now,
// and fits an atomic.
func (s *Server) since() int64 { return int64(time.Since(s.epoch)) }

// at turns a reading of since back into a time.
func (s *Server) at(ns int64) time.Time { return s.epoch.Add(time.Duration(ns)) }

// handler is Handler, or one Echo for all connections when it is nil.
func (s *Server) handler() Handler {
	if s.Handler != nil {
		return s.Handler
	}
	s.echoOnce.Do(func() { s.echo = Echo() })
	return s.echo
}

// logger is Logger, or a discarding one made once for the server: it is
// asked for on every connection, where a nil Logger would otherwise cost
// a new one each time.
func (s *Server) logger() *slog.Logger {
	s.logOnce.Do(func() {
		s.log = s.Logger
		if s.log == nil {
			s.log = slog.New(slog.DiscardHandler)
		}
	})
	return s.log
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Active returns the number of connections being served.
func (s *Server) Active() int { return int(s.active.Load()) }

// Serve serves the connections l accepts until Shutdown or Close, and
// always returns a non-nil error: ErrServerClosed after those. l must hand
// out *tls.Conn whose handshake has completed, as a listener.Listener with
// a TLSConfig does; anything else is closed. l is closed on return.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = make(map[net.Listener]struct{})
	}
	s.listeners[l] = struct{}{}
	if s.epoch.IsZero() {
		s.epoch = time.Now()
	}
	// Shutdown waits for Serve too: the listener hands out the handshakes
	// that were in flight when it closed, and they are drained like the
	// others.
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
		s.wg.Done()
	}()

	for {
		nc, err := l.Accept()
		if err != nil {
			if s.shuttingDown() {
				return ErrServerClosed
			}
			return fmt.Errorf("rawtls: accept on %s: %w", l.Addr(), err)
		}
		tc, ok := nc.(*tls.Conn)
		if !ok || !tc.ConnectionState().HandshakeComplete {
			s.logger().Error("connection is not an established TLS connection; serve a listener.Listener with a TLSConfig",
				"peer", nc.RemoteAddr().String(), "type", fmt.Sprintf("%T", nc))
			nc.Close()
			continue
		}
		c := newConn(tc, s)
		if !s.track(c, true) {
			tc.NetConn().Close()
			continue
		}
		s.active.Add(1)
		s.wg.Add(1)
		// A fresh goroutine per connection: the handshake's goroutine has
		// ended, and with it the stack it grew.
		go c.serve()
	}
}

func (s *Server) track(c *Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.hard {
			return false
		}
		if s.conns == nil {
			s.conns = make(map[*Conn]struct{})
		}
		s.conns[c] = struct{}{}
	} else {
		// In the same critical section as the delete, so that Stats
		// counts each byte once: live in conns, or here.
		s.ended.BytesRead += c.read.Load()
		s.ended.BytesWritten += c.written.Load()
		delete(s.conns, c)
	}
	return true
}

// Stats are the bytes a Server has read from and written to its clients.
type Stats struct {
	// BytesRead and BytesWritten count application data: the decrypted
	// bytes read, and the bytes handed to TLS to send, without record
	// overhead.
	BytesRead, BytesWritten int64
}

// Stats returns the bytes read and written so far, those of open
// connections included: a metric that counted a connection only when it
// ended would show nothing of a long one until then. It costs a lock and
// two atomic loads per open connection, once per call (a metrics scrape),
// and nothing on the echo's path, which already counts for BytesRead and
// BytesWritten.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.ended
	for c := range s.conns {
		st.BytesRead += c.read.Load()
		st.BytesWritten += c.written.Load()
	}
	return st
}

// closedHard tells whether Close (or Shutdown's end) closed the
// connections at once.
func (s *Server) closedHard() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hard
}

func (s *Server) shuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// stopAccepting closes the listeners; Serve returns once they have handed
// out the handshakes still in flight.
func (s *Server) stopAccepting() {
	s.mu.Lock()
	s.closed = true
	ls := make([]net.Listener, 0, len(s.listeners))
	for l := range s.listeners {
		ls = append(ls, l)
	}
	s.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
}

// Shutdown stops accepting, lets every established connection drain (see
// the package documentation) and waits for them to end. When ctx ends
// first, the remaining connections are closed at once and ctx's error is
// returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopAccepting()
	s.startDrain()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.closeConns()
		s.endGraces()
		<-done
		return ctx.Err()
	}
}

// startDrain has every connection drain: the flag first, then the
// wake-up of each read or wait, which looks at the flag.
func (s *Server) startDrain() {
	s.draining.Store(true)
	s.mu.Lock()
	for c := range s.conns {
		c.wake()
	}
	s.mu.Unlock()
}

// Close stops accepting and closes every connection at once, without
// draining, then waits for their goroutines to end.
func (s *Server) Close() error {
	s.stopAccepting()
	s.closeConns()
	s.endGraces()
	s.wg.Wait()
	return nil
}

// graceEnder is a listener that gives the handshakes in flight when it
// closes a grace, as listener.Listener does, and can end it early.
type graceEnder interface {
	EndGrace()
}

// endGraces ends the grace of the listeners Serve still accepts from:
// Serve returns only once they have handed out the handshakes in flight,
// and a client that never finishes its handshake would hold Shutdown, and
// the process's exit, up to a second past ctx.
func (s *Server) endGraces() {
	s.mu.Lock()
	ls := make([]graceEnder, 0, len(s.listeners))
	for l := range s.listeners {
		if g, ok := l.(graceEnder); ok {
			ls = append(ls, g)
		}
	}
	s.mu.Unlock()
	for _, g := range ls {
		g.EndGrace()
	}
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hard = true
	for c := range s.conns {
		// A reader blocked behind a full delay queue sees no closed
		// socket: the fault's queue must let it go. (begin sets c.fault
		// under s.mu.)
		c.fault.Abort()
		// The socket itself: tls.Conn.Close returns early without closing
		// it while the handler's own Close is sending close_notify.
		c.tc.NetConn().Close()
	}
}
