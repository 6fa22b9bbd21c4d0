package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/bytediff"
	"github.com/tlsecho/tlsecho/internal/plural"
)

// echoer is one connected client of either kind.
type echoer interface {
	// echo sends msg (on /ws as a text message when text is set) and
	// checks that exactly the same bytes come back, and on /ws the same
	// message type. A difference is a *mismatchError. buf is scratch
	// space for the comparison.
	echo(msg []byte, text bool, buf []byte) error
	// close ends the connection the orderly way (close_notify, or the
	// WebSocket close handshake) and checks that nothing came back beyond
	// the echoes.
	close() error
	// abort closes at once, after an error.
	abort()
}

// mismatchError is an echo that came back different from what was sent:
// the server's fault, never the network's.
type mismatchError struct{ what string }

func (e *mismatchError) Error() string { return "echo mismatch: " + e.what }

func mismatchf(format string, args ...any) error {
	return &mismatchError{fmt.Sprintf(format, args...)}
}

// inlineWrite is the largest message written before reading its echo.
// Larger ones are written from a second goroutine while the echo is read:
// an echo server sends back while it reads, so a client that wrote a whole
// 1 MiB message before reading would fill both directions' socket buffers
// and wait forever.
const inlineWrite = 16 << 10

// sendWhileReading writes with write, inline for small messages or
// concurrently with read for large ones, and returns the first error.
// stop unblocks a write still in progress when the read failed.
func sendWhileReading(n int, write func() error, read func() error, stop func()) error {
	if n <= inlineWrite {
		if err := write(); err != nil {
			return err
		}
		return read()
	}
	werr := make(chan error, 1)
	go func() { werr <- write() }()
	rerr := read()
	if rerr != nil {
		stop()
	}
	if err := <-werr; err != nil && rerr == nil {
		return err
	}
	return rerr
}

// readEcho reads len(want) bytes from r in chunks of len(buf) and compares
// each with what was sent. short is returned when r ends early.
func readEcho(r io.Reader, want, buf []byte, short func(got int) error) error {
	for off := 0; off < len(want); {
		n := min(len(buf), len(want)-off)
		got, err := io.ReadFull(r, buf[:n])
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return short(off + got)
			}
			return err
		}
		if i := bytediff.First(buf[:n], want[off:off+n]); i >= 0 {
			return mismatchf("byte %d of %d differs: sent 0x%02x, echoed 0x%02x",
				off+i, len(want), want[off+i], buf[i])
		}
		off += n
	}
	return nil
}

// tlsEchoer is a client of a raw TLS echo: the echo is the next
// len(msg) bytes of the stream.
type tlsEchoer struct {
	c       *tls.Conn
	raw     *countingConn // the socket under c
	timeout time.Duration
}

func (e *tlsEchoer) echo(msg []byte, _ bool, buf []byte) error {
	e.c.SetDeadline(time.Now().Add(e.timeout))
	return sendWhileReading(len(msg),
		func() error { _, err := e.c.Write(msg); return err },
		func() error {
			return readEcho(e.c, msg, buf, func(got int) error {
				return fmt.Errorf("server closed the connection after %d of %d echoed bytes", got, len(msg))
			})
		},
		func() { e.c.SetWriteDeadline(time.Now()) })
}

// close sends close_notify and reads to the end: any byte still coming
// back was never sent, and the server must answer with close_notify
// rather than a reset or a bare FIN. crypto/tls reads both close_notify
// and a FIN at a record's edge as io.EOF; a FIN alone brings no byte
// after ours, where close_notify comes in a record of its own (at least
// 23 bytes encrypted, 7 in the clear).
func (e *tlsEchoer) close() error {
	defer e.c.Close()
	e.c.SetDeadline(time.Now().Add(e.timeout))
	mark := e.raw.read
	if err := e.c.CloseWrite(); err != nil {
		return fmt.Errorf("close_notify: %w", err)
	}
	extra, err := io.Copy(io.Discard, e.c)
	if extra > 0 {
		return mismatchf("%s came back beyond the echoes", plural.Count(extra, "byte", "bytes"))
	}
	if err != nil {
		return fmt.Errorf("closing: %w", err)
	}
	if e.raw.read == mark {
		return errors.New("closing: the server answered close_notify with a TCP FIN alone, no close_notify")
	}
	return nil
}

func (e *tlsEchoer) abort() { e.c.Close() }

// wsEchoer is a client of a WebSocket echo: the echo is the next message.
type wsEchoer struct {
	c       *websocket.Conn
	timeout time.Duration
}

func (e *wsEchoer) echo(msg []byte, text bool, buf []byte) error {
	typ := websocket.BinaryMessage
	if text {
		typ = websocket.TextMessage
	}
	e.c.SetWriteDeadline(time.Now().Add(e.timeout))
	e.c.SetReadDeadline(time.Now().Add(e.timeout))
	return sendWhileReading(len(msg),
		func() error { return e.c.WriteMessage(typ, msg) },
		func() error { return e.readEcho(typ, msg, buf) },
		func() { e.c.SetWriteDeadline(time.Now()) })
}

func (e *wsEchoer) readEcho(typ int, msg, buf []byte) error {
	got, r, err := e.c.NextReader()
	if err != nil {
		return err
	}
	if got != typ {
		return mismatchf("a %s message came back for a %s one", typeName(got), typeName(typ))
	}
	err = readEcho(r, msg, buf, func(got int) error {
		return mismatchf("echo of %s, sent %d", plural.Count(got, "byte", "bytes"), len(msg))
	})
	if err != nil {
		return err
	}
	extra, err := io.Copy(io.Discard, r)
	if extra > 0 {
		return mismatchf("echo of %s, sent %d", plural.Count(int64(len(msg))+extra, "byte", "bytes"), len(msg))
	}
	return err
}

// close sends close 1000 and waits for the server's answering close; a
// message arriving first was never sent.
func (e *wsEchoer) close() error {
	defer e.c.Close()
	deadline := time.Now().Add(e.timeout)
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := e.c.WriteControl(websocket.CloseMessage, msg, deadline); err != nil {
		return fmt.Errorf("close frame: %w", err)
	}
	e.c.SetReadDeadline(deadline)
	typ, _, err := e.c.NextReader()
	var ce *websocket.CloseError
	switch {
	case err == nil:
		return mismatchf("a %s message came back beyond the echoes", typeName(typ))
	case errors.As(err, &ce) && ce.Code == websocket.CloseNormalClosure:
		return nil
	case errors.As(err, &ce):
		return fmt.Errorf("server answered close 1000 with %d %q", ce.Code, ce.Text)
	default:
		return fmt.Errorf("closing: %w", err)
	}
}

func (e *wsEchoer) abort() { e.c.Close() }

// typeName names a data message's type: NextReader returns no other.
func typeName(typ int) string {
	if typ == websocket.TextMessage {
		return "text"
	}
	return "binary"
}
