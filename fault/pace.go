package fault

import (
	"net"
	"os"
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
//
// The time a write spends waiting for its turn is the server's doing, not
// the client's, so it does not count against the write deadline: each
// piece gets the whole budget the deadline gave (see Throttle.Deadline).
// Without that, a write deadline meant for a client that stops reading
// would cut a paced record in half, and the next record would garble the
// stream.
type Pacer struct {
	rate  int64 // bytes per second
	piece int

	// budget is the write deadline as a duration from when it was set:
	// 0 for none, negative for one already passed (a write to abort).
	budget atomic.Int64

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

func (p *Pacer) setDeadline(d time.Time) {
	switch until := time.Until(d); {
	case d.IsZero():
		p.budget.Store(0)
	case until <= 0:
		p.budget.Store(-1)
	default:
		p.budget.Store(int64(until))
	}
}

// Write writes b to c in pieces, each once the time the previous ones
// take at the rate has passed. It returns at the first error of c, such
// as its write deadline or a closed connection.
func (p *Pacer) Write(c net.Conn, b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var done int
	for len(b) > 0 {
		if wait := time.Until(p.next); wait > 0 {
			budget := time.Duration(p.budget.Load())
			if budget < 0 {
				return done, os.ErrDeadlineExceeded
			}
			time.Sleep(wait)
			if budget > 0 {
				c.SetWriteDeadline(time.Now().Add(budget))
			}
		}
		k := min(len(b), p.piece)
		n, err := c.Write(b[:k])
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

// Write writes b to c, through the pacer when one is set.
func (t *Throttle) Write(c net.Conn, b []byte) (int, error) {
	if p := t.p.Load(); p != nil {
		return p.Write(c, b)
	}
	return c.Write(b)
}

// Deadline tells the pacer, if one is set, of a write deadline just set
// on the connection, so the time spent pacing does not count against it.
// The connection calls it from SetWriteDeadline and SetDeadline.
func (t *Throttle) Deadline(d time.Time) {
	if p := t.p.Load(); p != nil {
		p.setDeadline(d)
	}
}
