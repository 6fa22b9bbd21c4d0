package ws

import "io"

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
	if err == io.EOF {
		if m.text && !m.utf.complete() {
			return 0, ErrInvalidUTF8
		}
		m.c.srv.stats.count(m.text, m.size)
	}
	return n, err
}
