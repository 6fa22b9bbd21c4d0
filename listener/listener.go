package listener

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/tlsecho/tlsecho/fault"
)

// Defaults applied when the matching Options field is zero.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultMaxConns         = 10000
)

// Options configure a Listener. The zero value of each duration or limit
// selects its documented default; the zero Options make a plain listener
// with a connection limit.
type Options struct {
	// Name labels the listener in Conn.Listener, hooks and logs ("tls",
	// "https", "http", "admin").
	Name string
	// TLSConfig, when set, makes a TLS listener: Accept returns a
	// *tls.Conn whose handshake has completed. It must provide a
	// certificate. Nil: Accept returns the *Conn itself.
	TLSConfig *tls.Config
	// HandshakeTimeout bounds everything between accept and Accept
	// returning the connection: BeforeHandshake and the TLS handshake.
	HandshakeTimeout time.Duration
	// MaxConns is the most connections open at once, handshaking ones
	// included; more are closed as soon as they are accepted.
	MaxConns int
	// AnswerHTTP makes a TLS listener answer a plain HTTP request with
	// "400 Bad Request" before closing, as net/http's own TLS server does,
	// so someone who typed http:// for https:// learns why.
	AnswerHTTP bool
	// Proxy, when set, reads a PROXY protocol header before anything else
	// (see [Proxy]): Conn.Peer becomes the client it names.
	Proxy *Proxy
	// CaptureHello makes a TLS listener read each client's ClientHello
	// before the handshake (see the tlsinfo package) into Conn.Hello, so
	// hooks, logs and handlers can show what the client offered, also when
	// the handshake fails. The handshake itself is unchanged.
	CaptureHello bool
	// KeepHello keeps Conn.Hello for the connection's life, for servers
	// whose handlers show it (an HTTPS server's /info). Without it the
	// hello is released (see [Conn.ReleaseHello]) once Hooks.Handshake
	// and the handshake's log record have seen it: an established
	// connection, idle for hours, need not carry a few hundred bytes for
	// it.
	KeepHello bool
	// Faults, when set, gives each connection its fault spec as it is
	// accepted (Conn.Fault: counted against what is armed for this
	// listener, whatever the connection turns out to be), and on a TLS
	// listener runs hsdelay and alert before the handshake, after the
	// ClientHello is captured.
	Faults *fault.Injector
	// BeforeHandshake, when set, runs on each connection before the TLS
	// handshake (on a plain listener: before Accept returns it), in the
	// connection's pipeline goroutine. Reads and writes on c fail at the
	// handshake deadline, and ctx ends then or when the listener closes.
	// An error closes the connection and counts as a failed handshake.
	BeforeHandshake func(ctx context.Context, c *Conn) error
	// Logger receives accept errors and refusals at MaxConns (warn, at
	// most one record per 10 s each, and info when connections are
	// accepted again) and connection events (debug); nil discards.
	Logger *slog.Logger
	// Hooks, when not nil, is told of connection events.
	Hooks *Hooks
}

// Hooks are optional callbacks on connection events. They run in the
// accept loop or the connection's pipeline goroutine, so they must be fast
// and safe for concurrent use.
type Hooks struct {
	// Refused is called for a connection refused because MaxConns was
	// reached, just before it is closed.
	Refused func(listener string)
	// Accepted is called for each connection that took a slot, before
	// anything is read from it.
	Accepted func(c *Conn)
	// Handshake is called with the outcome of each TLS handshake, and of
	// a BeforeHandshake or PROXY stage that failed; not for a load
	// balancer's health check (a PROXY header that named no client or
	// the connection itself, then the connection's end without a byte
	// more), which is no handshake.
	Handshake func(c *Conn, h Handshake)
	// Proxy is called with the outcome of the PROXY stage (Options.Proxy):
	// nil when the connection goes on, with c.Balancer set when a header
	// named a TCP client and c.ProxySource alone when it named another
	// kind; the error when it is closed.
	Proxy func(c *Conn, err error)
}

// Handshake is the outcome of one connection's TLS handshake.
type Handshake struct {
	// Err is nil when the handshake completed.
	Err error
	// Took is the time from the start of the handshake to its end.
	Took time.Duration
	// State is the negotiated state; on failure, what was known by then.
	State tls.ConnectionState
}

// closeGrace is how long handshakes in flight when the listener closes
// may still take: a client that connected just before a shutdown is served
// (and drained) rather than reset, and the shutdown is not held up by a
// client that is slow to finish its handshake.
const closeGrace = time.Second

// Listener is a net.Listener that runs the accept pipeline (see the
// package documentation). Create it with New.
type Listener struct {
	inner net.Listener
	o     Options
	log   *slog.Logger
	lim   limiter

	acceptWarns acceptWarns // records of failed accepts
	limitWarns  limitWarns  // records of refusals at MaxConns
	// ahead holds the *readAhead buffers of its connections' waits on the
	// socket (InputWait), each only while a read has yet to take it.
	ahead sync.Pool
	// park holds the connections that wait with no goroutine (park.go).
	park parker

	ready    chan net.Conn // finished connections, for Accept
	closing  chan struct{} // closed by Close
	stopped  chan struct{} // closed by a fatal accept error: the pipeline closes its connections
	done     chan struct{} // closed when Accept has nothing more to return
	loopDone chan struct{} // closed when the accept loop has returned
	ctx      context.Context
	cancel   context.CancelCauseFunc

	startOnce sync.Once
	mu        sync.Mutex
	started   bool
	closed    bool
	graceEnd  time.Time             // set by Close, before closing is closed; moved to now by EndGrace
	graceCut  bool                  // EndGrace ended the grace before its time
	graceOver chan struct{}         // closed when the grace ends (endGraceLocked)
	err       error                 // why Accept fails once done
	pending   map[*Conn]struct{}    // in their handshake stages
	refusing  map[net.Conn]struct{} // refused at MaxConns, lingering (refuseOverLimit)
	inflight  int                   // pipeline goroutines not yet ended
}

// errShuttingDown is why a stage waiting on its context ends when the
// listener closes: a server closes its listeners as it shuts down.
var errShuttingDown = errors.New("the server is shutting down")

// ErrClosed is returned by Accept once the Listener is closed.
var ErrClosed = fmt.Errorf("listener: %w", net.ErrClosed)

// New returns a Listener accepting on inner, which it owns: Close closes
// inner. Nothing is accepted before the first call to Accept.
func New(inner net.Listener, o Options) *Listener {
	ctx, cancel := context.WithCancelCause(context.Background())
	l := &Listener{
		inner:     inner,
		o:         o,
		log:       o.Logger,
		ready:     make(chan net.Conn),
		closing:   make(chan struct{}),
		stopped:   make(chan struct{}),
		done:      make(chan struct{}),
		loopDone:  make(chan struct{}),
		ctx:       ctx,
		graceOver: make(chan struct{}),
		cancel:    cancel,
		pending:   make(map[*Conn]struct{}),
		refusing:  make(map[net.Conn]struct{}),
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if o.Name != "" {
		l.log = l.log.With("listener", o.Name)
	}
	l.lim.max = int64(o.MaxConns)
	if l.lim.max <= 0 {
		l.lim.max = DefaultMaxConns
	}
	l.initAcceptWarns()
	l.initLimitWarns()
	return l
}

// Addr is the address of the underlying listener.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Active returns the number of connections holding a slot: in the
// pipeline, waiting for Accept, or handed out and not yet closed.
func (l *Listener) Active() int { return int(l.lim.active.Load()) }

func (l *Listener) handshakeTimeout() time.Duration {
	if l.o.HandshakeTimeout > 0 {
		return l.o.HandshakeTimeout
	}
	return DefaultHandshakeTimeout
}

// Accept waits for the next connection that has passed the pipeline: a
// handshaken *tls.Conn on a TLS listener, a *Conn on a plain one. After
// Close it still returns the connections whose handshake was in flight
// and completes within a short grace, then fails with ErrClosed; after a
// fatal accept error it fails with that error.
func (l *Listener) Accept() (net.Conn, error) {
	l.startOnce.Do(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if !l.closed {
			l.started = true
			l.inflight++ // the loop too, so Accept fails only after its last accept
			go l.acceptLoop()
		}
	})
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		l.mu.Lock()
		defer l.mu.Unlock()
		return nil, l.err
	}
}

// Close stops accepting. Handshakes in flight get a short grace (a
// second at most, within their HandshakeTimeout) to complete and be
// returned by Accept; what does not make it is closed. Close does not wait
// for them: a server that keeps calling Accept until it fails has them
// all. Connections already handed out are not touched.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.graceEnd = time.Now().Add(min(closeGrace, l.handshakeTimeout()))
	for c := range l.pending {
		c.shortenDeadline(l.graceEnd)
	}
	l.endRefusingLocked()
	close(l.closing)
	if l.inflight == 0 {
		l.finishLocked(ErrClosed)
	}
	started := l.started
	// Read under the lock: an EndGrace may move it as soon as it is let go.
	graceEnd := l.graceEnd
	l.mu.Unlock()
	// Stages waiting on their context (not on the socket) end with the
	// grace too, and say why: an hsdelay cut short this way is logged
	// as the shutdown it is, not as a bare "context canceled".
	time.AfterFunc(time.Until(graceEnd), func() {
		l.mu.Lock()
		l.endGraceLocked()
		l.mu.Unlock()
	})
	err := l.inner.Close()
	if started {
		<-l.loopDone
	}
	// No accept fails or is refused any more: what the records held
	// back goes to the log now, or never.
	l.acceptWarns.close()
	l.limitWarns.close()
	return err
}

// EndGrace ends now the grace Close gave the handshakes in flight: they
// fail with "the server is shutting down" (their Hooks.Handshake outcome
// says the shutdown's time ran out), a finished connection that Accept has
// not taken is closed, and Accept fails once their goroutines have ended.
// A server whose drain has run out of time calls it: the grace (up to a
// second) would otherwise hold its end, the process's exit with it, past
// the shutdown's deadline, for a client that opened a connection and
// never finished its handshake. Before Close, and after the grace, it
// does nothing.
func (l *Listener) EndGrace() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		return
	}
	select {
	case <-l.graceOver:
		return
	default:
	}
	l.graceEnd = time.Now()
	l.graceCut = true
	for c := range l.pending {
		c.shortenDeadline(l.graceEnd)
	}
	l.endGraceLocked()
}

// endGraceLocked ends the grace, once: Accept takes no more handshakes
// from then on, and stages waiting on their context end. l.mu is held.
func (l *Listener) endGraceLocked() {
	select {
	case <-l.graceOver:
		return
	default:
	}
	close(l.graceOver)
	l.cancel(errShuttingDown)
}

// finishLocked makes Accept fail with err from now on, unless it already
// fails. l.mu is held.
func (l *Listener) finishLocked(err error) {
	if l.err == nil {
		l.err = err
		close(l.done)
	}
}

// acceptLoop accepts until the listener closes or fails. Only the limit
// check happens here; everything that may block runs in the connection's
// own goroutine, so one slow client never delays the next accept.
func (l *Listener) acceptLoop() {
	defer close(l.loopDone)
	defer l.ended()
	var backoff time.Duration
	for {
		nc, err := l.inner.Accept()
		if err != nil {
			if !l.retry(err, &backoff) {
				return
			}
			continue
		}
		backoff = 0
		if !l.lim.take() {
			// Counted before the close, so whoever sees the refusal can
			// also see it counted.
			if h := l.o.Hooks; h != nil && h.Refused != nil {
				h.Refused(l.o.Name)
			}
			l.log.Debug("connection refused: limit reached", "peer", nc.RemoteAddr().String(), "max", l.lim.max)
			l.warnRefused()
			l.refuseOverLimit(nc)
			continue
		}
		l.noteAccepted()
		c := newConn(nc, l)
		l.track(c)
		go l.pipeline(c)
	}
}

// retry handles an accept error: it waits out a passing one (out of
// descriptors, a client that reset before accept) and reports true, or
// stops the listener and reports false.
func (l *Listener) retry(err error, backoff *time.Duration) bool {
	l.mu.Lock()
	closed := l.closed
	if !closed && !retryable(err) {
		close(l.stopped)
		l.finishLocked(fmt.Errorf("listener: accept on %s: %w", l.inner.Addr(), err))
		closed = true
	}
	l.mu.Unlock()
	if closed {
		return false
	}
	// EMFILE and friends: the process is out of descriptors for a moment.
	// Wait and retry rather than end the whole server, as net/http does.
	*backoff = min(max(2**backoff, 5*time.Millisecond), time.Second)
	l.warnAccept(err, *backoff)
	t := time.NewTimer(*backoff)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-l.closing:
		return false
	}
}

// retryable tells accept errors that pass (out of descriptors, a
// connection reset before accept) from a listener that is gone.
func retryable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return isTransientAcceptErr(err)
}

// track registers c as in the pipeline and sets its handshake deadline:
// HandshakeTimeout after accept, or the end of the grace once closed (a
// connection accepted as Close ran).
func (l *Listener) track(c *Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := c.stages
	st.deadline = c.Accepted.Add(l.handshakeTimeout())
	if l.closed && l.graceEnd.Before(st.deadline) {
		st.deadline = l.graceEnd
	}
	c.conn.SetDeadline(st.deadline)
	l.pending[c] = struct{}{}
	c.staged.Store(true)
	l.inflight++
}

// handedOver removes c from the handshake stages; Close no longer
// shortens its deadline.
func (l *Listener) handedOver(c *Conn) {
	l.mu.Lock()
	delete(l.pending, c)
	c.staged.Store(false)
	l.mu.Unlock()
}

// ended counts a pipeline goroutine, or the accept loop, out.
func (l *Listener) ended() {
	l.mu.Lock()
	l.inflight--
	if l.closed && l.inflight == 0 {
		l.finishLocked(ErrClosed)
	}
	l.mu.Unlock()
}

// deliver hands a finished connection to Accept. Once the listener is
// closed it waits only until the grace ends, and closes the connection if
// no Accept took it; after a fatal accept error it closes it at once. An
// Accept that is waiting when the grace has ended still takes it: select
// chooses at random among the cases ready together, and a hand-over that
// came late (its goroutine held up by a busy machine) would close one
// connection in four that had finished its handshake in time, with an
// Accept there for it.
func (l *Listener) deliver(nc net.Conn) {
	select {
	case l.ready <- nc:
		return
	case <-l.stopped:
		nc.Close()
		return
	case <-l.closing:
	}
	select {
	case l.ready <- nc:
	case <-l.stopped:
		nc.Close()
	case <-l.graceOver:
		select {
		case l.ready <- nc:
		default:
			nc.Close()
		}
	}
}
