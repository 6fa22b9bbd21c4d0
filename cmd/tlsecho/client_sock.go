package main

import (
	"context"
	"net"
	"sync"
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
type brokenWriteConn struct {
	net.Conn

	mu  sync.Mutex
	err error // the first failed write's error
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

// dialTCP connects to the target: with c.dial when set (tests use it to
// shape the socket), else with a net.Dialer bounded by -timeout.
func (c *client) dialTCP(ctx context.Context) (net.Conn, error) {
	if c.dial != nil {
		return c.dial(ctx, c.o.target.addr)
	}
	d := &net.Dialer{Timeout: c.o.timeout}
	return d.DialContext(ctx, "tcp", c.o.target.addr)
}
