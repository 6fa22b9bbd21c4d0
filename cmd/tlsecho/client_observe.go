package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/internal/plural"
)

// observer is what `tlsecho client` sees of the server's side below the
// echo: TLS records on tls://, WebSocket frames on wss://. With it a fault
// shows from the command line: frames per message under frag, records
// under frag on the raw port, close_notify or a bare FIN or a reset.
type observer struct {
	records fault.RecordObserver // the socket under TLS
	frames  fault.FrameObserver  // the plaintext over TLS, on wss://
	base    int                  // records seen when the handshake ended
	state   tls.ConnectionState
	read    int64 // echo bytes read on tls://
}

// handshakeDone notes where the connection's own records begin.
func (o *observer) handshakeDone(state tls.ConnectionState) {
	o.base = len(o.records.Records())
	o.state = state
}

// recordsSince counts the records received since mark.
func (o *observer) recordsSince(mark int) int { return len(o.records.Records()) - mark }

// mark is a point to count records from.
func (o *observer) mark() int { return len(o.records.Records()) }

// closeNotified tells whether the server sent close_notify before the
// end: a TLS 1.2 alert record, or in TLS 1.3 (where alerts are encrypted
// like data) a record beyond the echo's bytes carrying the two of an
// alert. The AEAD suites of TLS 1.3 add 17 bytes to each record.
func (o *observer) closeNotified() bool {
	var plain int64
	for _, r := range o.records.Records()[o.base:] {
		if o.state.Version != tls.VersionTLS13 && r.Type == 21 {
			return true
		}
		plain += int64(r.Len - 17)
	}
	return o.state.Version == tls.VersionTLS13 && plain-o.read == 2
}

// howEnded says how the server ended a connection whose read or write
// failed with err, or "" when it was not an end that shows below the
// echo: a reset on either scheme (on tls://, close_notify before it is
// named first: the server ended the session on purpose, and its socket
// then closed on what it had not read); on tls:// close_notify or a bare
// FIN; on wss:// a FIN with no close frame (gorilla's 1006 "unexpected EOF",
// or crypto/tls's unexpected EOF for one inside a record).
func (o *observer) howEnded(scheme string, err error) string {
	var ce *websocket.CloseError
	reset := errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
	switch {
	case reset && scheme == "tls" && o.closeNotified():
		// The server ended the session on purpose first; the reset is
		// only its socket closing on what it had not read.
		return "with close_notify (then a TCP reset)"
	case reset:
		// A send meets EPIPE rather than ECONNRESET when the reset came
		// after the server's FIN, or was reported once already: the
		// server reset the connection either way (this end never shuts
		// its TCP write side).
		return "with a TCP reset"
	case scheme == "wss" && errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure && ce.Text == io.ErrUnexpectedEOF.Error():
		return "with a TCP FIN and no close frame"
	case scheme == "wss" && errors.Is(err, io.ErrUnexpectedEOF):
		// A FIN inside a TLS record, which crypto/tls reports and
		// gorilla passes on as it is: a timed fin cuts a paced echo
		// where its time finds it.
		return "with a TCP FIN and no close frame"
	case scheme == "wss" || (!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)):
		return ""
	case o.closeNotified():
		return "with close_notify"
	}
	return "with a TCP FIN and no close_notify"
}

// echoDetail describes how an echo arrived: the time to its first byte
// and, on wss://, its frames, on tls://, the records since mark.
func (c *client) echoDetail(ttfb time.Duration, mark int) string {
	s := "first byte " + fmtDur(ttfb)
	if c.o.target.scheme == "wss" {
		for _, f := range c.obs.frames.Take() {
			if f.Frames == 1 {
				s += ", 1 frame"
			} else {
				s += fmt.Sprintf(", %d frames of at most %s", f.Frames, plural.Count(f.Largest, "byte", "bytes"))
			}
		}
		return s
	}
	if n := c.obs.recordsSince(mark); n == 1 {
		s += ", 1 record"
	} else {
		s += fmt.Sprintf(", %d records", n)
	}
	return s
}

// printClose shows how a WebSocket ended after the client sent close
// 1000: the close frame that came back, code and reason. An echo server
// answers with the code it got, or with no code at all (see closeAnswered),
// so another code is the server's own close, which crossed ours.
func (c *client) printClose(p *reportPrinter, err error) {
	var ce *websocket.CloseError
	switch {
	case err == nil:
		p.kv("  ", "close", "1000 (normal closure), answered")
	case errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure:
		p.kv("  ", "close", "none: the connection ended without a close frame")
	case errors.As(err, &ce) && ce.Code == websocket.CloseNoStatusReceived:
		p.kv("  ", "close", "answered without a status code (1005)")
	case errors.As(err, &ce) && ce.Code == websocket.CloseNormalClosure:
		p.kv("  ", "close", closeCodeText(ce)+", answered")
	case errors.As(err, &ce):
		p.kv("  ", "close", closeCodeText(ce)+", sent by the server")
	default:
		if msg, ok := wsViolation(err); ok {
			p.kv("  ", "close", "answered with a protocol violation: "+msg)
			return
		}
		if isTimeout(err) {
			p.kv("  ", "close", fmt.Sprintf("no answer within %v: the server neither answered the close nor ended the connection", c.o.timeout))
			return
		}
		p.kv("  ", "close", "no answer: "+err.Error())
	}
}

// sendPing, with -ping, sends a ping just before a message and returns
// what to say of its pong once the echo is read: the server reads the ping
// first, so its pong, if any, comes before the echo (nopong shows as
// none).
func (c *client) sendPing(ws *websocket.Conn, start time.Time) (pong func() string) {
	if !c.o.ping {
		return func() string { return "" }
	}
	const payload = "tlsecho"
	var took time.Duration
	var other *string // the first pong's payload, when not the ping's
	ws.SetPongHandler(func(got string) error {
		if took == 0 {
			took = time.Since(start)
			if got != payload {
				other = &got
			}
		}
		return nil
	})
	if err := ws.WriteControl(websocket.PingMessage, []byte(payload), start.Add(c.o.timeout)); err != nil {
		return func() string { return ", ping not sent: " + err.Error() }
	}
	return func() string {
		switch {
		case took == 0:
			return ", no pong"
		case other != nil:
			// RFC 6455 section 5.5.3: a pong answering a ping carries its
			// payload; another one is unsolicited, not an answer.
			return fmt.Sprintf(", a pong %s with payload %q, not the ping's %q", fmtDur(took), cut(*other), payload)
		}
		return ", pong " + fmtDur(took)
	}
}

// closeFailed is the run's error when the closing handshake that follows
// the echoes did not end as RFC 6455 section 7.1.2 asks: the server must
// answer close 1000, with 1000 or with an empty close (see closeAnswered).
// A close of the server's own with another code that crosses the
// client's fails the run too: the session ended with that code.
// Every echo came back, but a server that answers with another code, with
// a frame that breaks the protocol, with no close frame or not at all
// leaves a client waiting or reporting an abnormal end; a run used as a
// check in CI fails on that, as on a missing echo.
func (c *client) closeFailed(err error) error {
	if err == nil || closeAnswered(err) {
		return nil
	}
	addr := c.o.target.addr
	var ce *websocket.CloseError
	if how := c.obs.howEnded(c.o.target.scheme, err); how != "" {
		return explained(err, "%s ended the connection %s instead of answering the client's close 1000", addr, how)
	}
	switch {
	case errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure:
		return explained(err, "%s ended the connection without answering the client's close 1000", addr)
	case errors.As(err, &ce):
		// Not "answered with": a server that starts its own close right
		// after the last echo (the close:CODE fault) crosses the client's,
		// and the frame is its own, not an answer.
		return explained(err, "%s ended the WebSocket with close %s, not with the 1000 that answers the client's close 1000", addr, closeCodeText(ce))
	case isTimeout(err):
		return explained(err, "%s did not answer the client's close 1000 within %v%s", addr, c.o.timeout, c.pings.note())
	}
	if msg, ok := wsViolation(err); ok {
		return explained(err, "%s answered the client's close 1000 with a protocol violation: %s", addr, msg)
	}
	return fmt.Errorf("close 1000 to %s: %w", addr, err)
}
