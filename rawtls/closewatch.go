package rawtls

import (
	"time"

	"github.com/tlsecho/tlsecho/fault"
)

// takeWait is how long a close fault waits behind an echo write that the
// client takes nothing of: its close_notify must follow the record being
// written, which a client that reads nothing never lets end. As on /ws,
// whose close frame waits as long.
const takeWait = 5 * time.Second

// takeLook is how often the wait looks at what the client took.
const takeLook = takeWait / 10

// watchTaken is the close fault's wait for the echo's write in progress
// (fault.Target.Await): until stop is called, it closes the socket once
// the client has taken nothing for takeWait. A client that reads, however
// slowly, gets the record whole and then the close_notify; one that reads
// nothing is let go then, not when the rule for writes not taken acts
// (IdleTimeout).
func (c *Conn) watchTaken(int) (stop func()) {
	done, cut := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(cut)
		t := time.NewTicker(takeLook)
		defer t.Stop()
		last, lastAt := c.taken(), time.Now()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if now := c.taken(); now != last {
				last, lastAt = now, time.Now()
				continue
			}
			if time.Since(lastAt) < takeWait {
				continue
			}
			// Before the close, which the handler's end then finds.
			c.closeCut.Store(true)
			c.tc.NetConn().Close()
			return
		}
	}()
	return func() {
		close(done)
		<-cut
	}
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
