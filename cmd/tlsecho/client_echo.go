package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/plural"
)

// echoTLS sends the message -n times over raw TLS, each time waiting for
// all its bytes to come back, and prints each echo and the round trips.
// Ctrl-C sends close_notify at once: the echo server sends back what it
// has and closes, which ends the echo in flight.
func (c *client) echoTLS(ctx context.Context, conn *clientConn) error {
	bye := sync.OnceValue(conn.CloseWrite)
	// The send or the read in flight gets interruptWait more (see
	// cutWait); the close waits behind a send.
	defer context.AfterFunc(ctx, func() { cutWait(conn); bye() })()
	abort := func() { conn.Close() }
	rest := func() error { _, err := io.Copy(io.Discard, conn); return err }
	// interruptedAfter waits for the server's answer to Ctrl-C's close
	// on readDone.
	interruptedAfter := func(readDone <-chan error) error {
		conn.SetReadDeadline(time.Time{})
		return c.interrupted(readDone, bye, abort, "close_notify")
	}
	interrupted := func() error { return interruptedAfter(drain(rest)) }
	w := c.withAlert(conn, conn)
	// The echo reader meets the server's alert itself (see echoReader).
	w.reading.Store(true)
	msg := []byte(c.o.message)
	// One byte more than the message: see readEcho.
	buf := make([]byte, len(msg)+1)
	rtts := make([]time.Duration, 0, c.o.count)
	p := c.echoSection()
	for i := range c.o.count {
		start := time.Now()
		conn.SetDeadline(start.Add(c.o.timeout))
		if ctx.Err() != nil {
			return interrupted()
		}
		mark := c.obs.mark() // the echo's records come from here on
		var got []byte
		var ttfb, rtt time.Duration
		echo := readBeside(conn, c.endWait(), func() error {
			var err error
			got, ttfb, err = readEcho(conn, buf, start)
			rtt = time.Since(start)
			c.obs.read += int64(len(got))
			return err
		})
		if err := echo.send(func() error { _, err := w.Write(msg); return err }); err != nil {
			if ctx.Err() != nil && isTimeout(err) {
				return c.interruptedSend(echo.done, abort)
			}
			if ctx.Err() != nil {
				return interruptedAfter(thenRest(echo.done, rest))
			}
			return c.messageSendFailed(err, echo.done, abort)
		}
		if err := <-echo.done; err != nil {
			if ctx.Err() != nil && isTimeout(err) {
				return c.unanswered(bye, abort, "close_notify")
			}
			if ctx.Err() != nil {
				return interrupted()
			}
			err = c.explainRead(err, fmt.Sprintf("echo (%d of %s came back)", len(got), plural.Count(len(msg), "byte", "bytes")))
			if len(got) == 0 && isTimeout(err) {
				// An HTTPS port reads the message as the start of a
				// request and waits for the rest.
				err = fmt.Errorf("%w: %s", err, c.httpsPortHint("waiting for an HTTP request"))
			}
			return err
		}
		if !bytes.Equal(got, msg) {
			err := fmt.Errorf("echo %d from %s differs: %s", i+1, c.o.target.addr, echoDiff(msg, got))
			if answeredHTTP(got) {
				err = fmt.Errorf("%w; it answered in HTTP: %s", err, c.httpsPortHint(""))
			}
			return err
		}
		rtts = append(rtts, rtt)
		c.printEcho(p, i, got, rtt, c.echoDetail(ttfb, mark))
	}
	c.printRTTs(p, rtts)
	return c.closeTLS(ctx, conn, bye, abort, p)
}

// echoWS is echoTLS for one WebSocket message at a time. Text that is not
// UTF-8 goes as a binary message, which a server must not refuse. Ctrl-C
// sends close 1000 at once; the server's answering close ends the read in
// flight.
// wait gets each echo's deadline, for the answer to a close from the
// server (see answerClose).
func (c *client) echoWS(ctx context.Context, ws *websocket.Conn, wait *waitDeadline) error {
	bye := sync.OnceValue(func() error { return sendClose(ws, c.o.timeout) })
	defer context.AfterFunc(ctx, func() { cutWait(ws.NetConn()); bye() })()
	abort := func() { ws.Close() }
	rest := func() error { return c.sentCodeOf(readAfterEcho(ws, new(afterEcho))) }
	// interruptedAfter waits for the server's answer to Ctrl-C's close
	// on readDone.
	interruptedAfter := func(readDone <-chan error) error {
		ws.SetReadDeadline(time.Time{})
		return c.interrupted(readDone, bye, abort, "close 1000")
	}
	interrupted := func() error { return interruptedAfter(drain(rest)) }
	msg := []byte(c.o.message)
	mt := messageType(msg)
	rtts := make([]time.Duration, 0, c.o.count)
	p := c.echoSection()
	for i := range c.o.count {
		start := time.Now()
		wait.set(start.Add(c.o.timeout))
		ws.SetWriteDeadline(start.Add(c.o.timeout))
		ws.SetReadDeadline(start.Add(c.o.timeout))
		if ctx.Err() != nil {
			return interrupted()
		}
		c.pings.begin()
		// Before the reader starts: the pong handler is the reader's.
		pong := c.sendPing(ws, start)
		var gt int
		var got []byte
		var ttfb, rtt time.Duration
		echo := readBeside(ws.NetConn(), c.endWait(), func() error {
			var r io.Reader
			var err error
			gt, r, err = ws.NextReader()
			err = c.sentCodeOf(err)
			ttfb = time.Since(start)
			if err == nil {
				// One byte more than was sent is enough to tell a wrong
				// echo, however long the server makes it.
				got, err = io.ReadAll(io.LimitReader(r, int64(len(msg))+1))
				// A close between the echo's frames ends it too.
				err = c.sentCodeOf(err)
			}
			rtt = time.Since(start)
			return err
		})
		if err := echo.send(func() error { return ws.WriteMessage(mt, msg) }); err != nil {
			if ctx.Err() != nil && isTimeout(err) {
				return c.interruptedSend(echo.done, abort)
			}
			if ctx.Err() != nil {
				return interruptedAfter(thenRest(echo.done, rest))
			}
			return c.messageSendFailed(err, echo.done, abort)
		}
		if err := <-echo.done; err != nil {
			if ctx.Err() != nil && isTimeout(err) {
				return c.unanswered(bye, abort, "close 1000")
			}
			if ctx.Err() != nil {
				return interrupted()
			}
			return c.explainRead(err, "echo")
		}
		if gt != mt || !bytes.Equal(got, msg) {
			return messageDiffers(fmt.Sprintf("echo %d", i+1), c.o.target.addr, mt, gt, msg, got)
		}
		rtts = append(rtts, rtt)
		c.printEcho(p, i, got, rtt, c.echoDetail(ttfb, 0)+pong())
	}
	c.printRTTs(p, rtts)
	var past afterEcho
	cerr := c.closeWS(ctx, ws, &past)
	if errors.Is(cerr, errInterrupted) {
		return cerr
	}
	c.printClose(p, cerr)
	if past.n > 0 {
		// Every echo came back, so a message now is more than was sent.
		return fmt.Errorf("echo from %s differs: it sent %d %s past the echo before it answered the client's close 1000: %s",
			c.o.target.addr, past.n, messagesWord(past.n), past.first)
	}
	return c.closeFailed(cerr)
}

// messagesWord is "message" or "messages" for n of them.
func messagesWord(n int) string {
	if n == 1 {
		return "message"
	}
	return "messages"
}

// afterEcho counts the messages a server sends while the client waits for
// the answer to its close, and keeps the first in words.
type afterEcho struct {
	n     int
	first string
}

// readAfterEcho reads messages until an error, the end of a connection,
// counting each in past: after the last echo any message is one more
// than was sent.
func readAfterEcho(ws *websocket.Conn, past *afterEcho) error {
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return err
		}
		if past.n++; past.n == 1 {
			past.first = fmt.Sprintf("%q", msg[:min(len(msg), 64)])
			if len(msg) > 64 {
				past.first += fmt.Sprintf(" (%d bytes)", len(msg))
			}
		}
	}
}

// sendClose starts the closing handshake with 1000 (RFC 6455 section
// 7.1.2); gorilla allows it beside a reader and a writer.
func sendClose(ws *websocket.Conn, timeout time.Duration) error {
	return ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(timeout))
}

// drain runs read on its own goroutine and delivers its result.
func drain(read func() error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- read() }()
	return done
}

// closeWS runs the closing handshake (RFC 6455 section 7.1.2) politely:
// send 1000, wait a bounded time for the server's close. Ctrl-C during
// the wait ends it as at any other moment of the session (see awaitEnd).
// The messages that come meanwhile are counted in past.
func (c *client) closeWS(ctx context.Context, ws *websocket.Conn, past *afterEcho) error {
	if err := sendClose(ws, c.o.timeout); err != nil {
		if ctx.Err() != nil {
			return c.interruptedCloseErr(err, nil, func() { ws.Close() }, "close 1000")
		}
		return err
	}
	ws.SetReadDeadline(time.Now().Add(c.o.timeout))
	c.pings.begin()
	err := c.awaitEnd(ctx, drain(func() error { return c.sentCodeOf(readAfterEcho(ws, past)) }), func() { ws.Close() }, "close 1000")
	if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		return nil
	}
	return err
}

// awaitEnd waits for the reader to end once the client's close (named by
// what) has gone out: the last wait of a session, up to -timeout. Ctrl-C
// meanwhile gives the server interruptWait more to answer, as at any
// other moment of the session, and returns an errInterrupted; without
// this the signal went unheeded until -timeout ran out, and the exit
// then called it an interruption before the session began.
func (c *client) awaitEnd(ctx context.Context, readDone <-chan error, abort func(), what string) error {
	select {
	case err := <-readDone:
		return err
	case <-ctx.Done():
		sent := func() error { return nil }
		return c.interrupted(readDone, sent, abort, what)
	}
}

func (c *client) echoSection() *reportPrinter {
	p := newReportPrinter(c.stdout)
	p.started = true
	p.section("echo")
	return p
}

func (c *client) printEcho(p *reportPrinter, i int, got []byte, rtt time.Duration, detail string) {
	key := "echo"
	if c.o.count > 1 {
		key = fmt.Sprintf("echo %d/%d", i+1, c.o.count)
	}
	p.kv("  ", key, fmt.Sprintf("%s  (%s, %s; %s)", printable(got), plural.Count(len(got), "byte", "bytes"), fmtDur(rtt), detail))
}

// readEcho reads an echo of len(buf)-1 bytes into buf and tells how long
// its first byte took to come since start. Every read may take one byte
// more, which it holds: a byte that comes with the echo's last is one the
// server sent past it (an echo server cannot echo the next message before
// it is sent), so the echo is returned one byte long and differs. Reading
// it never waits for more than the echo.
func readEcho(conn io.Reader, buf []byte, start time.Time) ([]byte, time.Duration, error) {
	want := len(buf) - 1
	if want == 0 {
		return buf[:0], 0, nil
	}
	n, err := conn.Read(buf)
	ttfb := time.Since(start)
	if err == nil && n < want {
		var m int
		m, err = io.ReadAtLeast(conn, buf[n:], want-n)
		n += m
	}
	return buf[:n], ttfb, err
}

func (c *client) printRTTs(p *reportPrinter, rtts []time.Duration) {
	if len(rtts) < 2 {
		return
	}
	lo, hi, sum := rtts[0], rtts[0], time.Duration(0)
	for _, d := range rtts {
		lo, hi, sum = min(lo, d), max(hi, d), sum+d
	}
	avg := sum / time.Duration(len(rtts))
	p.kv("  ", "rtt", fmt.Sprintf("min %s  avg %s  max %s  (%d round trips)", fmtDur(lo), fmtDur(avg), fmtDur(hi), len(rtts)))
}

func messageType(b []byte) int {
	if utf8.Valid(b) {
		return websocket.TextMessage
	}
	return websocket.BinaryMessage
}

func typeName(mt int) string {
	switch mt {
	case websocket.TextMessage:
		return "text"
	case websocket.BinaryMessage:
		return "binary"
	}
	return fmt.Sprintf("type %d", mt)
}

// echoDiff says how an echo differs from what was sent: both in full when
// they are short, else their lengths and the bytes around the first
// difference, so a wrong echo of a large message does not flood the
// terminal. got holds at most one byte more than sent (the WebSocket echo
// reads no further).
func echoDiff(sent, got []byte) string {
	const short = 64
	if len(sent) <= short && len(got) <= short {
		return fmt.Sprintf("sent %q, got %q", sent, got)
	}
	at := 0
	for at < len(sent) && at < len(got) && sent[at] == got[at] {
		at++
	}
	from := max(0, at-8)
	excerpt := func(b []byte) []byte { return b[min(from, len(b)):min(at+24, len(b))] }
	gotLen := fmt.Sprint(len(got))
	if len(got) > len(sent) {
		gotLen = "more"
	}
	return fmt.Sprintf("sent %s, got %s; first difference at byte %d: sent %q, got %q (from byte %d)",
		plural.Count(len(sent), "byte", "bytes"), gotLen, at, excerpt(sent), excerpt(got), from)
}

// answeredHTTP tells whether an echo that differs begins an HTTP
// response: "HTTP/", or as much of it as the echo's length holds (the
// client reads as many bytes as it sent), from two bytes on.
func answeredHTTP(got []byte) bool {
	status := []byte("HTTP/")
	return len(got) >= 2 && (bytes.HasPrefix(got, status) || bytes.HasPrefix(status, got))
}
