package rawtls

import "errors"

// EndReason says why a connection ended, in a few words fixed in
// advance, so a metric can count connection ends by it without a series
// per error text.
type EndReason uint8

// The reasons a connection ends, as [Conn.EndReason] gives them.
const (
	// EndClient: the client stopped sending (close_notify or a TCP FIN)
	// and had all it sent echoed.
	EndClient EndReason = iota
	// EndIdle: the client sent nothing for IdleTimeout.
	EndIdle
	// EndStuck: the client took none of a write for IdleTimeout.
	EndStuck
	// EndShutdown: the server shut down (drained, or closed at the end
	// of its shutdown timeout).
	EndShutdown
	// EndFault: a terminal fault verb (close, fin, rst, blackhole) ended
	// it.
	EndFault
	// EndError: anything else that broke it: a reset or a TLS alert from
	// the client, a read or write error, a handler's own error or panic.
	EndError
	numEndReasons
)

var endReasonNames = [numEndReasons]string{"client", "idle", "stuck", "shutdown", "fault", "error"}

// String is the reason's label: client, idle, stuck, shutdown, fault or
// error.
func (r EndReason) String() string {
	if r < numEndReasons {
		return endReasonNames[r]
	}
	return "error"
}

// EndReasons are all the reasons, in the order of their values.
func EndReasons() []EndReason {
	rs := make([]EndReason, numEndReasons)
	for i := range rs {
		rs[i] = EndReason(i)
	}
	return rs
}

// EndReason says why the connection ended, for Hooks.Closed, before which
// it is set (the debug line of the end names it too, as `reason`).
func (c *Conn) EndReason() EndReason { return c.reason }

// endReason sorts out why the handler returned err. What the server did
// comes first: a fault or the idle watch ending the connection makes the
// handler's read or write fail with whatever error the socket gives.
func (c *Conn) endReason(err error) EndReason {
	if c.fault != nil {
		if _, ok := c.fault.Ended(); ok || c.closeCut.Load() {
			return EndFault
		}
	}
	switch {
	case c.idle.stuck.Load():
		return EndStuck
	case c.idle.cut.Load(), errors.Is(err, ErrIdle):
		return EndIdle
	case c.srv.draining.Load() || c.srv.closedHard():
		return EndShutdown
	case err == nil:
		return EndClient
	}
	return EndError
}
