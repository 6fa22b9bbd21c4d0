package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"time"

	"github.com/gorilla/websocket"
)

// exitInterrupted is the status of a client stopped by Ctrl-C: 128 plus
// SIGINT's number, what a shell reports for a process the signal killed,
// so scripts read it the same way.
const exitInterrupted = 130

// interruptWait is how long an interrupted client waits for the server to
// answer its close before it drops the connection: long enough for an
// echo server on any network to reply, short enough to feel immediate.
const interruptWait = time.Second

// errInterrupted marks a session ended by Ctrl-C.
var errInterrupted = errors.New("interrupted")

// interruptible returns a context that ends at the first SIGINT. The
// signal's default action then comes back, so a second Ctrl-C ends the
// process at once, as it does for `tlsecho serve`.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	context.AfterFunc(ctx, stop)
	return ctx, stop
}

// interrupted ends a session cut short by Ctrl-C politely: bye sends the
// close (close 1000 on wss, close_notify on raw TLS), then the server has
// interruptWait to answer, which the reader sees as the end of its stream
// on readDone. A server that does not answer in time is dropped with
// abort. what names the close for the message.
func (c *client) interrupted(readDone <-chan error, bye func() error, abort func(), what string) error {
	if err := bye(); err != nil {
		return c.interruptedCloseErr(err, readDone, abort, what)
	}
	t := time.NewTimer(interruptWait)
	defer t.Stop()
	select {
	case err := <-readDone:
		if isTimeout(err) {
			// The read was cut at interruptWait (cutWait), not ended by
			// the server.
			return fmt.Errorf("%w; sent %s, but %s did not close within %v", errInterrupted, what, c.o.target.addr, interruptWait)
		}
		if how := c.endedHow(err); how != "" && !errors.Is(err, io.EOF) {
			// Not an answer to the close: a reset, an alert, another code.
			return fmt.Errorf("%w; sent %s, and then %s", errInterrupted, what, how)
		}
		return fmt.Errorf("%w; sent %s, and %s closed", errInterrupted, what, c.o.target.addr)
	case <-t.C:
		abort()
		<-readDone
		return fmt.Errorf("%w; sent %s, but %s did not close within %v", errInterrupted, what, c.o.target.addr, interruptWait)
	}
}

// cutSend gives a send in flight on conn interruptWait more once Ctrl-C
// has come: a send that a server which stopped reading holds would
// otherwise keep the client until its -timeout, and the close that
// Ctrl-C sends waits behind it. The cut holds against any deadline set
// after it (gorilla sets one per frame, each send its own): conn is the
// client's *clientConn or, under gorilla, its *alertConn, which cut at
// the socket.
func cutSend(conn net.Conn) {
	t := time.Now().Add(interruptWait)
	if w, ok := conn.(interface{ cutWrites(time.Time) }); ok {
		w.cutWrites(t)
		return
	}
	conn.SetWriteDeadline(t)
}

// cutWait is cutSend for the read in flight too: a read waiting for an
// echo ends when the server answers the close that Ctrl-C sends, or,
// from a server that does not (one that stopped reading, or answers
// nothing), after interruptWait rather than at -timeout.
func cutWait(conn net.Conn) {
	conn.SetReadDeadline(time.Now().Add(interruptWait))
	cutSend(conn)
}

// interruptedSend ends a session whose send had not finished
// interruptWait after Ctrl-C (see cutSend): the server is not taking
// what is sent, so no close can reach it, and the connection is dropped
// with abort once the reader (readDone, when there is one) has ended. A
// reader that had ended already met the server's end, which is said.
func (c *client) interruptedSend(readDone <-chan error, abort func()) error {
	select {
	case rerr := <-readDone:
		// The reader met the server's end, and that cut the send (see
		// sendGuard), not the wait Ctrl-C gave it.
		abort()
		how := c.endedHow(rerr)
		if how == "" {
			how = c.o.target.addr + " closed the connection"
		}
		return fmt.Errorf("%w while sending: %s", errInterrupted, how)
	default:
	}
	abort()
	if readDone != nil {
		<-readDone
	}
	return fmt.Errorf("%w while sending: %s took no more of it within %v, so the connection was dropped", errInterrupted, c.o.target.addr, interruptWait)
}

// interruptedClose is interruptedSend for the close that Ctrl-C, or the
// end of the session, sends (what): it did not go out within
// interruptWait, so the server cannot have seen it, let alone answered.
func (c *client) interruptedClose(readDone <-chan error, abort func(), what string) error {
	abort()
	if readDone != nil {
		<-readDone
	}
	return fmt.Errorf("%w while sending %s: %s stopped reading and did not take it within %v, so the connection was dropped",
		errInterrupted, what, c.o.target.addr, interruptWait)
}

// interruptedCloseErr ends a session whose close (what), sent for
// Ctrl-C or while it was pressed, failed with err: cut at interruptWait
// (cutSend) when the server was not reading, else ended under it.
func (c *client) interruptedCloseErr(err error, readDone <-chan error, abort func(), what string) error {
	if isTimeout(err) {
		return c.interruptedClose(readDone, abort, what)
	}
	return c.interruptedCloseFailed(err, readDone, abort, what)
}

// interruptedCloseFailed is interruptedClose for a close (what) that
// failed other than by timing out: the server had ended the connection
// (a reset, mostly) under it. The reader (readDone, when there is one)
// gets reasonWait to meet that end too. Either way it is said in the
// words of the other reports, not as the raw error of the write.
func (c *client) interruptedCloseFailed(err error, readDone <-chan error, abort func(), what string) error {
	var rerr error
	if readDone != nil {
		rerr, _ = readerEnd(readDone, reasonWait, abort)
	} else {
		abort()
	}
	// A close frame or an alert the reader met is the server's reason;
	// else the write says more: it meets a reset first, and the reader
	// then only the end of the stream.
	var how string
	if sentReason(rerr) {
		how = c.endedHow(rerr)
	}
	if how == "" {
		how = c.endedHow(err)
	}
	if how == "" {
		how = c.endedHow(rerr)
	}
	if how == "" {
		how = fmt.Sprintf("sending it to %s failed: %v", c.o.target.addr, err)
	}
	return fmt.Errorf("%w; %s could not be sent: %s", errInterrupted, what, how)
}

// endedHow says how the server ended a connection whose read or write
// failed with err, as the other reports say it ("127.0.0.1:8433 ended
// the connection with a TCP reset"), or "" when err is no end the server
// made (nil, a timeout, the client's own close).
func (c *client) endedHow(err error) string {
	addr := c.o.target.addr
	if err == nil || isTimeout(err) {
		return ""
	}
	if how := c.obs.howEnded(c.o.target.scheme, err); how != "" {
		return fmt.Sprintf("%s ended the connection %s", addr, how)
	}
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure:
		return fmt.Sprintf("%s closed the WebSocket with %s", addr, closeCodeText(ce))
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("%s closed the connection", addr)
	}
	if msg, ok := c.alertMessage(err); ok {
		return fmt.Sprintf("%s ended the connection: %s", addr, msg)
	}
	return ""
}

// unanswered ends a session whose read was cut by cutWait: the close
// that Ctrl-C sent (what, by bye) had no answer within interruptWait, or
// did not go out in that time.
func (c *client) unanswered(bye func() error, abort func(), what string) error {
	if err := bye(); isTimeout(err) {
		return c.interruptedClose(nil, abort, what)
	}
	abort()
	return fmt.Errorf("%w; %s did not close within %v of the %s", errInterrupted, c.o.target.addr, interruptWait, what)
}
