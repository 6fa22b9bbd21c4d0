package listener

// maxRecord is the most a TLS record takes on the wire: a 5-byte header
// and 2^14 bytes of plaintext with up to 256 of expansion (RFC 8446
// section 5.2). A read ahead of this size takes a whole record of any
// size at once.
const maxRecord = 5 + 1<<14 + 256

// readAhead is input a wait on the socket took because it was there
// already ([InputWait]): taking it costs the wait's one system call,
// where looking at it (MSG_PEEK) and then reading it cost two. The next
// reads of the Conn return it before anything else; the buffer goes back
// to the listener's pool as soon as they have.
type readAhead struct {
	b   []byte // what is left to return, in buf
	err error  // or the error the read met, such as a reset
	buf [maxRecord]byte
}

// takeAhead is Read while c.ahead holds input: as much of it as p takes,
// or the error the read ahead met.
func (c *Conn) takeAhead(p []byte) (int, error) {
	ra := c.ahead
	n := copy(p, ra.b)
	if ra.b = ra.b[n:]; len(ra.b) > 0 {
		return n, nil
	}
	err := ra.err
	c.ahead, ra.err = nil, nil
	c.ln.ahead.Put(ra)
	return n, err
}
