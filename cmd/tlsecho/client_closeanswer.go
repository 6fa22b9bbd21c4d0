package main

import (
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// closeAnswerWait is the most the client gives its answer to the
// server's close frame: gorilla's own bound for it, and the second that
// Ctrl-C gives a close. A server that sent its close and does not take
// a few bytes in that time is not reading, and the report (its close)
// is already known: waiting longer would only hold it.
const closeAnswerWait = time.Second

// waitDeadline is the deadline of the wait in force (an echo, a send),
// or none, shared between the goroutine that sets it and the reader
// that answers the server's close.
type waitDeadline struct {
	at atomic.Int64 // Unix nanoseconds; 0: no wait in force
}

// set makes t the deadline of the wait in force.
func (w *waitDeadline) set(t time.Time) { w.at.Store(t.UnixNano()) }

// clear ends the wait in force.
func (w *waitDeadline) clear() { w.at.Store(0) }

// get returns the deadline of the wait in force, or the zero time.
func (w *waitDeadline) get() time.Time {
	if n := w.at.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// answerClose is ws's close handler: it answers the server's close with
// the same code, as gorilla's own does (RFC 6455 section 5.5.1), but
// within what is left of the wait in force (wait) and at most
// closeAnswerWait; gorilla's gives it a second whatever -timeout is, so
// a server that closed and stopped reading held a report due at a
// -timeout under a second for that second. With no wait in force the
// answer is a write of its own and gets -timeout, at most
// closeAnswerWait.
func (c *client) answerClose(ws *websocket.Conn, wait *waitDeadline) func(code int, text string) error {
	return func(code int, _ string) error {
		deadline := time.Now().Add(min(closeAnswerWait, c.o.timeout))
		if w := wait.get(); !w.IsZero() && w.Before(deadline) {
			deadline = w
		}
		// Its failure is no news: the read that brought the close
		// reports it.
		if c.codes != nil {
			code = c.codes.SentCode(code)
		}
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), deadline)
		return nil
	}
}

// sentCodeOf returns err, a read's error, with the close code the server
// sent, where gorilla read a stand-in (ws.ClientConn).
func (c *client) sentCodeOf(err error) error {
	if c.codes == nil || err == nil {
		return err
	}
	return c.codes.RestoreCode(err)
}
