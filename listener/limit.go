package listener

import "sync/atomic"

// limiter counts the connections of one listener, from accept to Close,
// handshaking ones included. It is the only connection limit of the
// process: every listener has one, admin included.
type limiter struct {
	max    int64
	active atomic.Int64
}

// take claims a slot, or reports that all max are in use. Over the limit
// the caller closes the connection at once rather than leaving it in the
// backlog (as x/net/netutil.LimitListener does), so the client learns
// straight away and the listener keeps draining the queue.
func (l *limiter) take() bool {
	if l.active.Add(1) > l.max {
		l.active.Add(-1)
		return false
	}
	return true
}

// release frees a slot taken by take.
func (l *limiter) release() { l.active.Add(-1) }
