package rawtls

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// idleWatch enforces IdleTimeout with one timer per connection instead of
// a deadline set on every read and write: it fires when the client could
// have been silent for IdleTimeout, and then either finds later input
// (data read, or bytes of a record still arriving: Conn.lastInput) and
// sleeps until that is IdleTimeout old, or wakes the handler's read with
// an expired deadline, which Read turns into ErrIdle. A write
// in progress while the client has taken none of what the server sent
// for IdleTimeout closes the socket: nothing can be said to such a
// client any more (a write paced by bw: paced bytes it has taken none of
// for IdleTimeout).
// A handler that has not returned IdleTimeout after its read was woken
// has its writes cut (an expired write deadline) rather than its socket
// closed: one merely slow to be scheduled still sends its close_notify,
// which sets a deadline of its own, while one stuck in a write fails at
// once and, that write cut short, sends nothing more.
type idleWatch struct {
	c       *Conn
	after   time.Duration
	expired atomic.Bool
	// stuck is set when the watch closed the socket under a write the
	// client took none of: the write's error then says only that the
	// socket was closed, and the log says why.
	stuck atomic.Bool
	// cut is set when the watch ended the writes of a handler that had
	// not returned IdleTimeout after its read was woken for idleness.
	cut atomic.Bool

	mu      sync.Mutex
	t       *time.Timer
	stopped bool
	writes  uint64 // the write in progress at the last firing, if odd
	// taken is what the client had taken (Conn.taken) at takenAt, the
	// firing that first saw it so with the write in progress.
	taken   uint64
	takenAt time.Time
}

func (w *idleWatch) start(c *Conn) {
	w.c = c
	w.after = durationOr(c.srv.IdleTimeout, DefaultIdleTimeout)
	w.mu.Lock()
	w.t = time.AfterFunc(w.after, w.fire)
	w.mu.Unlock()
}

func (w *idleWatch) stop() {
	w.mu.Lock()
	w.stopped = true
	if w.t != nil { // begin panicked before it started the watch
		w.t.Stop()
	}
	w.mu.Unlock()
}

func (w *idleWatch) fire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	c := w.c
	next := w.after
	writes := c.writes.Load()
	if writes&1 == 1 && w.stuckWrite(writes) {
		w.stuck.Store(true)
		c.tc.NetConn().Close()
		return
	}
	w.writes = writes
	if w.expired.Load() && c.fault == nil {
		// The read was woken for idleness a firing ago and the handler
		// has not returned. It may be stuck in a write that crypto/tls
		// makes inside Read (the answer to a KeyUpdate that requested
		// one, an alert), which the read's deadline does not reach, to a
		// client that takes none of it; or only not yet scheduled, on a
		// busy machine. An expired write deadline ends the first at once
		// (and the listener.Conn under TLS then sends nothing more), and
		// leaves the second its close_notify, whose write crypto/tls
		// gives a deadline of its own: closing the socket here would
		// cut that close_notify too. (With faults, the echo may still be
		// sending what a delay holds; its writes are watched above.)
		w.cut.Store(true)
		c.tc.SetWriteDeadline(time.Now())
		return
	}
	if c.fault.Silent() {
		// fin, rst or blackhole has the socket: its own drain or hold
		// (bounded by IdleTimeout too) ends it. A read deadline set now
		// would cut that short and close the socket with the client's
		// bytes unread: a reset instead of the FIN. A stuck write is
		// still this watch's to end.
		w.t.Reset(next)
		return
	}
	idle := time.Duration(c.srv.since() - c.lastInput())
	if idle >= w.after && writes&1 == 0 {
		w.expired.Store(true)
		c.tc.SetReadDeadline(time.Now())
		// Fire once more: a handler stuck in a write inside Read does
		// not see the deadline (above).
		w.t.Reset(w.after)
		return
	}
	if idle < w.after {
		next = w.after - idle
	}
	w.t.Reset(next)
}

// heard is the reading goroutine's look, once the watch has woken its
// read for idleness, at whether bytes came since the last data (or the
// last look): those of a record still arriving, a large one over a slow
// link, of which crypto/tls returns nothing until it is whole. A client
// sending them is not idle, whatever lastRead says. The watch counts
// silence from the last of them already (lastInput), so a client that
// stops in the middle of a record is closed IdleTimeout after its last
// byte, as one idle between records is after its last record: heard
// reports true only for bytes that came within IdleTimeout, those the
// read took just as the watch fired, and the watch then fires
// IdleTimeout after them. Records the client completed that carried no
// data (a key update), whose last bytes came at a time not kept, count
// as heard now, and the watch starts again, a whole IdleTimeout from now.
// It reports false, and the read ends as idle, once the watch has
// stopped or given up on the writes.
func (w *idleWatch) heard() bool {
	c := w.c
	m := c.inputMark()
	if m == c.idleMark {
		return false
	}
	c.idleMark = m
	next := w.after
	if c.lc.Unread() == listener.UnreadPartial {
		// The last read from the socket ended inside the record still
		// arriving: it came at the PartialAt that lastInput counts.
		idle := time.Duration(c.srv.since() - c.lastInput())
		if idle >= w.after {
			return false
		}
		next = w.after - idle
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped || w.cut.Load() || w.stuck.Load() {
		return false
	}
	w.expired.Store(false)
	w.t.Reset(next)
	return true
}

// stuckWrite tells whether the client has taken nothing for IdleTimeout
// while the write in progress, writes, waits: the same write as at an
// earlier firing, with nothing more taken (Conn.taken: the bytes it
// acknowledged, where the kernel tells) since, IdleTimeout ago or more.
// How long the write itself lasts says nothing: it returns once the
// server's send buffer has room for it, and the kernel sizes that buffer
// (to megabytes) and wakes the writer only once a good part of it is
// free, so a client that reads an echo at 64 KiB/s can hold one write
// for seconds, at any IdleTimeout. Off Linux, where the writes are all
// that is counted, a write that lasts IdleTimeout is taken for stuck.
// Under bw the server itself makes a write slow, and it lasts as long as
// its bytes at the rate; the paced bytes the client has taken none of
// for IdleTimeout say it instead (fault.Session.Stalled), looked at each
// firing while a write lasts.
func (w *idleWatch) stuckWrite(writes uint64) bool {
	if f := w.c.fault; f.Paced() {
		return f.Stalled() >= w.after
	}
	taken, now := w.c.taken(), time.Now()
	if writes != w.writes || taken != w.taken {
		w.taken, w.takenAt = taken, now
		return false
	}
	return now.Sub(w.takenAt) >= w.after
}
