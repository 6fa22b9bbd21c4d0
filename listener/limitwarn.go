package listener

import (
	"sync/atomic"
	"time"
)

// limitWarns is the state of the records of connections refused at
// MaxConns. A server at its limit refuses at the pace its clients
// reconnect, which can be thousands a second: a record per refusal would
// let them flood the log, and debug level (where each refusal is logged
// with its peer) is off by default. So the first refusal is written at
// warn at once, then at most one record per acceptWarnEvery, each
// counting the refusals since the last, the ones held back written when
// the window ends or at Close (heldCount) as refusals that happened, not
// as the warning that the server is refusing; and once a connection takes a
// slot again after a warning, an info record says so, with the refusals
// held since.
type limitWarns struct {
	heldCount
	// warned is set when a warning is written, cleared by the first
	// connection accepted after it: the accept path's only cost is its
	// load.
	warned atomic.Bool
}

// initLimitWarns makes the records of l's refusals at MaxConns.
func (l *Listener) initLimitWarns() {
	w := &l.limitWarns
	w.every = acceptWarnEvery
	w.write = func(n int) {
		l.log.Warn("connection limit reached; refusing new connections", "addr", l.inner.Addr().String(),
			"max", l.lim.max, "refused", n)
		w.warned.Store(true)
	}
	// Past tense, with the time it covers: written when a window ends or
	// at Close, when the refusals may have stopped.
	w.writeHeld = func(n int, window time.Duration) {
		l.log.Warn("more connections refused at the connection limit", "addr", l.inner.Addr().String(),
			"max", l.lim.max, "refused", n, "window", window)
		w.warned.Store(true)
	}
}

// warnRefused records a connection refused at the limit.
func (l *Listener) warnRefused() { l.limitWarns.event() }

// noteAccepted records a connection that took a slot: the first after a
// warning ends the episode with an info record counting the refusals held
// since the warning. Otherwise it costs one load.
func (l *Listener) noteAccepted() {
	w := &l.limitWarns
	if !w.warned.Load() {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warned.Store(false)
	l.log.Info("connection limit no longer reached; accepting connections again", "addr", l.inner.Addr().String(),
		"max", l.lim.max, "refused", w.takeHeldLocked())
}
