package ws

import (
	"errors"
	"net"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/httphead"
)

// Close codes registered with IANA after gorilla's table was written.
//
// gorilla refuses a peer's close whose code is not in its own table of
// codes valid to receive, and answers it with 1002 "bad close code". Its
// table ends at 1013: 1014 (Bad Gateway, registered in the IANA
// WebSocket Close Code Number Registry as RFC 6455 section 11.7 provides)
// is valid to send, tlsecho's own close fault sends it, and a client
// closing with it must get it back, as every other code valid to send.
//
// The frame watch sees the peer's first close frame before gorilla does
// and, when its code is 1014, turns the code into standInCode in the
// bytes gorilla is about to parse (a client's payload is masked, and
// masking is an XOR, so flipping the same bits of the masked byte flips
// them in the code). gorilla then takes the close as valid and calls the
// close handler, which answers with the code the client sent; the close
// code reported, and the error a handler reads, carry it too. Only the
// first close frame counts: gorilla reads no frame after it.
const (
	codeBadGateway = 1014
	standInCode    = websocket.CloseInternalServerErr // 1011: differs in the low byte alone
)

// closeCodeBytes looks at the first two payload bytes of the client's
// first close frame, which start p (codeLeft of them still to come), and
// stands in for a code gorilla would refuse, in place (see above).
func (w *frameWatch) closeCodeBytes(p []byte) {
	for i := 0; i < len(p) && w.codeLeft > 0; i++ {
		k := 2 - w.codeLeft
		w.code[k] = p[i] ^ w.mask[k]
		w.codeLeft--
		if w.codeLeft == 0 && int(w.code[0])<<8|int(w.code[1]) == codeBadGateway {
			p[i] ^= byte(codeBadGateway ^ standInCode)
			w.stoodIn.Store(true)
		}
	}
}

// sentCode returns the close code the client sent, given the one gorilla
// read (see above).
func (w *frameWatch) sentCode(read int) int {
	if read == standInCode && w.stoodIn.Load() {
		return codeBadGateway
	}
	return read
}

// restoreCode returns err with the close code the client sent, when err
// is gorilla's error for the client's close.
func (w *frameWatch) restoreCode(err error) error {
	if ce, ok := errors.AsType[*websocket.CloseError](err); ok {
		if code := w.sentCode(ce.Code); code != ce.Code {
			return &websocket.CloseError{Code: code, Text: ce.Text}
		}
	}
	return err
}

// ClientConn is a WebSocket client's connection, from the first byte of
// the server's HTTP response on, that lets a server's close with 1014
// through gorilla's reader as the server lets a client's (see above):
// gorilla's client refuses it just the same, answers 1002, and reports a
// protocol error the server did not commit. Give it to gorilla's Dialer
// (NetDialContext, NetDialTLSContext), and read the close code the server
// sent with SentCode, and its error with RestoreCode.
//
// Only the goroutine reading the connection (gorilla's reader) calls
// Read.
type ClientConn struct {
	net.Conn
	head httphead.End // the frames begin past the response's head
	w    frameWatch
}

// NewClientConn returns c with the server's close codes looked after.
func NewClientConn(c net.Conn) *ClientConn { return &ClientConn{Conn: c} }

// Read reads from the connection and follows the frames past the HTTP
// response.
func (c *ClientConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if b := c.head.Skip(p[:n]); len(b) > 0 {
		c.w.observe(b)
	}
	return n, err
}

// NetConn is the connection under c, for code that looks under wrappers.
func (c *ClientConn) NetConn() net.Conn { return c.Conn }

// SentCode returns the close code the server sent, given the one gorilla
// read: its close handler gets the one read.
func (c *ClientConn) SentCode(read int) int { return c.w.sentCode(read) }

// RestoreCode returns err, a read's error, with the close code the server
// sent.
func (c *ClientConn) RestoreCode(err error) error { return c.w.restoreCode(err) }
