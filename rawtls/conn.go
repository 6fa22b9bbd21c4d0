package rawtls

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
)

// ErrIdle is returned by Conn.Read when the client has sent nothing for
// IdleTimeout.
var ErrIdle = errors.New("rawtls: idle timeout")

// Conn is an established TLS connection as a Handler sees it. Read and
// Write carry the server's timeouts; only the Handler's goroutine may call
// them.
type Conn struct {
	tc    *tls.Conn
	srv   *Server
	fault *fault.Session // nil unless the connection has faults

	// lastRead is when a read last returned data, as the server's clock
	// (see Server.since); the idle watch reads it.
	lastRead atomic.Int64
	read     atomic.Int64
	// written counts the bytes written; writes is odd while a Write is in
	// progress. The idle watch reads both.
	written atomic.Int64
	writes  atomic.Uint64
	idle    idleWatch
	// idleMark is the listener's InputMark at the last data read, or
	// at the last look of idleWatch.heard: bytes since then are traffic
	// though no data came of them. The reading goroutine's alone.
	idleMark uint64
	// closeCut is set when a close fault gave up waiting for a write the
	// client took nothing of, and closed the socket (watchTaken).
	closeCut atomic.Bool
	// ended is set once a read met the client's end of input: nothing can
	// arrive after it, so the close need not linger.
	ended bool
	// lingering is set, under the server's mu, once the close reads and
	// discards what the client still sends: wake leaves that read alone.
	lingering bool
	// reason is why the connection ended, set by end.
	reason EndReason

	// lc is the accepted connection under TLS, when it came from a
	// listener.Listener: it follows crypto/tls's records (Unread).
	lc *listener.Conn
	// input waits on the socket without a buffer (awaitInput), where
	// canWait says that is possible.
	input   listener.InputWait
	canWait bool
	// pace counts the echo's wake-ups in a row that each came soon
	// after the one before; parkNext asks the echo to park, settleNext
	// to wait listener.ParkGrace in place first (park.go).
	// echoRuns is set when the server runs the echo itself, which may
	// park only then (echoHandler).
	pace       listener.Pace
	parkNext   bool
	settleNext bool
	echoRuns   bool
}

func newConn(tc *tls.Conn, s *Server) *Conn {
	c := &Conn{tc: tc, srv: s, lc: listener.From(tc)}
	if c.lc != nil {
		c.canWait = c.input.Init(c.lc)
	}
	return c
}

// RemoteAddr is the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.tc.RemoteAddr() }

// NetConn is the connection under TLS: the *listener.Conn the listener
// accepted, which carries what the pipeline learnt about it.
func (c *Conn) NetConn() net.Conn { return c.tc.NetConn() }

// BytesRead is the number of decrypted bytes read so far.
func (c *Conn) BytesRead() int64 { return c.read.Load() }

// BytesWritten is the number of bytes written so far.
func (c *Conn) BytesWritten() int64 { return c.written.Load() }

// State is the negotiated TLS state.
func (c *Conn) State() tls.ConnectionState { return c.tc.ConnectionState() }

// Read reads decrypted bytes. It returns io.EOF when the client has
// finished sending (close_notify or TCP FIN), and also, during Shutdown,
// once the client has been quiet for DrainQuiet; ErrIdle after IdleTimeout
// of silence.
//
// No deadline is set per read: the idle watch, Shutdown and the faults
// set one to wake a read when they must, and Read then sorts out why.
func (c *Conn) Read(p []byte) (int, error) {
	for {
		// Whoever wakes a read sets its flag first: checked here, a
		// wake-up that readBuffered or awaitInput cleared is not lost.
		switch {
		case c.srv.draining.Load():
			return c.drainRead(p)
		case c.fault.Silent():
			return 0, ErrIdle
		case c.idle.expired.Load() && !c.idle.heard():
			return 0, ErrIdle
		}
		n, err := c.tlsRead(p)
		if n > 0 {
			return n, err
		}
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, err
		}
		if !c.flagged() {
			// A wake-up meant for an earlier state; read on.
			c.tc.SetReadDeadline(time.Time{})
		}
	}
}

// readBuffered reads into p what crypto/tls holds already of the record
// a read that filled its buffer came from, without waiting for the
// socket: an expired deadline makes a read that would wait fail at once,
// without a system call (the record may have ended exactly where the
// buffer did). The deadline is cleared afterwards, and a wake-up it
// overwrites is not lost (see Read). err is an error other than finding
// nothing: the client's end (io.EOF) or a broken connection.
func (c *Conn) readBuffered(p []byte) (n int, err error) {
	c.tc.SetReadDeadline(time.Unix(1, 0))
	n, err = c.tlsRead(p)
	c.tc.SetReadDeadline(time.Time{})
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = nil
	}
	return n, err
}

// awaitInput waits, holding no buffer, until a read would find input.
// When crypto/tls holds none (listener.Conn.Unread), it waits for the
// socket itself to turn readable, parked in the poller. When crypto/tls
// may hold input, it reports true: the caller then reads with
// readBuffered, which takes that input or, finding none, lets the
// listener count records from there. It returns false at once when a
// record has begun arriving (the rest is on its way, and a read takes it
// as it comes), and when the server drains, the connection idled or a
// fault silenced it: the read that follows sorts those out, as it does an
// error of the socket.
//
// With step set, the wait serves what arrives meanwhile: each time the
// socket has input of whole records, step reads it, with reads that
// return listener.ErrNoInput once it is all taken, and then reports
// whether the wait may go on (listener.InputWait.Run). On Linux the wait
// saves the read that finds the socket empty after each input it serves.
func (c *Conn) awaitInput(step func() bool) (probe bool) {
	if !c.canWait {
		return false
	}
	for {
		switch c.lc.Unread() {
		case listener.UnreadMaybe:
			return true
		case listener.UnreadPartial:
			return false
		}
		// As in Read: whoever wakes a wait sets its flag first.
		if c.flagged() {
			return false
		}
		var err error
		switch {
		case step != nil && c.parks():
			err = c.runQuiet(step)
			if err == errPark {
				c.parkNext = true
				return false
			}
		case step != nil:
			err = c.input.Run(step)
		default:
			err = c.input.Wait()
		}
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			return false
		}
		if !c.flagged() {
			// A wake-up meant for an earlier state; wait on.
			c.tc.SetReadDeadline(time.Time{})
		}
	}
}

// runQuiet is the echo's wait where it may park (park.go): Run, with a
// read deadline that ends it once the connection has had no input for
// a while: listener.QuickGap, or listener.ParkGrace after input of a
// connection that is not busy (settleNext, set by the step or the echo).
// It returns errPark when that deadline found the connection quiet. Any
// other wake-up (the server draining, the idle watch, a fault's) returns
// as from Run: whoever wakes a wait sets its flag first, so the flags
// are looked at after the deadline is set, which may have overwritten
// the wake-up's, and after it is cleared.
func (c *Conn) runQuiet(step func() bool) error {
	from := time.Now()
	for {
		since := c.lastRead.Load()
		wait, grace := listener.QuickGap, c.settleNext
		if grace {
			wait, c.settleNext, from = durationOr(c.srv.grace, listener.ParkGrace), false, time.Now()
		}
		c.tc.SetReadDeadline(from.Add(wait))
		if c.flagged() {
			return nil // Read sorts it out, from its flags
		}
		err := c.input.Run(step)
		c.tc.SetReadDeadline(time.Time{})
		if c.flagged() {
			// No grace and no park, even if the step asked for the
			// grace: the deadline just cleared may have been the
			// wake-up's, and a connection that waited on, or parked,
			// would do so past the drain or the idle timeout, until
			// the client sent again.
			c.settleNext = false
			return nil
		}
		if c.settleNext {
			continue // the step served input: the grace starts again
		}
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		last := c.lastRead.Load()
		if last == since {
			if !grace {
				c.pace.Quiet() // quiet for QuickGap: no longer busy
			}
			return errPark
		}
		// The step served input as busy meanwhile: the quiet that
		// parks the connection is counted from that input, so a busy
		// connection parks QuickGap after its last input, not up to
		// twice that.
		from = c.srv.at(last)
	}
}

// flagged reports whether something that wakes a read has set its flag
// (whoever wakes one sets its flag first): the server draining, the idle
// watch, a fault that silenced the connection.
func (c *Conn) flagged() bool {
	return c.srv.draining.Load() || c.idle.expired.Load() || c.fault.Silent()
}

// tlsRead reads through TLS and notes what the idle watch and the close
// need to know: when data last came, how much, and the client's end.
func (c *Conn) tlsRead(p []byte) (int, error) {
	n, err := c.tc.Read(p)
	if n > 0 {
		c.lastRead.Store(c.srv.since())
		c.idleMark = c.inputMark()
		c.read.Add(int64(n))
		if c.lc != nil {
			c.lc.RecordRead(n, len(p))
		}
	}
	if err == io.EOF {
		c.ended = true
	}
	return n, err
}

// drainRead is Read while the server shuts down: it reads while the
// client keeps sending and reports io.EOF once the client has been quiet
// for DrainQuiet.
//
// Quiet counts from the client's last byte, not from the last data
// crypto/tls returned: the bytes of a record still arriving (a large one
// over a slow link) return no data until the record is whole, and a
// client sending one is not quiet. The drain learns of such bytes when
// its deadline passes, and counts from when the last of them came
// (partialHeard), so a client that stops in the middle of a record is
// quiet from its last byte, as one quiet between records is from its
// last record: the drain ends DrainQuiet after it. Records the client
// completed that carried no data (a key update), whose last bytes came
// at a time not kept, count as heard when the deadline finds them, and
// end the drain at most 2*DrainQuiet after them.
func (c *Conn) drainRead(p []byte) (int, error) {
	quiet := durationOr(c.srv.DrainQuiet, DefaultDrainQuiet)
	var heard time.Time // when bytes of a record were last seen arriving
	if c.lc != nil && c.lc.Unread() == listener.UnreadPartial {
		// A record begun before the call: its bytes may have come a
		// moment ago, read by the wait before the drain.
		heard = c.partialHeard()
	}
	mark := c.inputMark()
	for {
		last := later(c.srv.at(c.lastRead.Load()), heard)
		// At least a moment in the future, so bytes already in the socket
		// buffer are still read: a deadline in the past fails before the
		// read is even tried.
		c.tc.SetReadDeadline(later(last.Add(quiet), time.Now().Add(time.Millisecond)))
		if c.fault.Silent() {
			// blackhole took effect: its wake-up may have been
			// overwritten, and nothing more is to be read.
			c.tc.SetReadDeadline(time.Now())
		}
		n, err := c.tlsRead(p)
		if err == nil || n > 0 {
			return n, err
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, err
		}
		if c.fault.Silent() || c.idle.expired.Load() && !c.idle.heard() {
			return 0, ErrIdle
		}
		if m := c.inputMark(); m != mark {
			// Bytes came since the deadline was set, of a record still
			// arriving or of records with no data: the client was not
			// quiet for all of DrainQuiet, but may be by now.
			mark = m
			heard = time.Now()
			if c.lc.Unread() == listener.UnreadPartial {
				heard = c.partialHeard()
			}
		}
		if time.Since(later(c.srv.at(c.lastRead.Load()), heard)) >= quiet {
			// Quiet for DrainQuiet while shutting down: treat it as the
			// client's end of input, so the handler finishes cleanly.
			// Shutdown's wake-up can land after the drain deadline was
			// set and cut it short; then the client was not quiet yet,
			// and the loop sets the deadline again.
			return 0, io.EOF
		}
	}
}

// partialHeard is when the bytes of the record still arriving last came,
// for a reader that saw listener.Conn.Unread say UnreadPartial: the
// listener notes the time of each read that ends inside a record
// (listener.Conn.PartialAt), and no other read reads the clock. Now, if
// the listener has noted none.
func (c *Conn) partialHeard() time.Time {
	if at := c.lc.PartialAt(); !at.IsZero() {
		return at
	}
	return time.Now()
}

// lastInput is when the client last sent, as the server's clock (see
// Server.since): when a read last returned data, or, if later, when a
// read from the socket last ended inside a record
// (listener.Conn.PartialAt), whose bytes are traffic though no data came
// of them. Any goroutine may call it.
func (c *Conn) lastInput() int64 {
	last := c.lastRead.Load()
	if c.lc != nil {
		if at := c.lc.PartialAt(); !at.IsZero() {
			last = max(last, int64(at.Sub(c.srv.epoch)))
		}
	}
	return last
}

// inputMark is the listener's listener.Conn.InputMark, which moves with
// every byte crypto/tls reads; 0 behind another listener.
func (c *Conn) inputMark() uint64 {
	if c.lc == nil {
		return 0
	}
	return c.lc.InputMark()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Write encrypts and sends p. A client that takes none of it for
// IdleTimeout is dropped by the idle watch.
func (c *Conn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	n, err := c.tc.Write(p)
	c.writes.Add(1)
	c.written.Add(int64(n))
	return n, err
}
