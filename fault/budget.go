package fault

import (
	"errors"
	"sync/atomic"
)

// ErrMemory is what a /ws echo with faults returns when the server's
// Budget has no room for the message it reads or the echo it holds: the
// transport closes that connection with 1013 (Try Again Later).
var ErrMemory = errors.New("fault: the server's memory for fault echoes is in use")

// Budget bounds the bytes that the /ws echoes with faults of a whole
// server hold at once: the piece of each message an echo streams, each
// message a delay reads whole, and each copy a delay holds. A
// connection that cannot get what it needs does not wait for it (those
// that hold part of it and wait for more would wait for each other
// without end); its echo fails with ErrMemory. It is safe for concurrent
// use.
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget returns a Budget of limit bytes.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// TryAcquire takes n bytes if they fit under the limit, and reports
// whether it did. It never waits.
func (b *Budget) TryAcquire(n int) bool {
	for {
		u := b.used.Load()
		if int64(n) > b.limit-u { // not u+n: a limit near the largest int64 would overflow
			return false
		}
		if b.used.CompareAndSwap(u, u+int64(n)) {
			return true
		}
	}
}

// Release gives back n bytes taken with TryAcquire.
func (b *Budget) Release(n int) { b.used.Add(-int64(n)) }

// InUse is how many bytes are taken now.
func (b *Budget) InUse() int64 { return b.used.Load() }
