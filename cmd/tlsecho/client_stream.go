package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/plural"
)

// streamTLS is the interactive session: every line of stdin (with its
// newline) goes out as it is read, and what comes back is checked against
// what was sent (see owedEcho) and copied to stdout as it arrives (see
// streamOut). At the end of input the client half-closes with
// close_notify, and the echo server sends the rest and closes; from then
// on only the echo of what was sent moves the deadline on (see
// echoDeadline).
func (c *client) streamTLS(ctx context.Context, conn *clientConn, stdin io.Reader) error {
	idle := &echoDeadline{conn: conn}
	owe := newOwedEcho(c.o.target.addr)
	readDone := make(chan error, 1)
	readerGone := make(chan struct{})
	var sent, got int64 // bytes; got is the reader's until readDone
	guard := &sendGuard{cut: func() { conn.SetWriteDeadline(time.Now()) }}
	go func() {
		defer close(readerGone)
		out := c.streamOut()
		readDone <- func() error {
			defer out.flush()
			buf := make([]byte, 32<<10)
			for {
				n, err := conn.Read(buf)
				if n > 0 {
					// Only the echo of what was sent is written and,
					// after the end of input, moves the deadline on: a
					// server streaming on, however slowly, ends the
					// session, as does one that changes a byte.
					keep, derr := owe.stream(buf[:n])
					idle.took(got, int64(keep))
					got += int64(keep)
					if _, werr := out.Write(buf[:keep]); werr != nil {
						return werr
					}
					if derr != nil {
						return derr
					}
				}
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
			}
		}()
		guard.readerEnded()
	}()
	defer context.AfterFunc(ctx, func() { cutSend(conn) })()
	// Each send, the half-close too, gets -timeout.
	// After Ctrl-C the cut holds (see cutSend).
	sendWithin := func() { conn.SetWriteDeadline(time.Now().Add(c.o.timeout)) }
	send := func(line string) error {
		// Made ready before the send's -timeout starts: copying a long
		// line can take a loaded machine a while, and that is not the
		// server's doing.
		data := []byte(line)
		if err := owe.put(ctx, data, readerGone, c.o.timeout); err != nil {
			return err
		}
		if err := guard.begin(sendWithin); err != nil {
			return err
		}
		defer guard.done()
		// No alertConn here: the reader below meets the server's alert
		// itself, and sendFailed prefers its error.
		n, err := conn.Write(data)
		sent += int64(n)
		return err
	}
	echoed := func() bool { return got >= sent }
	if err := c.pump(ctx, stdin, readDone, echoed, send, func() { conn.Close() }, conn.CloseWrite, "close_notify"); err != nil {
		return err
	}
	sendWithin()
	// Fixed before the close_notify goes out: the server may answer it
	// at once, and what comes past the echo then is said to come after
	// the end of input.
	idle.expect(sent, 0)
	owe.end()
	if err := conn.CloseWrite(); err != nil {
		if ctx.Err() != nil {
			return c.interruptedCloseErr(err, readDone, func() { conn.Close() }, "close_notify")
		}
		// As for a failed send: the reader's error says why, if it has one.
		return c.sendFailed(fmt.Errorf("half-close: %w", err), readDone, func() { conn.Close() })
	}
	c.endSent(readerGone)
	idle.arm(c.o.timeout)
	if err := c.awaitEnd(ctx, readDone, func() { conn.Close() }, "close_notify"); errors.Is(err, errInterrupted) {
		return err
	} else if de := (*echoDiffError)(nil); errors.As(err, &de) {
		return c.echoDiffers(de)
	} else if err != nil && got < sent {
		return c.explainRead(err, fmt.Sprintf("echo (%d of %s came back)", got, plural.Count(sent, "byte", "bytes")))
	} else if err != nil {
		return c.explainRead(err, "end of the echo after the end of input")
	}
	if got < sent {
		return fmt.Errorf("%s closed the connection after echoing %d of %s", c.o.target.addr, got, plural.Count(sent, "byte", "bytes"))
	}
	return nil
}

// streamWS is streamTLS for WebSocket: a line (without its newline) is a
// message, each message received is printed on its own line, and the end
// of input starts the closing handshake.
// wait gets each send's deadline while it lasts, for the answer to a
// close from the server (see answerClose).
func (c *client) streamWS(ctx context.Context, ws *websocket.Conn, idle *echoDeadline, stdin io.Reader, wait *waitDeadline) error {
	readDone := make(chan error, 1)
	readerGone := make(chan struct{})
	var sent, got int // messages; got is the reader's until readDone
	// Bytes of the messages: after the end of input only these, up to
	// what was sent, move the deadline on, not the pings, pongs and frame
	// headers that pass under gorilla. got is the reader's until readDone.
	var sentBytes, gotBytes int64
	// The reader's end cuts a send in flight, as on tls://. gorilla's
	// answer to the server's close would end it too, but not when it
	// queues behind a frame that a full socket holds: it gives up after
	// a second, and the send went on to -timeout. The cut is made at the
	// socket, which gorilla's deadline for each frame cannot undo.
	guard := &sendGuard{cut: func() { cutNow(ws.NetConn()) }}
	owe := newOwedEcho(c.o.target.addr)
	go func() {
		defer close(readerGone)
		out := c.streamOut()
		readDone <- func() error {
			defer out.flush()
			buf := make([]byte, 32<<10)
			for {
				gt, r, err := ws.NextReader()
				if err != nil {
					return c.sentCodeOf(err)
				}
				line, owed := owe.next()
				if !owed {
					// Its start, for the message.
					start, _ := io.ReadAll(io.LimitReader(r, 33))
					return owe.pastMessages(start)
				}
				idle.message(int64(got))
				// One byte past the line is enough to tell a wrong echo,
				// however long the server makes it, as for a MESSAGE.
				r = io.LimitReader(r, int64(len(line))+1)
				var data []byte
				for {
					n, err := r.Read(buf)
					if n > 0 {
						idle.took(gotBytes, int64(n))
						gotBytes += int64(n)
						data = append(data, buf[:n]...)
					}
					if err == io.EOF {
						break
					}
					if err != nil {
						// A close between the message's frames ends it.
						return c.sentCodeOf(err)
					}
				}
				if err := owe.message(gt, data); err != nil {
					return err
				}
				got++
				if !bytes.HasSuffix(data, []byte("\n")) {
					data = append(data, '\n')
				}
				if _, err := out.Write(data); err != nil {
					return err
				}
			}
		}()
		guard.readerEnded()
	}()
	defer context.AfterFunc(ctx, func() { cutSend(ws.NetConn()) })()
	send := func(line string) error {
		// Made ready before the send's -timeout starts, as on tls://.
		data := []byte(strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"))
		mt := messageType(data)
		if err := owe.put(ctx, data, readerGone, c.o.timeout); err != nil {
			return err
		}
		deadline := time.Now().Add(c.o.timeout)
		if err := guard.begin(func() { ws.SetWriteDeadline(deadline) }); err != nil {
			return err
		}
		defer guard.done()
		wait.set(deadline)
		defer wait.clear()
		if err := ws.WriteMessage(mt, data); err != nil {
			return err
		}
		sent++
		sentBytes += int64(len(data))
		return nil
	}
	bye := func() error { return sendClose(ws, c.o.timeout) }
	echoed := func() bool { return got >= sent }
	if err := c.pump(ctx, stdin, readDone, echoed, send, func() { ws.Close() }, bye, "close 1000"); err != nil {
		return err
	}
	idle.expect(sentBytes, int64(sent)) // before the close, as on tls://
	owe.end()
	if err := bye(); err != nil {
		if ctx.Err() != nil {
			return c.interruptedCloseErr(err, readDone, func() { ws.Close() }, "close 1000")
		}
		// Mostly the reader has met why first: a frame that broke the
		// protocol, which gorilla answered with close 1002 and so refuses
		// our close 1000 ("close sent"); its error says what happened.
		return c.sendFailed(fmt.Errorf("close: %w", err), readDone, func() { ws.Close() })
	}
	c.endSent(readerGone)
	c.pings.begin()
	idle.arm(c.o.timeout)
	if err := c.awaitEnd(ctx, readDone, func() { ws.Close() }, "close 1000"); errors.Is(err, errInterrupted) {
		return err
	} else if de := (*echoDiffError)(nil); errors.As(err, &de) {
		// Not answered with close 1002: the server broke no rule, and the
		// client's close 1000 is already out.
		return c.echoDiffers(de)
	} else if !closeAnswered(err) && got < sent {
		return c.explainRead(err, fmt.Sprintf("echo (%d of %s came back)", got, plural.Count(sent, "message", "messages")))
	} else if !closeAnswered(err) {
		return c.explainRead(err, "close after the end of input")
	}
	if got < sent {
		return fmt.Errorf("%s closed the WebSocket after echoing %d of %s", c.o.target.addr, got, plural.Count(sent, "message", "messages"))
	}
	return nil
}

// closeAnswered tells whether err is the server's answer to our close
// 1000: the same code, as an echo server sends, or a close frame with no
// body, which RFC 6455 section 5.5.1 also allows (the code it asks for is
// only what an endpoint "typically" sends back); gorilla reports that one
// as 1005, "no status received".
func closeAnswered(err error) bool {
	return websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived)
}

// echoDeadline is the read deadline of a session of standard input once
// its input has ended: the client waits for the rest of the echo as long
// as it keeps coming (a slow link may take longer than -timeout to bring
// it all), and gives up when none has come for -timeout. Only the echo
// counts, up to what was sent: the deadline used to move on with every
// byte the socket brought, and under gorilla those include pings, pongs
// and a frame's header, so a server pinging every second, or streaming
// without end, held the client for ever. Before the end of input there
// is no deadline: the session is interactive. What the echo holds is
// checked by owedEcho.
type echoDeadline struct {
	conn  net.Conn     // the socket, under gorilla on wss://
	ended atomic.Bool  // the echo is fixed (expect)
	idle  atomic.Int64 // the timeout once armed, else 0
	want  atomic.Int64 // bytes sent, once ended
	msgs  atomic.Int64 // messages sent (wss://), once ended
}

// expect fixes the echo once input has ended, before the half-close or
// the close goes out: sent bytes, in msgs messages on wss://. From then
// on only those move the deadline, though the wait for them starts only
// with arm: a server answers the end of input at once.
func (e *echoDeadline) expect(sent, msgs int64) {
	e.want.Store(sent)
	e.msgs.Store(msgs)
	e.ended.Store(true)
}

// arm starts the wait for the rest of the echo: from now on a pause of
// d in it ends the reads with a timeout.
func (e *echoDeadline) arm(d time.Duration) {
	e.idle.Store(int64(d))
	e.conn.SetReadDeadline(time.Now().Add(d))
}

// took accounts for n bytes of echo read after got bytes: after the end
// of input, those within what was sent are progress.
func (e *echoDeadline) took(got, n int64) {
	if e.ended.Load() && n > 0 && got < e.want.Load() {
		e.moveOn()
	}
}

// message accounts for a message that begins after got messages on
// wss://: after the end of input, one within what was sent is progress
// (an empty line comes back as a message of no bytes).
func (e *echoDeadline) message(got int64) {
	if e.ended.Load() && got < e.msgs.Load() {
		e.moveOn()
	}
}

// moveOn gives the echo another pause of the timeout, once armed. Before
// arm, arm's own deadline is still to come.
func (e *echoDeadline) moveOn() {
	if d := time.Duration(e.idle.Load()); d != 0 {
		e.conn.SetReadDeadline(time.Now().Add(d))
	}
}

// pump sends stdin lines until the input ends (nil) or something fails.
// A connection that ends while input is still open is a failure: the
// echo server closed (idle timeout, shutdown) or broke. echoed, asked
// once the reader has ended, tells whether everything sent had come
// back. Ctrl-C ends the session with bye, the close named by what (see
// client.interrupted).
func (c *client) pump(ctx context.Context, stdin io.Reader, readDone <-chan error, echoed func() bool, send func(string) error,
	abort func(), bye func() error, what string) error {
	done := make(chan struct{})
	defer close(done)
	lines := readLines(stdin, done)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return nil
			}
			if l.err == nil {
				l.err = send(l.text)
				if l.err == nil {
					continue
				}
				if ctx.Err() != nil && isTimeout(l.err) {
					return c.interruptedSend(readDone, abort)
				}
				if ctx.Err() != nil {
					return c.interrupted(readDone, bye, abort, what)
				}
				return c.sendFailed(l.err, readDone, abort)
			}
			abort()
			<-readDone
			return fmt.Errorf("read standard input: %w", l.err)
		case err := <-readDone:
			if echoed() {
				return c.endedAllBack(err)
			}
			return c.endedEarly(err)
		case <-ctx.Done():
			return c.interrupted(readDone, bye, abort, what)
		}
	}
}

// endedEarly says why the reader ended while input was still open: the
// server ended the connection (an idle timeout, a shutdown) or broke it,
// or its echo differed from what was sent.
func (c *client) endedEarly(err error) error {
	if de := (*echoDiffError)(nil); errors.As(err, &de) {
		return c.echoDiffers(de)
	}
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("%s closed the connection before the end of input", c.o.target.addr)
	}
	return c.explainRead(err, "rest of the echo")
}

// endedAllBack is endedEarly for a session whose every line had come
// back when the server ended it (an idle timeout, a shutdown's close
// 1001): nothing was owed, so the end is not worded as an echo the
// server failed to send.
func (c *client) endedAllBack(err error) error {
	if de := (*echoDiffError)(nil); errors.As(err, &de) {
		return c.echoDiffers(de)
	}
	addr := c.o.target.addr
	const end = "before the end of input, with every echo back"
	if how := c.obs.howEnded(c.o.target.scheme, err); how != "" {
		return explained(err, "%s ended the connection %s %s", addr, how, end)
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return explained(err, "%s closed the WebSocket with %s %s", addr, closeCodeText(ce), end)
	}
	return c.endedEarly(err)
}

// sendFailed reports a failed send. A send mostly fails because the
// connection has already ended on the reader's side (a reset, an alert,
// a close the client answered after a protocol violation, whereupon
// gorilla refuses to send: "close sent"), and the reader's error is the
// one that says why; it gets alertWait to end before the connection is
// dropped. A send that timed out is the exception: it had all of -timeout,
// in which the reader would have met an end the server sent, so a reason
// is taken only if it is already there and the report is not held past
// -timeout waiting for one.
func (c *client) sendFailed(err error, readDone <-chan error, abort func()) error {
	if full := (*errOwedFull)(nil); errors.As(err, &full) {
		// Nothing was sent: the wait was for the echo, and no reason
		// is to come.
		abort()
		<-readDone
		return err
	}
	if isTimeout(err) {
		select {
		case rerr := <-readDone:
			abort()
			return c.endedEarly(rerr)
		default:
		}
		abort()
		<-readDone
		return c.stalledSend(err)
	}
	if rerr, ended := readerEnd(readDone, min(alertWait, c.o.timeout), abort); ended {
		return c.endedEarly(rerr)
	}
	if msg, ok := c.alertMessage(err); ok {
		return explained(err, "%s ended the connection: %s", c.o.target.addr, msg)
	}
	return fmt.Errorf("send to %s: %w", c.o.target.addr, err)
}

// inputLine is one line of standard input, or the error that ended it.
type inputLine struct {
	text string
	err  error
}

// readLines delivers stdin line by line (each with its newline, the last
// one perhaps without) until EOF or until done is closed.
func readLines(r io.Reader, done <-chan struct{}) <-chan inputLine {
	out := make(chan inputLine)
	go func() {
		defer close(out)
		if r == nil {
			return
		}
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				select {
				case out <- inputLine{text: line}:
				case <-done:
					return
				}
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					select {
					case out <- inputLine{err: err}:
					case <-done:
					}
				}
				return
			}
		}
	}()
	return out
}
