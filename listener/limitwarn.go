package listener

import "time"

// limitWarns is the state of the records of connections refused at
// MaxConns. A server at its limit refuses at the pace its clients
// reconnect, which can be thousands a second: a record per refusal would
// let them flood the log, and debug level (where each refusal is logged
// with its peer) is off by default. So the first refusal is written at
// warn at once, then at most one record per acceptWarnEvery, each
// counting the refusals since the last; and once a connection takes a
// slot again after a warning, an info record says so, with the refusals
// the warning did not count. Only the accept loop's goroutine touches it.
type limitWarns struct {
	last   time.Time // when the last warning was written; zero: never
	held   int       // refusals since the last record that were not written
	warned bool      // a warning was written and no connection accepted since
}

// warnRefused records a connection refused at the limit.
func (l *Listener) warnRefused() {
	w := &l.limitWarns
	now := time.Now()
	if !w.last.IsZero() && now.Sub(w.last) < acceptWarnEvery {
		w.held++
		return
	}
	l.log.Warn("connection limit reached; refusing new connections", "addr", l.inner.Addr().String(),
		"max", l.lim.max, "refused", w.held+1)
	w.last, w.held, w.warned = now, 0, true
}

// noteAccepted records a connection that took a slot: the first after a
// warning ends the episode with an info record, and so does the first one
// a window after refusals that were held back, so they are counted in the
// log too. Otherwise it costs two loads.
func (l *Listener) noteAccepted() {
	w := &l.limitWarns
	if !w.warned && (w.held == 0 || time.Since(w.last) < acceptWarnEvery) {
		return
	}
	l.log.Info("connection limit no longer reached; accepting connections again", "addr", l.inner.Addr().String(),
		"max", l.lim.max, "refused", w.held)
	w.held, w.warned = 0, false
}
