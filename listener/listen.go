package listener

import (
	"context"
	"net"
	"time"
)

// TCP keepalive on accepted connections, as Go's default sets it: the
// first probe after 15 s of silence, then one every 15 s, and the
// connection given up after 9 unanswered.
const (
	keepAliveIdle     = 15 * time.Second
	keepAliveInterval = 15 * time.Second
	keepAliveCount    = 9
)

// Listen binds a TCP listener on addr, for [New]. Its connections have TCP
// keepalive as Go's default gives them (see above), so a client that
// vanishes without a FIN is found even while the server waits for it.
// Where the system lets accepted sockets inherit keepalive from the
// listening socket (Linux), it is set there once rather than by four
// setsockopt calls on every accepted connection: a full handshake then
// makes 14 socket system calls instead of 18 (strace -c).
func Listen(addr string) (net.Listener, error) {
	lc := net.ListenConfig{
		KeepAliveConfig: net.KeepAliveConfig{
			Enable:   true,
			Idle:     keepAliveIdle,
			Interval: keepAliveInterval,
			Count:    keepAliveCount,
		},
	}
	inheritKeepAlive(&lc)
	return lc.Listen(context.Background(), "tcp", addr)
}
