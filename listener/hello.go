package listener

import (
	"errors"
	"os"

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
// It runs after any stage that consumes bytes of its own ahead of TLS (a
// PROXY header) and before BeforeHandshake, so a fault that answers the
// hello with an alert still has the hello recorded.
func captureHello(c *Conn) { c.Hello = readHello(c) }

// readHello reads the client's first ClientHello ahead of crypto/tls,
// puts every byte read back, and notes in c.stages whether the input is
// TLS at all. An alert fault reads the hello too (on a listener that does
// not capture hellos, it calls this itself), and must not answer what is
// not TLS: its own read of a "record" would take the length from the
// bytes of "GET /" and wait out the handshake timeout for 12 KiB that
// never come. Not TLS is what crypto/tls refuses on the first record
// without reading on: bytes that can be no ClientHello, and an
// SSLv2-compatible hello (its first byte has the high bit set), which is
// not in TLS records.
//
// A hello is replayed in small records, one to a read: crypto/tls then
// keeps smaller buffers for the connection's life (tlsinfo.Refragment).
// Bytes read up to the limit without a whole hello (one cut a byte a
// record) are replayed as they came, and crypto/tls, reading the rest
// from the socket, takes the hello or refuses it as it would unlooked.
// Bytes read until the deadline passed are not: crypto/tls could only
// time out on them.
func readHello(c *Conn) *tlsinfo.ClientHello {
	raw, h, err := tlsinfo.ReadClientHello(c)
	if h != nil && !h.SSLv2 { // an SSLv2 hello has no TLS records to cut
		raw = tlsinfo.Refragment(raw)
		c.stages.byRecord = true
	}
	c.stages.helloRead = true
	c.stages.notTLS = errors.Is(err, tlsinfo.ErrNotClientHello) || len(raw) > 0 && raw[0]&0x80 != 0
	c.HelloTooThin = errors.Is(err, tlsinfo.ErrHelloTooThin)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The one deadline of the stages and the handshake has passed:
		// crypto/tls, given the bytes, would gather what it could of a
		// hello and fail on that deadline all the same, as it does on
		// its first read without them, in the same words. For a client
		// stalled in a thin hello that was 0.3 ms of CPU and some
		// 25 KiB more at the handshake timeout, for each at once.
		return h
	}
	c.Replay(raw)
	return h
}
