package listener

// readAheadSize bounds what a wait reads ahead: whole records of the
// small messages whose next one is most often there already when a wait
// starts. The rest of a larger record is read by crypto/tls from the
// socket, as it would have been. And a connection whose echo is stuck
// writing to a client that sent more and does not read holds no more of
// that input than this: the rest stays in the kernel's socket buffer, as
// it would without the read ahead.
const readAheadSize = 2 << 10

// readAhead is input a wait on the socket took because it was there
// already ([InputWait]): taking it costs the wait's one system call,
// where looking at it (MSG_PEEK) and then reading it cost two. The next
// reads of the Conn return it before anything else; the buffer goes back
// to the listener's pool as soon as they have.
type readAhead struct {
	b   []byte // what is left to return, in buf
	err error  // or the error the read met, such as a reset
	buf [readAheadSize]byte
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
