package listener

import (
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// recordTypeHandshake is a TLS record's content type for handshake
// messages (RFC 5246 section 6.2.1).
const recordTypeHandshake = 22

// header tells whether a record from the client, by its content type,
// asks to renegotiate. After a TLS 1.2 handshake the only handshake
// message a client sends is a ClientHello asking to (RFC 5246 section
// 7.4.1.2), which crypto/tls as a server refuses with a fatal alert,
// ending the connection. (TLS 1.3 hides the type of every record after
// the handshake.)
func (w *recordWatch) header(typ byte) bool {
	return typ == recordTypeHandshake && w.tls12
}

// renegotiationRefused logs, at its close, a connection net/http served
// whose client sent a handshake message after a TLS 1.2 handshake, most
// likely asking to renegotiate. net/http closes it without a word when
// crypto/tls's read fails, where rawtls logs the end of each connection:
// the record is the one rawtls writes then, and its words begin as
// rawtls's for a renegotiation (tlsinfo.ErrRenegotiation), so an
// operator finds both ports' with one search. A WebSocket taken over from
// net/http logs its own end, with crypto/tls's error.
func (c *Conn) renegotiationRefused() {
	if !c.httpServed.Load() || !c.renegotiation.Load() {
		return
	}
	peer := c.Peer.String()
	attrs := c.WithBalancer([]any{"peer", peer})
	c.ln.log.Debug("connection ended", append(attrs, "err", tlsinfo.ErrRenegotiation)...)
}
