package listener

import "time"

// acceptWarns is the state of the accept-failure records: at most one
// per acceptWarnEvery, each counting the failures since the last, the
// ones held back written when the window ends or at Close (heldCount).
type acceptWarns struct {
	heldCount
	// err and in are the last failure's error and backoff, written with
	// its record; under mu, since a window's end writes from a timer.
	err error
	in  time.Duration
}

// initAcceptWarns makes the records of l's failed accepts.
func (l *Listener) initAcceptWarns() {
	w := &l.acceptWarns
	w.every = acceptWarnEvery
	w.write = func(n int) {
		l.log.Warn("accept failed; retrying", "addr", l.inner.Addr().String(), "err", w.err, "in", w.in,
			"failures", n)
	}
	// Without "retrying" and the backoff: written when a window ends or
	// at Close, when the failures may have stopped.
	w.writeHeld = func(n int, window time.Duration) {
		l.log.Warn("more accepts failed", "addr", l.inner.Addr().String(), "err", w.err,
			"failures", n, "window", window)
	}
}

// warnAccept records a failed accept that will be retried in in.
func (l *Listener) warnAccept(err error, in time.Duration) {
	w := &l.acceptWarns
	w.mu.Lock()
	w.err, w.in = err, in
	w.mu.Unlock()
	w.event()
}
