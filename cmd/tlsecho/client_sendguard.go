package main

import (
	"errors"
	"sync"
)

// errReaderEnded is a send not begun because the server had ended the
// session: the reader's error says how.
var errReaderEnded = errors.New("the server ended the session")

// sendGuard cuts a send in flight when the reader ends: a line of
// standard input, or a MESSAGE (see echoReader).
// Once the server has ended the session (close_notify, a FIN, a reset)
// the run has failed whatever the send does, and a server that ended it
// and stopped reading would hold a stalled send to -timeout, which may be
// long, before the report gave the end it had sent at once. Only sends
// under the guard are cut: the half-close after the end of input, for
// one, still goes out when the server closed after echoing everything.
type sendGuard struct {
	cut func() // ends the send in flight, such as with a write deadline of now

	mu      sync.Mutex
	ended   bool // the reader has ended
	sending bool // a send is under way
}

// begin starts a send, or returns errReaderEnded. arm sets the send's
// deadline: under the guard, so that it cannot undo a cut.
func (g *sendGuard) begin(arm func()) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ended {
		return errReaderEnded
	}
	arm()
	g.sending = true
	return nil
}

// done ends a send that began.
func (g *sendGuard) done() {
	g.mu.Lock()
	g.sending = false
	g.mu.Unlock()
}

// readerEnded is called by the reader once its error is on readDone, so
// that the cut send finds it there.
func (g *sendGuard) readerEnded() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ended = true
	if g.sending {
		g.cut()
	}
}
