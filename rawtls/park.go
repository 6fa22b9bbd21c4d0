package rawtls

import (
	"errors"

	"github.com/tlsecho/tlsecho/listener"
)

// Parking: a quiet connection waits with no goroutine.
//
// Where it can (Linux, listener.Parking), the echo hands a connection
// that is not busy to the listener's parked set listener.ParkGrace after
// each input it served, if nothing more came meanwhile
// (listener.InputWait.Park): the goroutine ends, and a fresh one
// runs the handler again when the socket turns readable, a read deadline
// is set (the idle watch, Shutdown's wake-up) or the connection is closed,
// and meets what woke it in the read or wait that follows. The goroutine's
// g and its stack are about 2.5 KiB of an idle connection.
//
// A connection whose last listener.BusyAfter wake-ups each came within
// listener.QuickGap of the one before is busy: it goes on waiting where
// it echoed, inside one listener.InputWait.Run, as every connection did
// before, so a busy connection costs no park and no goroutine per
// message. Such a wait carries a read deadline QuickGap away, which ends
// it when the connection has had no input for that long, and the
// connection parks.

// errPark is the echo's way of asking to be run again once the
// connection has input, with no goroutine meanwhile (cont).
var errPark = errors.New("rawtls: parked until the client sends")

// parks reports whether the echo's waits may park: only where the server
// runs the echo itself, for a Handler of the user's that calls it would
// see errPark, and would be run again after each park.
func (c *Conn) parks() bool { return listener.Parking && c.canWait && c.echoRuns }

// tookInput notes a wake-up of the echo's wait that read data: prev is
// when data had last been read before it. It reports whether the
// connection is busy now (see above).
func (c *Conn) tookInput(prev int64) bool {
	return c.pace.Note(c.lastRead.Load() - prev)
}
