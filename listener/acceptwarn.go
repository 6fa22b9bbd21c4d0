package listener

import "time"

// acceptWarnEvery is the least time between two records of failing
// accepts on one listener. Out of descriptors, accept fails again right
// after every connection that got the one freed, and the backoff starts
// over: a record per failure would let clients that open and close
// connections choose how fast the warnings come. One record per window
// still says the server is in trouble, and how much.
const acceptWarnEvery = 10 * time.Second

// acceptWarns is the state of the accept-failure records. Only the accept
// loop's goroutine touches it.
type acceptWarns struct {
	last time.Time // when the last record was written; zero: never
	held int       // failures since then that were not written
}

// warnAccept writes the record of a failed accept, unless one was
// written less than acceptWarnEvery ago; a record written counts, in
// failures, the ones held back before it.
func (l *Listener) warnAccept(err error, in time.Duration) {
	w := &l.acceptWarns
	now := time.Now()
	if !w.last.IsZero() && now.Sub(w.last) < acceptWarnEvery {
		w.held++
		return
	}
	l.log.Warn("accept failed; retrying", "addr", l.inner.Addr().String(), "err", err, "in", in,
		"failures", w.held+1)
	w.last, w.held = now, 0
}
