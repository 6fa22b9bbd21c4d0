// Package stall lets a test make a server socket's writes stall, as they
// do to a client whose receive window and the server's send buffer are
// full: a stalled write sends nothing and fails when its write deadline
// passes (a deadline set meanwhile counting) or when the socket is
// closed. The kernel takes a small write, such as a close_notify or a
// close frame, into a buffer that is full for larger ones often enough
// that a real full window cannot show a stalled write reliably.
//
// A test wraps an accepted socket in a [Conn]. The Conn hides the
// socket's other methods; where the server must find some of them
// (CloseWrite, SyscallConn on a TCP socket), the test's own type embeds
// the Conn and adds them.
package stall

import (
	"net"
	"os"
	"sync"
	"time"
)

// Writes holds one socket's stalled writes. Make it with [New].
type Writes struct {
	pick    func(p []byte) bool
	blocked chan struct{}
	closed  chan struct{}

	mu       sync.Mutex
	all      bool // Stall was called: every write stalls
	shut     bool // Close was called
	deadline time.Time
	changed  chan struct{} // closed and replaced when the deadline changes or the socket closes
}

// New returns the Writes of one socket: only the writes pick chooses
// stall (pick may be nil), until [Writes.Stall] makes every write stall.
func New(pick func(p []byte) bool) *Writes {
	return &Writes{pick: pick, blocked: make(chan struct{}, 1), closed: make(chan struct{}), changed: make(chan struct{})}
}

// Stall makes every write from now on stall.
func (w *Writes) Stall() {
	w.mu.Lock()
	w.all = true
	w.mu.Unlock()
}

// Blocked receives once a write has started to stall (it holds one
// signal, not a count).
func (w *Writes) Blocked() <-chan struct{} { return w.blocked }

// Closed is closed when the socket is closed.
func (w *Writes) Closed() <-chan struct{} { return w.closed }

// Write writes p with write, the socket's own Write, or stalls as the
// package describes.
func (w *Writes) Write(p []byte, write func([]byte) (int, error)) (int, error) {
	w.mu.Lock()
	if !w.all && (w.pick == nil || !w.pick(p)) {
		w.mu.Unlock()
		return write(p)
	}
	select {
	case w.blocked <- struct{}{}:
	default:
	}
	for {
		if w.shut {
			w.mu.Unlock()
			return 0, &net.OpError{Op: "write", Net: "tcp", Err: net.ErrClosed}
		}
		dl, changed := w.deadline, w.changed
		w.mu.Unlock()
		var expired <-chan time.Time
		var t *time.Timer
		if !dl.IsZero() {
			if time.Until(dl) <= 0 {
				return 0, &net.OpError{Op: "write", Net: "tcp", Err: os.ErrDeadlineExceeded}
			}
			t = time.NewTimer(time.Until(dl))
			expired = t.C
		}
		select {
		case <-changed:
		case <-expired:
		}
		if t != nil {
			t.Stop()
		}
		w.mu.Lock()
	}
}

// SetWriteDeadline notes the socket's new write deadline for the stalled
// writes; call it from the socket's SetWriteDeadline and SetDeadline.
func (w *Writes) SetWriteDeadline(t time.Time) {
	w.mu.Lock()
	w.deadline = t
	w.wake()
	w.mu.Unlock()
}

// Close ends the stalled writes and closes [Writes.Closed]; call it from
// the socket's Close.
func (w *Writes) Close() {
	w.mu.Lock()
	if !w.shut {
		w.shut = true
		close(w.closed)
		w.wake()
	}
	w.mu.Unlock()
}

// wake has every stalled write look again. Call it with w.mu held.
func (w *Writes) wake() {
	close(w.changed)
	w.changed = make(chan struct{})
}

// Conn is a socket whose writes stall as its [Writes] decides. It hides
// the socket's other methods (CloseWrite, SyscallConn): a test whose
// server must find them adds them to a type that embeds Conn.
type Conn struct {
	net.Conn
	*Writes
}

// NewConn wraps nc; pick is as for [New].
func NewConn(nc net.Conn, pick func(p []byte) bool) *Conn {
	return &Conn{Conn: nc, Writes: New(pick)}
}

// Write writes p, or stalls.
func (c *Conn) Write(p []byte) (int, error) { return c.Writes.Write(p, c.Conn.Write) }

// SetWriteDeadline sets the socket's write deadline, and the stalled
// writes'.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.Writes.SetWriteDeadline(t)
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.Writes.SetWriteDeadline(t)
	return c.Conn.SetDeadline(t)
}

// Close closes the socket, ending stalled writes.
func (c *Conn) Close() error {
	c.Writes.Close()
	return c.Conn.Close()
}
