package listener

import (
	"sync"
	"time"
)

// acceptWarnEvery is the least time between two records of failing
// accepts, or of refusals at MaxConns, on one listener. Out of
// descriptors, accept fails again right after every connection that got
// the one freed, and the backoff starts over; at its limit a server
// refuses at the pace its clients reconnect: a record per event would let
// clients choose how fast the warnings come. One record per window still
// says the server is in trouble, and how much.
const acceptWarnEvery = 10 * time.Second

// heldCount writes the records of one kind of event at most once per
// window, each counting the events since the last, and loses none: those
// held back inside a window are written when it ends, by a timer that
// exists only while something is held, or at the listener's Close,
// whichever comes first. Without that, a count held when the pressure
// ended (no more events) or the server stopped would never reach the log,
// and the log's counts would not add up to the metrics'.
//
// The two kinds of record have their own words: one written at an event
// says what is happening now ("refusing new connections"); one written at
// a window's end or at Close reports what happened in the time it covers,
// since by then the pressure may have ended or the server stopped, and an
// operator reading it must not be told the server is still refusing.
type heldCount struct {
	every time.Duration   // the window; acceptWarnEvery
	write func(count int) // writes a record at an event, counting it and those held before it; runs with mu held
	// writeHeld writes a record of count events held back in the window
	// time before it (since the last record); runs with mu held.
	writeHeld func(count int, window time.Duration)

	mu     sync.Mutex
	last   time.Time   // when the last record was written; zero: never
	held   int         // events since then that were not written
	timer  *time.Timer // set while held > 0 and not closed
	closed bool        // Close ran: no timer any more
}

// event counts one event: its record is written at once, counting the
// events held before it, unless one was written less than a window ago;
// then it is held, and written when the window ends.
func (h *heldCount) event() {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	if !h.last.IsZero() && now.Sub(h.last) < h.every {
		h.held++
		if h.timer == nil && !h.closed {
			h.timer = time.AfterFunc(h.last.Add(h.every).Sub(now), h.windowEnd)
		}
		return
	}
	h.writeLocked(now, h.held+1)
}

// windowEnd writes the events held in the window that has just ended. A
// timer stopped too late to keep it from running finds them written
// already, or finds a newer window not ended yet, and writes nothing.
func (h *heldCount) windowEnd() {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	if h.held == 0 || h.closed || now.Sub(h.last) < h.every {
		return
	}
	h.writeHeldLocked(now)
}

// takeHeldLocked returns the events held and forgets them, for a caller that
// writes them in a record of its own; h.mu is held.
func (h *heldCount) takeHeldLocked() int {
	n := h.held
	h.held = 0
	h.stopLocked()
	return n
}

// writeLocked writes the record of an event, counting n events, and
// starts a window; h.mu is held.
func (h *heldCount) writeLocked(now time.Time, n int) {
	h.write(n)
	h.last, h.held = now, 0
	h.stopLocked()
}

// writeHeldLocked writes the record of the events held since the last
// record and starts a window; h.mu is held and h.held > 0, so a record
// was written before (the first event is never held).
func (h *heldCount) writeHeldLocked(now time.Time) {
	h.writeHeld(h.held, heldWindow(now.Sub(h.last)))
	h.last, h.held = now, 0
	h.stopLocked()
}

// heldWindow is d as a record gives the time its held events cover: to
// the millisecond, but to the microsecond below one, as at a Close just
// after the last record, where rounding would say the events took no time.
func heldWindow(d time.Duration) time.Duration {
	if d >= time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return max(d.Round(time.Microsecond), time.Microsecond)
}

// stopLocked stops the timer, if armed; h.mu is held.
func (h *heldCount) stopLocked() {
	if h.timer != nil {
		h.timer.Stop()
		h.timer = nil
	}
}

// close writes the events still held and stops the timer. The caller
// makes sure no event comes after it (the accept loop has returned).
func (h *heldCount) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	if h.held > 0 {
		h.writeHeldLocked(time.Now())
	}
	h.stopLocked()
}
