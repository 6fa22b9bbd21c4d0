package rawtls

import (
	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
)

// watchTaken is the close fault's wait for the echo's write in progress
// (fault.Target.Await): its close_notify must follow the record being
// written, which a client that reads nothing never lets end. A client
// that reads, however slowly, gets the record whole and then the
// close_notify; one that has taken nothing for listener.TakeWait has its
// socket closed then, as /ws's close frame does, not when the rule for
// writes not taken acts (IdleTimeout).
func (c *Conn) watchTaken(int) (stop func()) {
	return listener.WatchTaken(c.taken, func() {
		// Before the close, which the handler's end then finds.
		c.closeCut.Store(true)
		c.tc.NetConn().Close()
	})
}

// taken measures what the client has taken of the server's writes: the
// bytes it acknowledged, where the kernel tells, else the bytes of the
// writes that completed. It grows while the client reads.
func (c *Conn) taken() uint64 {
	if n, ok := fault.Acked(c.tc.NetConn()); ok {
		return n
	}
	return uint64(c.written.Load())
}
