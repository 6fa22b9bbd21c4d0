package listener

import (
	"errors"
	"os"
	"time"
)

// closeRefused closes a connection whose TLS handshake failed after the
// server answered it (a fatal alert from crypto/tls, or AnswerHTTP's
// 400). Closing the socket at once would leave what the client sent
// meanwhile unread, and the kernel resets a socket closed with unread
// input: the reset discards what the client has not read yet, the alert
// included. A TLS 1.3 client sends its first data right after its
// Finished, before the server has checked its certificate, so a client
// refused under mTLS would see "connection reset" instead of "bad
// certificate" or "unknown certificate authority". So: a TCP half-close
// after the answer, then reading and discarding until the client closes
// too or LingerWait passes (LingerClose). The connection is still among the
// pending, so Close shortens the wait to its grace.
func (l *Listener) closeRefused(c *Conn) {
	l.mu.Lock()
	c.shortenDeadline(time.Now().Add(LingerWait))
	l.mu.Unlock()
	LingerClose(c)
}

// proxyRefused ends the PROXY stage of a connection it refused: the hooks
// see a failed handshake, as before any other stage, and the debug log
// gets one line saying what was refused, from which peer (the TCP peer:
// a refused header names no client) and why. The connection is then
// closed with a FIN, like an answered handshake (closeRefused): a
// balancer sends its client's first bytes right behind the header, and
// closing over them would reset the connection, which a balancer and its
// operator read as a crash or a network fault rather than a refusal. A
// header that never came is the deadline's doing, as a stalled
// handshake is (or the shutdown's, which cut it short): that connection
// is closed at once.
func (l *Listener) proxyRefused(c *Conn, err error, took time.Duration) {
	if hk := l.o.Hooks; hk != nil && hk.Handshake != nil {
		hk.Handshake(c, Handshake{Err: err, Took: took})
	}
	c.stages.refused = !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, errShuttingDown)
	l.log.Debug("PROXY protocol: connection refused", "peer", c.Peer.String(), "err", err)
}
