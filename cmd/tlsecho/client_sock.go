package main

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// brokenWriteConn is the client's TCP connection under TLS. Once a write
// on it has failed (its deadline passed while the server read nothing,
// or the connection broke), it takes no more writes and returns that
// failure at once.
//
// crypto/tls refuses application data after a failed write, but its
// Close still sends close_notify and gives that write up to 5 s. After a
// stalled send the socket's queue is full, so that close would add up to
// 5 s to a report due at -timeout; and what went out before may end in
// half a record, after which the alert would be garbage to the server.
//
// A close can also be the first write to stall: everything sent before
// fitted into the socket buffers, the server stopped reading, and no room
// is left for close_notify. So closing holds the write deadline (see
// holdWrites): the alert gets what is left of the wait it ends, neither
// more nor less than the 5 s crypto/tls would give it.
//
// It is also where Ctrl-C cuts the writes (see cutWrites): every write
// deadline, from gorilla per frame, from a send of the client's or from
// crypto/tls, is set here, so a cut here holds whoever sets one after it.
type brokenWriteConn struct {
	net.Conn

	mu       sync.Mutex
	err      error     // the first failed write's error
	deadline time.Time // the write deadline in force
	held     bool      // set by holdWrites: only the client's deadlines apply
	cut      time.Time // set by cutWrites: the latest deadline any set may give
}

// Write writes p, or returns the error of an earlier failed write.
func (b *brokenWriteConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	err := b.err
	b.mu.Unlock()
	if err != nil {
		return 0, err
	}
	n, err := b.Conn.Write(p)
	if err != nil {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	return n, err
}

// SetWriteDeadline sets the write deadline, unless held: then it is
// crypto/tls setting its own for close_notify, and the client's stays.
func (b *brokenWriteConn) SetWriteDeadline(t time.Time) error {
	return b.setWrite(t, false)
}

// SetDeadline sets both deadlines, the write one as SetWriteDeadline does.
func (b *brokenWriteConn) SetDeadline(t time.Time) error {
	if err := b.Conn.SetReadDeadline(t); err != nil {
		return err
	}
	return b.setWrite(t, false)
}

// setWrite sets the write deadline; own is the client's (see clientConn),
// which applies also once held (a cut still bounds it).
func (b *brokenWriteConn) setWrite(t time.Time, own bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held && !own {
		return nil
	}
	if !b.cut.IsZero() && (t.IsZero() || t.After(b.cut)) {
		t = b.cut
	}
	b.deadline = t
	return b.Conn.SetWriteDeadline(t)
}

// cutWrites makes t the write deadline, and the latest one any later
// SetWriteDeadline or SetDeadline may set (see cutSend): gorilla sets one
// before every frame it writes, and a send of the client's its own, which
// would otherwise undo the cut.
func (b *brokenWriteConn) cutWrites(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cut = t
	b.deadline = t
	b.Conn.SetWriteDeadline(t)
}

// holdWrites keeps the write deadline in force for the close about to be
// sent: the deadlines crypto/tls sets around close_notify (5 s, then none
// left) no longer apply, only the client's own. Where no deadline is in
// force, or it has passed (the close ends a wait that ran out), the close
// gets closeAttempt.
func (b *brokenWriteConn) holdWrites() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held {
		return
	}
	if least := time.Now().Add(closeAttempt); b.deadline.IsZero() || b.deadline.Before(least) {
		b.deadline = least
		b.Conn.SetWriteDeadline(least)
	}
	b.held = true
}

// closeAttempt is how long a close is given once the wait it ends has run
// out: a socket with room takes close_notify at once, so the server still
// learns the client left on purpose, and one without room (a server that
// stopped reading) does not hold the report.
const closeAttempt = 100 * time.Millisecond

// clientConn is the client's TLS connection: its Close and CloseWrite send
// close_notify within the write deadline in force (see holdWrites), which
// its SetWriteDeadline and SetDeadline set.
type clientConn struct {
	*tls.Conn
	sock *brokenWriteConn
}

// SetWriteDeadline sets the write deadline, also for a close under way.
func (c *clientConn) SetWriteDeadline(t time.Time) error {
	return c.sock.setWrite(t, true)
}

// SetDeadline sets both deadlines, the write one as SetWriteDeadline does.
func (c *clientConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// cutWrites makes t the latest write deadline (see brokenWriteConn.cutWrites).
func (c *clientConn) cutWrites(t time.Time) { c.sock.cutWrites(t) }

// Close sends close_notify, within the write deadline in force, and
// closes the connection.
func (c *clientConn) Close() error {
	c.sock.holdWrites()
	return c.Conn.Close()
}

// CloseWrite sends close_notify, within the write deadline in force.
func (c *clientConn) CloseWrite() error {
	c.sock.holdWrites()
	return c.Conn.CloseWrite()
}

// dialTCP connects to the target: with c.dial when set (tests use it to
// shape the socket), else with a net.Dialer bounded by -timeout.
func (c *client) dialTCP(ctx context.Context) (net.Conn, error) {
	if c.dial != nil {
		return c.dial(ctx, c.o.target.addr)
	}
	d := &net.Dialer{Timeout: c.o.timeout}
	return d.DialContext(ctx, "tcp", c.o.target.addr)
}
