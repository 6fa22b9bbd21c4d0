package fault

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrEnded is returned by an echo that a terminal verb (close, fin, rst,
// blackhole) ended: the connection is closed, or closing, and nothing
// more is to be said on it.
var ErrEnded = errors.New("fault: connection ended by a fault")

// Target is what a Session acts on, given by the transport.
type Target struct {
	// Socket is the connection below TLS (or the plain connection): fin,
	// rst and blackhole act on it, and the session closes it at the end.
	Socket net.Conn
	// Close ends the connection politely without closing the socket:
	// close_notify on the raw port (tls.Conn.CloseWrite), a close frame
	// with code and reason on /ws (1000 when the spec gave no code).
	Close func(code int, reason string)
	// Pace puts a pacer under TLS for bw; the transport keeps it until
	// the connection ends.
	Pace func(*Pacer)
	// Idle is how long blackhole holds a socket the client leaves open.
	Idle time.Duration
	// Await, when set, watches a close verb's wait for the echo's write
	// in progress, from its start until stop is called: a close fired by
	// a timer while the echo is blocked writing to a client that reads
	// nothing would wait for that write until the transport's rule for
	// stuck writes (minutes). The /ws transport closes the socket when the
	// client takes nothing for a while, as for its own closes, which ends
	// the write.
	Await func(code int) (stop func())
	// Stream tells the raw TLS echo, a byte stream with no pings: nopong
	// (from Options.Default, which reaches both echoes) does nothing there,
	// and is neither logged nor counted as applied.
	Stream bool
}

// Session is the faults of one connection while its echo runs, from
// Injector.Start to Stop. Triggers count what the echo reports with
// Echoed and the time since ConnInfo.Opened. Its methods are safe for
// concurrent use: the echo's reader and writer, the keepalive and timers
// all consult it.
type Session struct {
	in   *Injector
	spec *Spec
	ci   ConnInfo
	t    Target

	active atomic.Uint32 // bit i: spec.verbs[i] has taken effect
	nopong atomic.Bool
	silent atomic.Bool // fin, rst or blackhole: the transport writes nothing more
	hushed atomic.Bool // a close went out (not the session's): no more echoes
	// queue is the delay's queue once the echo made one; aborted is set
	// by Abort, which stops it, also one made after.
	queue   atomic.Pointer[delayQueue]
	aborted atomic.Bool
	// letGo is set by LetGo: blackhole's hold ends at once, also one that
	// begins after it.
	letGo   atomic.Bool
	endedBy atomic.Int32 // index+1 of the terminal verb that took effect
	// ending is set when a terminal verb fires, before it waits for the
	// write in progress: no echo starts after that, so data the client
	// sends after the verb's time is not echoed behind the record it
	// waits for. acted is closed once the verb has taken effect (its
	// close_notify or close frame sent): the echo's reader waits for it
	// before it half-closes the socket, which would otherwise overtake a
	// close_notify still in the pacer and end the connection with a bare
	// FIN.
	ending atomic.Bool
	acted  chan struct{}
	// pacer is bw's, once it took effect on a transport that paces.
	pacer atomic.Pointer[Pacer]

	mu      sync.Mutex
	count   int64
	stopped bool
	timers  []*time.Timer

	// wmu is held while an echo writes, so a terminal verb fired by a
	// timer takes effect between two writes, never inside a record or
	// frame, and no data follows a close.
	wmu sync.Mutex
}

// Start begins the faults of spec on a connection whose echo starts now,
// and returns nil for a nil spec. Verbs without @when take effect at
// once (a terminal one ends the echo before it begins); @D verbs when D
// has passed since ci.Opened. The handshake verbs are not run here (see
// Handshake). Call Stop when the connection ends.
func (in *Injector) Start(spec *Spec, ci ConnInfo, t Target) *Session {
	if spec == nil {
		return nil
	}
	if ci.Opened.IsZero() {
		ci.Opened = time.Now()
	}
	s := &Session{in: in, spec: spec, ci: ci, t: t, acted: make(chan struct{})}
	for i, v := range spec.verbs {
		switch {
		case v.Kind.handshake() || v.Kind == Status:
			// Acted on before the echo started.
		case v.When.IsZero():
			s.activate(i)
		case v.When.After > 0:
			s.mu.Lock()
			if !s.stopped {
				s.timers = append(s.timers, time.AfterFunc(time.Until(ci.Opened.Add(v.When.After)), func() { s.activate(i) }))
			}
			s.mu.Unlock()
		}
	}
	return s
}

// Stop ends the session's timers; nothing takes effect after it.
func (s *Session) Stop() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.stopped = true
	for _, t := range s.timers {
		t.Stop()
	}
	s.mu.Unlock()
}

// LetGo ends blackhole's hold of the socket at once, from any goroutine,
// whether the hold is under way or begins later: the transport is
// closing the connection (a shutdown). A read deadline set in the past
// alone was lost when it came just before the hold set its own. Nil-safe.
func (s *Session) LetGo() {
	if s == nil {
		return
	}
	s.letGo.Store(true)
	if sock := Socket(s.t.Socket); sock != nil {
		sock.SetReadDeadline(time.Now())
	}
}

// Abort drops the echoes a delay holds and makes the echo's next push
// fail at once, from any goroutine: a transport closing the connection
// under a reader blocked behind a full delay queue (Shutdown's deadline)
// would otherwise wait until the queue's next echo is due, up to a
// minute. Nil-safe.
func (s *Session) Abort() {
	if s == nil {
		return
	}
	s.aborted.Store(true)
	if q := s.queue.Load(); q != nil {
		q.fail(errQueueStopped)
	}
}

// newQueue makes the echo's delay queue, which Abort can reach.
func (s *Session) newQueue(budget int, send func(queued) error, release func(n int)) *delayQueue {
	var reset func() bool
	if sock := Socket(s.t.Socket); sock != nil {
		reset = func() bool { return peerReset(sock) }
	}
	q := newDelayQueue(budget, send, reset, release)
	s.queue.Store(q)
	if s.aborted.Load() {
		q.fail(errQueueStopped)
	}
	return q
}

// Spec is the session's spec.
func (s *Session) Spec() *Spec { return s.spec }

// activate makes verb i take effect, once: it is logged and counted, and
// a terminal verb ends the echo.
func (s *Session) activate(i int) {
	bit := uint32(1) << i
	s.mu.Lock()
	if s.stopped || s.active.Load()&bit != 0 || (s.endedBy.Load() != 0 && s.spec.verbs[i].Kind.terminal()) {
		s.mu.Unlock()
		return
	}
	s.active.Or(bit)
	s.mu.Unlock()
	v := s.spec.verbs[i]
	if v.Kind == NoPong && s.t.Stream {
		return
	}
	s.in.applied(s.ci, s.spec, v)
	switch v.Kind {
	case NoPong:
		s.nopong.Store(true)
	case BW:
		if s.t.Pace != nil {
			p := NewPacer(v.Size)
			s.pacer.Store(p)
			s.t.Pace(p)
		}
	case Close, FIN, RST, Blackhole:
		s.end(i, v)
	}
}

// end carries out terminal verb i between two writes of the echo. fin
// and blackhole wait for a write in progress no longer than cutWait, and
// then cut it (see cutWait); rst does not wait at all.
func (s *Session) end(i int, v Verb) {
	s.ending.Store(true)
	switch {
	case v.Kind == Close && s.t.Await != nil:
		stop := s.t.Await(closeCode(v))
		s.wmu.Lock()
		stop()
		defer s.wmu.Unlock()
	case v.Kind == FIN || v.Kind == Blackhole:
		cut := time.AfterFunc(cutWait, func() { s.act(i, v) })
		s.wmu.Lock()
		defer s.wmu.Unlock()
		if !cut.Stop() {
			// The verb acted at cutWait, under the write it cut.
			return
		}
	case v.Kind != RST:
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	s.act(i, v)
}

// closeCode is the code a close verb sends: its own, else 1000.
func closeCode(v Verb) int {
	if v.Code == 0 {
		return 1000
	}
	return v.Code
}

// act makes terminal verb i take effect, once, whether or not the echo
// is writing: end calls it between two writes, or when a write has
// outlasted cutWait.
func (s *Session) act(i int, v Verb) {
	if !s.endedBy.CompareAndSwap(0, int32(i+1)) {
		return
	}
	defer close(s.acted)
	switch v.Kind {
	case Close:
		if s.t.Close != nil {
			s.t.Close(closeCode(v), v.Reason)
		}
	case FIN:
		s.silent.Store(true)
		// A write in progress fails at once (EPIPE); the FIN follows
		// what it had got into the socket. One that bw holds until its
		// next piece's time (a second at 1 KiB/s) is let go too: nothing
		// more is sent.
		if sock := Socket(s.t.Socket); sock != nil {
			sock.CloseWrite()
		}
		s.stopPacing()
	case RST:
		s.silent.Store(true)
		Reset(s.t.Socket)
		s.stopPacing()
	case Blackhole:
		s.silent.Store(true)
		// Wake the reader: it stops reading and holds the socket. A
		// transport that sets read deadlines of its own checks Silent
		// after setting one, so the wake-up is not lost. A write in
		// progress ends with its deadline passed, and nothing more is
		// written.
		if s.t.Socket != nil {
			s.t.Socket.SetReadDeadline(time.Now())
			stopWrites(s.t.Socket)
		}
	}
}

// Hush stops the echo's writes for good, waiting for one in progress to
// end: the transport calls it before it sends a close frame of its own
// (answering the client's close, or shutting down), since no data frame
// may follow a close (RFC 6455 section 5.5.1). Nil-safe.
func (s *Session) Hush() {
	if s == nil {
		return
	}
	s.wmu.Lock()
	s.hushed.Store(true)
	s.wmu.Unlock()
}

// quiet tells whether the echo must write nothing more; called with wmu.
func (s *Session) quiet() bool { return s.finishing() || s.hushed.Load() }

// stopPacing ends a paced write waiting for its next piece, and every
// later one, once nothing more may be sent (fin, rst).
func (s *Session) stopPacing() {
	if p := s.pacer.Load(); p != nil {
		p.Close()
	}
}

// Paced tells whether bw has taken effect and paces the writes: they are
// slow by the server's own doing then, and a transport must not take a
// long write for a client that stopped reading, but ask Stalled.
// Nil-safe.
func (s *Session) Paced() bool { return s != nil && s.pacer.Load() != nil }

// Stalled is how long the client has taken none of the paced bytes that
// wait for it ([Pacer.Stalled]); 0 without bw. A transport that judges
// writes not taken looks at it while a paced write is in progress, at
// least once per its bound. Nil-safe.
func (s *Session) Stalled() time.Duration {
	if s == nil {
		return 0
	}
	if p := s.pacer.Load(); p != nil {
		return p.Stalled()
	}
	return 0
}

// Active tells whether a verb of kind k has taken effect.
func (s *Session) Active(k Kind) bool {
	bits := s.active.Load()
	for i, v := range s.spec.verbs {
		if v.Kind == k {
			return bits&(1<<i) != 0
		}
	}
	return false
}

// Ended tells whether a terminal verb has taken effect, and which.
func (s *Session) Ended() (Verb, bool) {
	i := s.endedBy.Load()
	if i == 0 {
		return Verb{}, false
	}
	return s.spec.verbs[i-1], true
}

func (s *Session) ended() bool { return s.endedBy.Load() != 0 }

// finishing tells whether a terminal verb has fired, taken effect or not
// yet: the echo starts nothing more.
func (s *Session) finishing() bool { return s.ending.Load() || s.ended() }

// NoPong tells whether pings are to go unanswered now.
func (s *Session) NoPong() bool { return s != nil && s.nopong.Load() }

// Silent tells whether the transport must write nothing more on the
// connection, not even a ping or a close: fin, rst or blackhole took
// effect. It is a nil-safe, lock-free check for the transports' write
// paths.
func (s *Session) Silent() bool { return s != nil && s.silent.Load() }

// Next returns how many of the next n units (bytes or messages) may be
// echoed before a count trigger is reached, at least 1, so that an echo
// can stop exactly there: close@5 after the fifth byte, not after the
// read that contained it.
func (s *Session) Next(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	bits := s.active.Load()
	for i, v := range s.spec.verbs {
		if c := v.When.Count; c > s.count && bits&(1<<i) == 0 {
			n = int(min(int64(n), c-s.count))
		}
	}
	return max(n, 1)
}

// before returns how many of the next n units may be echoed before the
// count trigger of the verb of kind k is reached: n when it has none, or
// has taken effect already.
func (s *Session) before(k Kind, n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	bits := s.active.Load()
	for i, v := range s.spec.verbs {
		if c := v.When.Count; v.Kind == k && c > s.count && bits&(1<<i) == 0 {
			n = int(min(int64(n), c-s.count))
		}
	}
	return n
}

// Echoed counts n units echoed (sent) and makes the verbs whose count
// has been reached take effect. It reports whether the echo has ended.
func (s *Session) Echoed(n int) bool {
	s.mu.Lock()
	s.count += int64(n)
	count, bits := s.count, s.active.Load()
	s.mu.Unlock()
	for i, v := range s.spec.verbs {
		if c := v.When.Count; c > 0 && c <= count && bits&(1<<i) == 0 {
			s.activate(i)
		}
	}
	return s.endedBy.Load() != 0
}

// hold is how long the next echo is held: delay's D plus a uniform random
// 0..J, or 0 while no delay has taken effect.
func (s *Session) hold() time.Duration {
	v, ok := s.spec.Get(Delay)
	if !ok || !s.Active(Delay) {
		return 0
	}
	d := v.Dur
	if v.Jitter > 0 {
		d += time.Duration(rand.Int64N(int64(v.Jitter) + 1))
	}
	return d
}

// frag is the most bytes per record or frame now, 0 for no limit.
func (s *Session) frag() int {
	if v, ok := s.spec.Get(Frag); ok && s.Active(Frag) {
		return int(v.Size)
	}
	return 0
}

// afterEnd is what the echo's reader does once a terminal verb took
// effect; rerr is what its last read returned. After a close on /ws,
// awaitClose (non-nil there) reads on, discarding data, until the client
// answers the close, and that read's error goes back to the transport,
// which finishes the closing handshake. After close on the raw port and
// after fin, the server's FIN goes out and what the client still sends
// is discarded for a moment before the socket closes, so the close is
// not turned into a reset the client would see instead. After blackhole
// the socket is held unread until the client closes or the idle time
// passes.
func (s *Session) afterEnd(awaitClose func() error, rerr error) error {
	// The verb fired; it takes effect once the write it waits for ends,
	// which is bounded (cutWait, the transport's Await and its rules for
	// writes not taken).
	<-s.acted
	v, _ := s.Ended()
	switch {
	case v.Kind == Close && awaitClose != nil:
		for rerr == nil {
			rerr = awaitClose()
		}
		return rerr
	case v.Kind == Close || v.Kind == FIN:
		Finish(s.t.Socket, closeDrain)
	case v.Kind == Blackhole:
		// Also after a read error: a client that closed or reset is seen
		// at once, and the transport's own timeout (a wake-up) is not the
		// end of the hold.
		Hold(s.t.Socket, time.Now().Add(s.t.Idle), &s.letGo)
	}
	if s.t.Socket != nil {
		s.t.Socket.Close()
	}
	return ErrEnded
}

// discard drains r, for messages read after the echo ended.
func discard(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
