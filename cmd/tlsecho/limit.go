package main

import (
	"net"
	"sync"
	"sync/atomic"
)

// limitListener serves at most max connections at once. Unlike
// x/net/netutil.LimitListener, which stops accepting at the limit (leaving
// new clients hanging in the backlog), an excess connection is accepted and
// closed at once, so its client learns straight away. refused, if not nil,
// is called for each such connection.
func limitListener(l net.Listener, max int, refused func()) net.Listener {
	return &limitedListener{Listener: l, max: int64(max), refused: refused}
}

type limitedListener struct {
	net.Listener
	max     int64
	refused func()
	active  atomic.Int64
}

// Accept returns the next connection within the limit, closing those over it.
func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.active.Add(1) > l.max {
			l.active.Add(-1)
			c.Close()
			if l.refused != nil {
				l.refused()
			}
			continue
		}
		return &limitedConn{Conn: c, l: l}, nil
	}
}

type limitedConn struct {
	net.Conn
	l    *limitedListener
	once sync.Once
}

// Close frees the connection's slot once, however often it is called.
func (c *limitedConn) Close() error {
	c.once.Do(func() { c.l.active.Add(-1) })
	return c.Conn.Close()
}
