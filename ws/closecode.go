package ws

import (
	"errors"

	"github.com/gorilla/websocket"
)

// Close codes registered with IANA after gorilla's table was written.
//
// gorilla refuses a client's close whose code is not in its own table of
// codes valid to receive, and answers it with 1002 "bad close code". Its
// table ends at 1013: 1014 (Bad Gateway, registered in the IANA
// WebSocket Close Code Number Registry as RFC 6455 section 11.7 provides)
// is valid to send, tlsecho's own close fault sends it, and a client
// closing with it must get it back, as every other code valid to send.
//
// The frame watch sees the client's first close frame before gorilla
// does and, when its code is 1014, turns the code into standInCode in
// the bytes gorilla is about to parse (the payload is masked, and
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
