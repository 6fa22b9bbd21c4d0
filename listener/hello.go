package listener

import (
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// captureHello is the ClientHello stage of a TLS listener with
// CaptureHello set: it reads the client's first ClientHello ahead of
// crypto/tls (bounded by tlsinfo.MaxHelloBytes and the handshake
// deadline), keeps it in c.Hello, and puts the bytes back so the
// handshake reads them as if nothing had looked. Bytes that are not a
// ClientHello (plain HTTP, noise) leave c.Hello nil and reach crypto/tls
// unchanged, which then fails in its own words.
//
// A hello is replayed in small records, one to a read: crypto/tls then
// keeps smaller buffers for the connection's life (tlsinfo.Refragment).
//
// It runs after any stage that consumes bytes of its own ahead of TLS (a
// PROXY header) and before BeforeHandshake, so a fault that answers the
// hello with an alert still has the hello recorded.
func captureHello(c *Conn) {
	raw, h, _ := tlsinfo.ReadClientHello(c)
	if h != nil && !h.SSLv2 { // an SSLv2 hello has no TLS records to cut
		raw = tlsinfo.Refragment(raw)
		c.stages.byRecord = true
	}
	c.Replay(raw)
	c.Hello = h
}
