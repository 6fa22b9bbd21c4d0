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
)

// Defaults applied when the matching Server field is zero.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultIdleTimeout      = 5 * time.Minute
	DefaultDrainQuiet       = 250 * time.Millisecond
	DefaultMaxConns         = 10000
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

// Server accepts TLS connections and serves them to Handler. Fields must
// not change after Serve is called. The zero value of each duration or limit
// selects its documented default.
type Server struct {
	// TLSConfig must provide a certificate (Certificates or GetCertificate).
	TLSConfig *tls.Config
	// Handler serves each established connection; nil means [Echo].
	Handler Handler
	// HandshakeTimeout bounds the TLS handshake, from accept to finished.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a connection that has sent nothing for this long,
	// and bounds each write (a client that stops reading).
	IdleTimeout time.Duration
	// DrainQuiet is how long a client must stay silent during Shutdown
	// before its connection is closed.
	DrainQuiet time.Duration
	// MaxConns is the most connections served at once; more are closed at
	// accept.
	MaxConns int
	// Logger receives connection events, most at debug level; nil discards.
	Logger *slog.Logger
	// Hooks, when not nil, is told of connection events (for metrics).
	Hooks *Hooks

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*Conn]struct{}
	active    atomic.Int64
	draining  atomic.Bool
	closed    bool
	wg        sync.WaitGroup

	ctxOnce sync.Once
	ctx     context.Context // cancelled when shutting down: ends handshakes
	cancel  context.CancelFunc
}

// Hooks are optional callbacks on connection events, called from the
// connection's goroutine; they must be fast and safe for concurrent use.
type Hooks struct {
	// Refused is called for a connection closed because MaxConns was reached.
	Refused func()
	// HandshakeFailed is called when a handshake fails or times out.
	HandshakeFailed func(err error)
	// Handshake is called after a successful handshake with its duration.
	Handshake func(state tls.ConnectionState, took time.Duration)
	// Closed is called when an established connection ends, with the bytes
	// it read and wrote.
	Closed func(read, written int64)
}

func (s *Server) init() {
	s.ctxOnce.Do(func() {
		s.ctx, s.cancel = context.WithCancel(context.Background())
	})
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Active returns the number of connections being served, handshaking ones
// included.
func (s *Server) Active() int { return int(s.active.Load()) }

// Serve accepts connections on l until Shutdown or Close, and always
// returns a non-nil error: ErrServerClosed after those. l is closed on return.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	if s.TLSConfig == nil {
		return errors.New("rawtls: Server.TLSConfig is nil")
	}
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
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()

	maxConns := int64(s.MaxConns)
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	var backoff time.Duration
	for {
		raw, err := l.Accept()
		if err != nil {
			if s.shuttingDown() {
				return ErrServerClosed
			}
			if !retryable(err) {
				return fmt.Errorf("rawtls: accept on %s: %w", l.Addr(), err)
			}
			// EMFILE and friends: the process is out of descriptors for a
			// moment. Wait and retry rather than end the whole server, as
			// net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logger().Warn("accept failed; retrying", "addr", l.Addr().String(), "err", err, "in", backoff)
			select {
			case <-time.After(backoff):
			case <-s.ctx.Done():
				return ErrServerClosed
			}
			continue
		}
		backoff = 0
		if s.active.Add(1) > maxConns {
			s.active.Add(-1)
			raw.Close()
			if s.Hooks != nil && s.Hooks.Refused != nil {
				s.Hooks.Refused()
			}
			s.logger().Debug("connection refused: limit reached", "peer", raw.RemoteAddr().String(), "max", maxConns)
			continue
		}
		c := &Conn{raw: raw, srv: s}
		if !s.track(c, true) {
			s.active.Add(-1)
			raw.Close()
			return ErrServerClosed
		}
		s.wg.Add(1)
		go c.serve()
	}
}

// retryable tells accept errors that pass (out of descriptors, a connection
// reset before accept) from a listener that is gone.
func retryable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return isTransientAcceptErr(err)
}

func (s *Server) track(c *Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed {
			return false
		}
		if s.conns == nil {
			s.conns = make(map[*Conn]struct{})
		}
		s.conns[c] = struct{}{}
	} else {
		delete(s.conns, c)
	}
	return true
}

func (s *Server) shuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// stopAccepting closes the listeners and ends handshakes in progress.
func (s *Server) stopAccepting() {
	s.init()
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	s.cancel()
}

// Shutdown stops accepting, lets every established connection drain (see
// the package documentation) and waits for them to end. When ctx ends
// first, the remaining connections are closed at once and ctx's error is
// returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopAccepting()
	s.draining.Store(true)
	s.mu.Lock()
	for c := range s.conns {
		c.wake()
	}
	s.mu.Unlock()

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
		<-done
		return ctx.Err()
	}
}

// Close stops accepting and closes every connection at once, without
// draining, then waits for their goroutines to end.
func (s *Server) Close() error {
	s.stopAccepting()
	s.closeConns()
	s.wg.Wait()
	return nil
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.raw.Close()
	}
}
