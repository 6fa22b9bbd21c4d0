package ws

import (
	"sync"
	"time"
)

// rateLog lets a few log records through per window and holds back the
// rest, reporting how many were held back in one summary at the window's
// end, or at close if that comes first. The zero value allows
// refusalBurst records per refusalWindow.
type rateLog struct {
	every time.Duration // window length; 0 means refusalWindow
	burst int           // records per window; 0 means refusalBurst
	// after schedules the summary; nil means time.AfterFunc. Tests
	// replace it to run the summary when they choose.
	after func(d time.Duration, f func())
	// now reads the clock; nil means time.Now. Tests fix it.
	now func() time.Time

	mu   sync.Mutex
	end  time.Time // end of the current window
	used int       // records let through in it
	held int       // records held back since the last summary
	// summary writes the pending summary; set while held > 0.
	summary func(held int)
	// timer is the pending summary's, when after is nil.
	timer *time.Timer
	// closed is set by close: no summary can follow, so every record
	// is let through.
	closed bool
}

func (l *rateLog) window() time.Duration {
	if l.every > 0 {
		return l.every
	}
	return refusalWindow
}

// allow reports whether a record may be written now. When it may not, the
// record is counted, and summary is called once, at the end of the
// window or at close, with the count of records held back.
func (l *rateLog) allow(summary func(held int)) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return true
	}
	now := time.Now()
	if l.now != nil {
		now = l.now()
	}
	if !now.Before(l.end) {
		l.end, l.used = now.Add(l.window()), 0
	}
	burst := l.burst
	if burst <= 0 {
		burst = refusalBurst
	}
	if l.used < burst {
		l.used++
		return true
	}
	if l.held == 0 {
		l.summary = summary
		if l.after != nil {
			l.after(l.end.Sub(now), l.flush)
		} else {
			l.timer = time.AfterFunc(l.end.Sub(now), l.flush)
		}
	}
	l.held++
	return false
}

// flush writes the summary of the records held back, if any: a summary
// that finds none (close wrote it first) writes nothing.
func (l *rateLog) flush() {
	l.mu.Lock()
	n, summary := l.held, l.summary
	l.held, l.summary = 0, nil
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.mu.Unlock()
	if n > 0 {
		summary(n)
	}
}

// close writes the pending summary now rather than at the window's end,
// which a process shutting down would not live to see, and lets every
// later record through: the few that come while the server shuts down
// (refusals already under way) have no summary left to count them.
func (l *rateLog) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.flush()
}
