package listener

// Parking: a connection that waits for its client with no goroutine.
//
// An idle connection's goroutine, parked in the runtime's poller, keeps
// its g and a stack of at least 2 KiB: about 2.5 KiB of the 16 an idle
// wss connection holds. [InputWait.Park] keeps neither. The socket joins
// an epoll set of the listener's own, which one goroutine watches,
// itself waiting in the runtime's poller on the set's descriptor, and
// that goroutine starts the connection's again when the socket turns
// readable. What wakes a read that waits wakes a parked connection too,
// for the goroutine started then waits as before (InputWait.Wait) and
// meets it there: a read deadline set through the Conn, and Close.
//
// So a parked connection must be closed through its Conn, never by its
// socket (NetConn) alone: the kernel would drop the socket from the set
// without a word, and nothing would start the connection again.

// parkedConn is a Conn in its listener's parked set.
type parkedConn struct {
	c      *Conn
	resume func()
	id     uint64 // the set's name for it: descriptors are reused, ids not
	fd     int32
}

// The bits of Conn.noPark: what refuses a park, and makes SetReadDeadline
// and Close start a parked connection again.
const (
	noParkDeadline uint32 = 1 << iota // a read deadline is set
	noParkClosed                      // Close has begun
)

// noteReadDeadline keeps whether a read deadline is set, which a parked
// connection could not meet (see above).
func (c *Conn) noteReadDeadline(zero bool) {
	if zero {
		c.noPark.And(^noParkDeadline)
		return
	}
	c.noPark.Or(noParkDeadline)
}

// unpark starts a parked connection again: after a read deadline is set
// or as Close begins, each of which sets its bit in noPark first, so
// that a park at the same time either sees the bit or is seen here.
func (c *Conn) unpark() {
	if c.parked.Load() != nil {
		c.ln.park.wake(c)
	}
}

// Parked reports whether the connection waits in its listener's parked
// set, with no goroutine (see [InputWait.Park]).
func (c *Conn) Parked() bool { return c.parked.Load() != nil }
