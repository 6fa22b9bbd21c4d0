package fault

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// pieces is how many writes a second of paced traffic is cut into: small
// enough that the rate holds over a fraction of a second and that a
// closed connection is noticed within one piece, large enough that the
// pieces are not single bytes above a few KiB/s.
const pieces = 20

// Pacer caps the rate of the writes that go through it, as a slow link
// would: bw:RATE sits under TLS, so records and frames keep their shape
// and only their bytes arrive slower. Idle time earns no credit, so the
// rate holds for every stretch of a transfer. It is safe for concurrent
// use; writers take turns.
type Pacer struct {
	rate  int64 // bytes per second
	piece int

	mu   sync.Mutex
	next time.Time // when the next piece may go
}

// NewPacer returns a Pacer of rate bytes per second (at least 1).
func NewPacer(rate int64) *Pacer {
	rate = max(rate, 1)
	return &Pacer{rate: rate, piece: int(max(1, min(rate/pieces, 64<<10)))}
}

// Rate is the cap in bytes per second.
func (p *Pacer) Rate() int64 { return p.rate }

// Write writes b to w in pieces, each once the time the previous ones
// take at the rate has passed. It returns at the first error of w, such
// as its write deadline or a closed connection.
func (p *Pacer) Write(w io.Writer, b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var done int
	for len(b) > 0 {
		if wait := time.Until(p.next); wait > 0 {
			time.Sleep(wait)
		}
		k := min(len(b), p.piece)
		n, err := w.Write(b[:k])
		done += n
		p.next = later(p.next, time.Now()).Add(time.Duration(int64(n) * int64(time.Second) / p.rate))
		if err != nil {
			return done, err
		}
		b = b[k:]
	}
	return done, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Throttle is the slot under TLS where bw's Pacer goes: the accept
// pipeline's connection writes through it. The zero value passes writes
// straight through, at the cost of one atomic load, so a connection
// without bw pays nothing measurable. Set may be called at any time from
// any goroutine; writes after it are paced.
type Throttle struct {
	p atomic.Pointer[Pacer]
}

// Set makes writes go through p (nil: straight through again).
func (t *Throttle) Set(p *Pacer) { t.p.Store(p) }

// Write writes b to w, through the pacer when one is set.
func (t *Throttle) Write(w io.Writer, b []byte) (int, error) {
	if p := t.p.Load(); p != nil {
		return p.Write(w, b)
	}
	return w.Write(b)
}
