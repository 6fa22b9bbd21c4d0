package ws

import (
	"errors"
	"io"
)

// errDeflateCut: a compressed message that arrived whole but whose
// deflate data ends inside a block. compress/flate says so with
// io.ErrUnexpectedEOF, which gorilla passes on as it is and which an echo
// would take for the message's end (io.ReadFull makes the same of a short
// read before io.EOF): the cut message would go back as if whole. RFC
// 7692 section 7.2.2 has the connection failed, with 1007 as for data
// that does not inflate (close.go).
var errDeflateCut = errors.New("ws: compressed message ends inside its deflate data")

// messageReader checks a message while it streams through: its size after
// decompression, and UTF-8 for text.
type messageReader struct {
	c    *Conn
	r    io.Reader
	text bool
	utf  utf8Stream
	left int64
	size int64
}

// Read passes the message through, failing at the first byte over the
// limit or the first byte that cannot be UTF-8 in a text message.
func (m *messageReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if n > 0 {
		m.size += int64(n)
		m.left -= int64(n)
		if m.left < 0 {
			return 0, ErrTooBig
		}
		if m.text && !m.utf.write(p[:n]) {
			return 0, ErrInvalidUTF8
		}
	}
	if err == io.ErrUnexpectedEOF && m.c.nc.watch.messages.Load() >= m.c.nc.started.Load() {
		// The message's final frame has been read whole, so the end came
		// from the inflater; a connection cut inside the message would
		// have left it unfinished.
		return n, errDeflateCut
	}
	if err == io.EOF {
		if m.text && !m.utf.complete() {
			return 0, ErrInvalidUTF8
		}
		m.c.srv.stats.count(m.text, m.size)
	} else if err != nil {
		// A close between the message's frames (section 5.4) ends it
		// with gorilla's error for the close: its code is the client's,
		// not a stand-in (closecode.go), as from NextReader.
		err = m.c.nc.watch.restoreCode(err)
	}
	return n, err
}
