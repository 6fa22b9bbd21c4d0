package ws

import (
	"errors"
	"os"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// waitGrace is the wait of a connection that is not busy, where it would
// park: it waits in place, with its goroutine, for up to
// listener.ParkGrace (or the server's grace, in tests) first, so that a
// short connection's close, which comes right after its message, or its
// first message right after the upgrade, is read where the echo is,
// without a park and the goroutine started after it. It reports false
// when the connection should park: nothing came within the grace, the
// keepalive's nudge ended the wait, or it took control frames only
// (takePongs). Otherwise the echo's next read takes what ended the wait:
// input, or a deadline that ends the connection (the keepalive's, a
// close's, put back here), or a closed socket.
//
// The grace is a read deadline, as the keepalive's nudge is, and is set
// and cleared in the same way: the wait is one the nudge may end, and
// whoever sets a deadline to end the connection sets its flag first, so
// one set before the grace's is put back after it (putBackReadDeadline),
// at once when its flag was up already.
func (c *Conn) waitGrace() bool {
	c.parked.Store(parkedWaiting)
	c.nc.Conn.SetReadDeadline(time.Now().Add(durationOr(c.srv.grace, listener.ParkGrace)))
	if c.expired.Load() != 0 || c.closing.Load() != 0 {
		c.putBackReadDeadline()
	}
	err := c.input.Wait()
	if !c.unpark() {
		c.pace.Quiet()
		return false // nudged: the deadlines are put back already
	}
	c.putBackReadDeadline()
	if errors.Is(err, os.ErrDeadlineExceeded) && c.expired.Load() == 0 && c.closing.Load() == 0 {
		return false // quiet through the grace
	}
	c.notePace()
	return c.takePongs(err)
}

// durationOr is d, or def when d is not positive.
func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
