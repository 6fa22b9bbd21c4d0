package listener

import (
	"net"
	"time"
)

// maxRefusing bounds the connections refused at MaxConns that linger at
// once (refuseOverLimit), per listener. Each holds a descriptor beyond
// MaxConns for up to LingerWait; a client that reconnects in a tight loop
// at the limit makes refusals faster than they end, and past this many
// the next are closed at once, reset or not, as before.
const maxRefusing = 64

// refuseOverLimit ends a connection refused at MaxConns with a FIN. A
// client sends its first bytes (an HTTP request, a ClientHello) right
// after connecting, often before the accept; closing the socket over them
// unread makes the kernel answer with a reset, which the client reports
// as "connection reset by peer" and a balancer counts as a fault, where a
// refusal was meant. So the connection is half-closed at once (the client
// learns straight away, as before) and what it sent is read and dropped
// until it closes too or LingerWait passes (LingerClose), on a goroutine
// of its own: the accept loop does not wait. It holds no slot meanwhile.
// Close cuts the wait short.
func (l *Listener) refuseOverLimit(nc net.Conn) {
	l.mu.Lock()
	if len(l.refusing) >= maxRefusing {
		l.mu.Unlock()
		nc.Close()
		return
	}
	deadline := time.Now().Add(LingerWait)
	if l.closed {
		deadline = time.Now()
	}
	nc.SetDeadline(deadline)
	l.refusing[nc] = struct{}{}
	l.mu.Unlock()
	go func() {
		LingerClose(nc)
		l.mu.Lock()
		delete(l.refusing, nc)
		l.mu.Unlock()
	}()
}

// endRefusingLocked cuts short the lingering of the connections refused
// at MaxConns, at Close. l.mu is held.
func (l *Listener) endRefusingLocked() {
	now := time.Now()
	for nc := range l.refusing {
		nc.SetDeadline(now)
	}
}
