package ws

import (
	"sync"
	"time"
)

// rateLog lets a few log records through per window and holds back the
// rest, reporting how many were held back in one summary at the window's
// end. The zero value allows refusalBurst records per refusalWindow.
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
}

func (l *rateLog) window() time.Duration {
	if l.every > 0 {
		return l.every
	}
	return refusalWindow
}

// allow reports whether a record may be written now. When it may not, the
// record is counted, and summary is called once, at the end of the
// window, with the count of records held back.
func (l *rateLog) allow(summary func(held int)) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
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
		after := l.after
		if after == nil {
			after = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
		}
		after(l.end.Sub(now), func() {
			l.mu.Lock()
			n := l.held
			l.held = 0
			l.mu.Unlock()
			summary(n)
		})
	}
	l.held++
	return false
}
