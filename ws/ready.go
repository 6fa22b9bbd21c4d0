package ws

import (
	"sync"

	"github.com/tlsecho/tlsecho/listener"
)

// readyEcho is the echo inside a busy connection's wait on the socket
// (listener.InputWait.Run): each time the socket turns readable, the wait
// reads what the client sent, and when that is whole messages, echoes
// them without leaving the wait, which on Linux saves the read that
// would find the socket empty before the next wait (see Run). Anything
// else (a message not all arrived, a control frame after the last
// message) goes to the echo's usual reads after the wait; the start of a
// TLS record alone crypto/tls keeps, and the wait goes on.
//
// gorilla cannot be asked to read without waiting: a read of its that
// fails fails the connection. So the input is first read through
// crypto/tls, past the frame watch, into a buffer, which must end where
// a data message does (frameWatch.loose). The whole one-frame messages
// it starts with are answered where they lie (inplace.go); gorilla reads
// the rest from there (watchedConn.replay), and is called only for the
// messages whole in it.
type readyEcho struct {
	c    *Conn
	pool *sync.Pool // the echo's buffers, larger than a wait reads at once
	// err is what ended the echo inside the wait, for the echo to
	// return: the wait has stopped.
	err    error
	stepFn func() bool // step, made once
}

func newReadyEcho(c *Conn, pool *sync.Pool) *readyEcho {
	r := &readyEcho{c: c, pool: pool}
	r.stepFn = r.step
	return r
}

// step is the wait's step: it reports whether the wait may go on.
func (r *readyEcho) step() bool {
	c := r.c
	if c.expired.Load() != 0 || c.closing.Load() != 0 || c.parked.Load() != parkedWaiting {
		// Ending or ended: the reads after the wait sort it out (a
		// connection with faults never waits here).
		return false
	}
	// A wait that serves counts as a quick one (wait.go).
	c.stepped = true
	bp := r.pool.Get().(*[]byte)
	buf := *bp
	n := 0
	for n < len(buf) {
		k, err := c.nc.Read(buf[n:])
		n += k
		if err == listener.ErrNoInput {
			break
		}
		if err != nil {
			// crypto/tls keeps its error for the next read, which
			// gorilla makes after what was read.
			return r.leave(bp, buf[:n])
		}
		if k > 0 && c.nc.lc.Drained() {
			break // the next read would only say listener.ErrNoInput
		}
	}
	w := &c.nc.watch
	if n == 0 {
		// Only the start of a record, or a record with no data:
		// crypto/tls keeps it, and the wait goes on.
		r.pool.Put(bp)
		return c.nc.lc.Unread() != listener.UnreadMaybe
	}
	if w.loose || w.messages.Load() == c.nc.started.Load() || n == len(buf) {
		return r.leave(bp, buf[:n])
	}
	if !c.deflate {
		k, err := echoInPlace(c, buf[:n])
		if err != nil {
			r.err = err
			return r.leave(bp, buf[k:n])
		}
		if k == n {
			r.pool.Put(bp)
			return c.allTaken(listener.UnreadPartial)
		}
		buf = buf[k:n]
		n = len(buf)
	}
	c.nc.replay = buf[:n]
	for w.messages.Load() > c.nc.started.Load() {
		if err := echoMessage(c, r.pool); err != nil {
			r.err = err
			return r.leave(bp, c.nc.replay)
		}
	}
	if len(c.nc.replay) > 0 {
		return r.leave(bp, c.nc.replay)
	}
	r.pool.Put(bp)
	return c.allTaken(listener.UnreadPartial)
}

// leave ends the wait with b, what was read and not taken, left for
// gorilla's next reads, in a buffer of its own: bp goes back to the pool.
func (r *readyEcho) leave(bp *[]byte, b []byte) bool {
	c := r.c
	c.nc.replay = nil
	if len(b) > 0 {
		c.nc.replay = append([]byte(nil), b...)
	}
	r.pool.Put(bp)
	return false
}
