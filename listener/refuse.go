package listener

import "time"

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
