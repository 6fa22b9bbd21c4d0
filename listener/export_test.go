package listener

import "time"

// SetWarnWindow shortens l's window between two records of failed
// accepts or refusals, so a test sees one end in well under a second.
// Call it before the first Accept.
func SetWarnWindow(l *Listener, d time.Duration) {
	l.acceptWarns.every = d
	l.limitWarns.every = d
}

// HoldLock takes l's lock, the one Close and EndGrace take to shorten
// the stages' deadlines, until release is called.
func HoldLock(l *Listener) (release func()) {
	l.mu.Lock()
	return l.mu.Unlock
}
