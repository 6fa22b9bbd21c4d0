// Package httphead finds where an HTTP/1 response head ends in a stream
// read piece by piece, for code that follows what comes after it (the
// frames of a WebSocket) under a client that parses the head itself.
package httphead

// End follows a stream from its first byte to the end of its head: the
// first empty line, its lines ended by "\r\n" or by a bare "\n", as
// net/http (and so gorilla's client) reads them. Its zero value is ready.
type End struct {
	last  [3]byte // the last bytes of the head seen, across pieces
	found bool
}

// Found reports whether the head has ended.
func (e *End) Found() bool { return e.found }

// Skip takes the next piece of the stream and returns what of it follows
// the head: nil while the head goes on, and b itself once it has ended.
func (e *End) Skip(b []byte) []byte {
	if e.found {
		return b
	}
	for i, x := range b {
		if x == '\n' && (e.last[2] == '\n' || e.last[1] == '\n' && e.last[2] == '\r') {
			e.found = true
			return b[i+1:]
		}
		e.last = [3]byte{e.last[1], e.last[2], x}
	}
	return nil
}
