package fault

import (
	"errors"
	"io"
	"net"
	"time"
)

// Sizes of the raw port's faulty echo.
const (
	// streamChunk is the most read at once: one TLS record's plaintext.
	streamChunk = 16 << 10
	// streamBudget is the most a delayed raw echo holds.
	streamBudget = 64 << 10
)

// EchoStream is the raw port's echo with the session's faults: it reads
// from rw and writes every byte back in order until the client stops
// sending (io.EOF, then it returns nil once all is echoed), a read or
// write fails (that error), or a terminal verb ends it (ErrEnded). rw is
// the TLS connection with the transport's timeouts. @N counts bytes;
// frag:N writes at most N bytes per Write, which crypto/tls sends as one
// record.
func (s *Session) EchoStream(rw io.ReadWriter) error {
	buf := make([]byte, streamChunk)
	var q *delayQueue
	echo := func(p []byte) error {
		for len(p) > 0 {
			if q == nil && s.Active(Delay) {
				// From the first delayed echo on, every echo goes through
				// the queue, behind those before it.
				q = s.newQueue(streamBudget, func(it queued) error { return s.sendStream(rw, it.data) }, nil)
			}
			if q != nil {
				return q.push(queued{data: append([]byte(nil), p...), due: time.Now().Add(s.hold())})
			}
			// delay@N takes effect right after the N-th byte: the bytes
			// after it in this same read are held too.
			k := s.before(Delay, len(p))
			if err := s.sendStream(rw, p[:k]); err != nil {
				return err
			}
			p = p[k:]
		}
		return nil
	}
	for {
		var n int
		var rerr, err error
		if !s.finishing() {
			n, rerr = rw.Read(buf)
		}
		if n > 0 && !s.finishing() {
			err = echo(buf[:n])
		}
		// A terminal verb that took effect meanwhile ended the read (a
		// blackhole wakes it, and the transport's read then fails as
		// idle): the verb says how the connection ends, below, not the
		// read's error.
		if rerr != nil && err == nil && q != nil && !s.finishing() {
			if gone(rerr) {
				// A reset, say: nothing can reach the client any more.
				q.stop()
				return rerr
			}
			// The client stopped sending (or went quiet past a
			// deadline): what it sent before is still echoed, at its
			// time.
			err = q.finish()
		}
		if s.finishing() {
			if q != nil {
				q.stop()
			}
			return s.afterEnd(nil, rerr)
		}
		if err != nil {
			if q != nil {
				q.stop()
			}
			return err
		}
		if errors.Is(rerr, io.EOF) {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// sendStream writes p in order, in pieces that stop at each count trigger
// and, under frag, at N bytes.
func (s *Session) sendStream(w io.Writer, p []byte) error {
	for len(p) > 0 {
		k := s.Next(len(p))
		if f := s.frag(); f > 0 {
			k = min(k, f)
		}
		s.wmu.Lock()
		if s.quiet() {
			s.wmu.Unlock()
			return ErrEnded
		}
		_, err := w.Write(p[:k])
		s.wmu.Unlock()
		if err != nil {
			return err
		}
		if s.Echoed(k) {
			return ErrEnded
		}
		p = p[k:]
	}
	return nil
}

// gone reports whether a read error says the client's connection is
// broken (a reset, a closed socket), not that the client stopped sending
// (io.EOF: close_notify or a TCP half-close) or that a deadline passed.
func gone(err error) bool {
	var ne net.Error
	return !errors.Is(err, io.EOF) && !(errors.As(err, &ne) && ne.Timeout())
}
