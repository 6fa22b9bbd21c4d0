package main

import (
	"net"
	"time"
)

// echoReader reads one echo of a MESSAGE on a goroutine of its own while
// the message goes out, as the reader of a session of standard input
// does. Nothing read while a large message was being sent: a server that
// ended the session during the send (close_notify, a close frame such as
// 4001) and stopped reading held the send, and with it the report, until
// -timeout ran out, although its end was there to read at once. The
// reader meets that end as it comes and cuts the send (see sendGuard).
// It ends with the echo, so it never outlives the session: every path
// takes its end from done, dropping the connection first where it must.
type echoReader struct {
	// done gets the reader's end: nil once the echo has come back whole,
	// else why it did not. What read fills is the reader's until then.
	done  chan error
	sent  chan struct{} // closed once the send has returned
	guard *sendGuard
}

// readBeside starts read, which reads one echo, beside the send about to
// begin on conn. An end with a reason (a close frame, an alert) cuts the
// send at once. A bare end (close_notify, a FIN) gives the send up to
// wait to end by itself first: a server that closes its socket with the
// message unread sends a reset behind it, which the send meets, and the
// report names both ("with close_notify (then a TCP reset)"), as it did
// when nothing read during the send, rather than whichever a race made
// the client see first. A server that holds the connection open costs
// the report that wait, not -timeout; one that ends its side of the TCP
// connection too (a FIN) costs it finGrace at most: a reset that is to
// come then follows the FIN at once.
func readBeside(conn net.Conn, wait time.Duration, read func() error) *echoReader {
	r := &echoReader{done: make(chan error, 1), sent: make(chan struct{}),
		guard: &sendGuard{cut: func() { cutNow(conn) }}}
	go func() {
		err := read()
		if err != nil && !sentReason(err) {
			var fin <-chan struct{}
			stop := func() {}
			if bareEnd(err) {
				fin, stop = watchFIN(conn)
			}
			deadline := time.Now().Add(wait)
			t := time.NewTimer(wait)
			select {
			case <-r.sent:
			case <-t.C:
			case <-fin:
				// A server closing its socket on the send unread may
				// FIN first (a shutdown, then the close), its reset
				// right behind; one that only ended its side sends none.
				// The grace comes out of wait, never on top of it.
				t.Stop()
				t.Reset(min(finGrace, time.Until(deadline)))
				select {
				case <-r.sent:
				case <-t.C:
				}
			}
			t.Stop()
			stop()
		}
		r.done <- err
		// An echo that came back whole leaves the send alone: only a
		// server that ended the session makes the send pointless.
		if err != nil {
			r.guard.readerEnded()
		}
	}()
	return r
}

// finGrace is the most a send in flight is given after the server's bare
// end and its FIN: a server that closes its socket on the send unread
// after a shutdown has its reset sent behind the FIN at once, the time
// of a system call, and one that holds its socket half-closed sends none.
// It leaves room for a loaded machine between the two calls.
const finGrace = 250 * time.Millisecond

// endWait is the most a send in flight is given after the server's bare
// end: alertWait, within -timeout.
func (c *client) endWait() time.Duration {
	if c.bareEndWait > 0 {
		return c.bareEndWait
	}
	return min(alertWait, c.o.timeout)
}

// send runs write, the message's send, unless the reader has ended
// already (errReaderEnded); the reader's end cuts it in flight.
func (r *echoReader) send(write func() error) error {
	defer close(r.sent)
	if err := r.guard.begin(func() {}); err != nil {
		return err
	}
	defer r.guard.done()
	return write()
}

// cutNow ends the write in flight on conn at once, and every later one
// (see cutSend): the server has ended the session, and nothing sent now
// can change the outcome.
func cutNow(conn net.Conn) {
	if w, ok := conn.(interface{ cutWrites(time.Time) }); ok {
		w.cutWrites(time.Now())
		return
	}
	conn.SetWriteDeadline(time.Now())
}

// thenRest delivers the echo reader's end (readDone) or, where the echo
// came back whole, what rest, which reads on, ends with: after Ctrl-C
// the server's answer to the close comes behind the echo.
func thenRest(readDone <-chan error, rest func() error) <-chan error {
	return drain(func() error {
		if err := <-readDone; err != nil {
			return err
		}
		return rest()
	})
}

// readerEnd gives the reader that ends on readDone up to wait to end by
// itself, then drops the connection with abort either way, and returns
// once the reader has ended: with its end, and ended true, when it came
// within wait; else nil, its end then being the client's own abort.
func readerEnd(readDone <-chan error, wait time.Duration, abort func()) (rerr error, ended bool) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case rerr = <-readDone:
		abort()
		return rerr, true
	case <-t.C:
		abort()
		<-readDone
		return nil, false
	}
}

// messageSendFailed reports a failed send of a MESSAGE, whose echo
// reader ends on readDone; abort drops the connection, which ends a
// reader still waiting. A send cut by the reader, or timed out (in which
// time the reader would have met any end the server sent), is reported
// with the reader's end when the server sent one, else as a server that
// stopped reading. Another failure (a reset, mostly) gives the reader
// alertWait to meet the reason the server sent before it: a close frame
// or an alert says more than the reset under it.
func (c *client) messageSendFailed(err error, readDone <-chan error, abort func()) error {
	wait := min(alertWait, c.o.timeout)
	if isTimeout(err) || err == errReaderEnded {
		wait = reasonWait
	}
	// rerr stays nil where the reader had not ended before the abort:
	// its end then is the client's own doing.
	rerr, _ := readerEnd(readDone, wait, abort)
	switch {
	case isTimeout(err) || err == errReaderEnded:
		if rerr != nil && !isTimeout(rerr) {
			return c.explainRead(rerr, "echo")
		}
		return c.stalledSend(err)
	case sentReason(rerr):
		return c.explainRead(rerr, "echo")
	}
	return c.explainRead(err, "echo")
}
