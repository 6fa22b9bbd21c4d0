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

// minPiece is the smallest piece, whatever the rate: below 20 KiB/s the
// rate holds over a second at most. A slow link delivers whole segments,
// and so must the pacer: each TCP segment costs the receiving kernel
// several hundred bytes besides its payload, and Linux grows the
// receive buffer of a client that does not read to make room for
// segments of a few dozen bytes (up to net.ipv4.tcp_rmem's maximum, 6
// to 32 MiB) rather than close its window. At bw:1KiB, in 51-byte
// pieces, such a client's buffer grew past 450 KiB in three minutes,
// its window still open; in 1 KiB pieces its window closes once its
// default buffer (128 KiB) is full, and the write is seen not taken
// (Stalled).
const minPiece = 1 << 10

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
// stream. A paced write to a client that takes nothing lasts as long as
// the transport lets it: Stalled tells the transport when that is so.
type Pacer struct {
	rate  int64 // bytes per second
	piece int

	// What Stalled looks at: the TCP socket under the writes (found at
	// the first), the bytes written to it and whether a write to it is
	// in progress.
	sock    atomic.Pointer[net.TCPConn]
	sent    atomic.Uint64
	writing atomic.Bool
	// What the last look saw the client take, and since when nothing
	// more.
	look   sync.Mutex
	taken  uint64
	takeAt time.Time

	// budget is the write deadline as a duration from when it was set:
	// 0 for none, negative for one already passed (a write to abort).
	budget atomic.Int64
	// closed is set by Close; kick wakes a write waiting for its next
	// piece's time, to look at budget and closed again.
	closed atomic.Bool
	kick   chan struct{}

	mu   sync.Mutex
	next time.Time // when the next piece may go
}

// NewPacer returns a Pacer of rate bytes per second (at least 1).
func NewPacer(rate int64) *Pacer {
	rate = max(rate, 1)
	return &Pacer{rate: rate, piece: int(min(max(rate/pieces, minPiece), 64<<10)), kick: make(chan struct{}, 1)}
}

func (p *Pacer) setDeadline(d time.Time) {
	switch until := time.Until(d); {
	case d.IsZero():
		p.budget.Store(0)
	case until <= 0:
		p.budget.Store(-1)
		p.wake()
	default:
		p.budget.Store(int64(until))
	}
}

// Close ends the write in progress and every later one with
// net.ErrClosed, without waiting for the next piece's time: the
// connection's socket is being closed (a shutdown's deadline, say), and a
// write asleep until its next piece, up to a second at the lowest rate,
// would hold the connection's goroutine, and the shutdown waiting for it,
// that long past. Safe to call from any goroutine, more than once.
func (p *Pacer) Close() {
	p.closed.Store(true)
	p.wake()
}

// wake makes a write waiting for its next piece's time look at budget and
// closed again.
func (p *Pacer) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// Write writes b to c in pieces, each once its own time at the rate has
// passed since the previous one was due (or since the call, after a
// pause: idle time earns no credit), as a segment arrives whole over a
// slow link: no piece goes early, the first included, so that a burst of
// pieces of 1 KiB or more keeps to the rate too. It returns at the first
// error of c, such as its write deadline or a closed connection, and as
// soon as a deadline in the past is set or the pacer is closed, also
// while it waits for a piece's time.
func (p *Pacer) Write(c net.Conn, b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sock.Load() == nil {
		if s := Socket(c); s != nil {
			p.sock.Store(s)
		}
	}
	var done int
	for len(b) > 0 {
		k := min(len(b), p.piece)
		due := p.from(time.Now()).Add(time.Duration(int64(k) * int64(time.Second) / p.rate))
		if wait := time.Until(due); wait > 0 {
			if err := p.sleep(due); err != nil {
				return done, err
			}
			if budget := time.Duration(p.budget.Load()); budget > 0 {
				c.SetWriteDeadline(time.Now().Add(budget))
				// Looked at again: a deadline set in the past since the
				// look above (blackhole cutting the write) stores the
				// budget before it reaches the socket, where the refresh
				// may have just put it off.
				if p.budget.Load() < 0 {
					return done, os.ErrDeadlineExceeded
				}
			}
		} else if p.closed.Load() {
			return done, net.ErrClosed
		}
		p.writing.Store(true)
		n, err := c.Write(b[:k])
		p.writing.Store(false)
		p.sent.Add(uint64(n))
		done += n
		p.next = due
		if err != nil {
			return done, err
		}
		b = b[k:]
	}
	return done, nil
}

// sleep waits until due, unless a deadline in the past is set (blackhole
// cutting the write, a client dropped) or the pacer is closed first, each
// looked at before the wait and whenever wake ends it early.
func (p *Pacer) sleep(due time.Time) error {
	var t *time.Timer
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	for {
		switch {
		case p.closed.Load():
			return net.ErrClosed
		case p.budget.Load() < 0:
			return os.ErrDeadlineExceeded
		}
		wait := time.Until(due)
		if wait <= 0 {
			return nil
		}
		if t == nil {
			t = time.NewTimer(wait)
		} else {
			t.Reset(wait)
		}
		// Either way the loop looks again: a deadline set in the past
		// meanwhile is not put off by the piece's time having come.
		select {
		case <-t.C:
		case <-p.kick:
		}
	}
}

// Stalled is how long the client has taken none of the paced bytes that
// wait for it, as far as the looks at it tell: 0 while it takes them or
// none wait. Under bw a write is slow by the server's own doing, so a
// long one says nothing; bytes the client does not take say it stopped
// reading, and a transport ends the connection on that as on any write
// not taken (the same rule, words and counts).
//
// On Linux the kernel tells (TCP_INFO): bytes wait while the socket holds
// some the client has not acknowledged, most of them unsent because its
// receive window is full, and the client takes them when it acknowledges
// more. A client that reads at the paced rate acknowledges every piece
// within a round trip. One that does not read has its bytes acknowledged
// by its kernel until its receive buffer is full, and is seen only from
// then on: nothing above TCP tells a buffer from a reader. Elsewhere, and
// on a socket the kernel does not describe, bytes wait while a write to
// the socket is blocked (the send buffer full too) and are taken when
// one completes.
//
// A stall counts from the last look that saw the client take some of the
// bytes, or none waiting, so the transport looks at least once per the
// bound it enforces; a look that finds none waiting while the pacer
// sleeps between pieces thus starts the count up to one piece's time
// (a second at most) before the next piece waits. Safe for concurrent
// use.
func (p *Pacer) Stalled() time.Duration {
	taken, waiting := p.progress()
	now := time.Now()
	p.look.Lock()
	defer p.look.Unlock()
	if !waiting || taken != p.taken || p.takeAt.IsZero() {
		p.taken, p.takeAt = taken, now
	}
	if !waiting {
		return 0
	}
	return now.Sub(p.takeAt)
}

// progress is what the client has taken of the paced writes so far, as
// a count that grows while it takes them, and whether bytes wait for it.
func (p *Pacer) progress() (taken uint64, waiting bool) {
	if s := p.sock.Load(); s != nil {
		if acked, queued, ok := unacked(s); ok {
			return acked, queued
		}
	}
	return p.sent.Load(), p.writing.Load()
}

// from is when the time of a piece written now starts: when the last
// one was due, while that is at most a piece's time ago, else now. A
// sleep ends late, by up to a millisecond on an idle Linux process (the
// runtime's poller waits in whole milliseconds), and its lateness is the
// server's, not a pause: counted from now, each piece lost it, and
// pieces shorter than a millisecond at the rate (a frag:100 record at
// 1 MiB/s is due every 120 µs) went out at a fraction of it. Lateness
// past a piece's time is a pause, which earns no credit: the rate holds
// over every stretch, within a piece.
func (p *Pacer) from(now time.Time) time.Time {
	if p.next.Add(time.Duration(int64(p.piece) * int64(time.Second) / p.rate)).Before(now) {
		return now
	}
	return p.next
}

// Throttle is the slot under TLS where bw's Pacer goes: the accept
// pipeline's connection writes through it. The zero value passes writes
// straight through, at the cost of one atomic load, so a connection
// without bw pays nothing measurable. Set may be called at any time from
// any goroutine; writes after it are paced.
type Throttle struct {
	p      atomic.Pointer[Pacer]
	closed atomic.Bool
}

// Set makes writes go through p (nil: straight through again). A pacer
// set after Close is closed.
func (t *Throttle) Set(p *Pacer) {
	t.p.Store(p)
	if p != nil && t.closed.Load() {
		p.Close()
	}
}

// Close closes the pacer set, and any set later (Pacer.Close): the
// connection's socket is being closed, and a paced write must not sleep
// on after it. The connection calls it from its Close.
func (t *Throttle) Close() {
	t.closed.Store(true)
	if p := t.p.Load(); p != nil {
		p.Close()
	}
}

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
