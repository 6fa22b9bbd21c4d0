package ws

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Errors a Handler sees from a message reader; the transport answers each
// with its close code.
var (
	// ErrInvalidUTF8 ends a text message that is not valid UTF-8 (close 1007).
	ErrInvalidUTF8 = errors.New("ws: text message is not valid UTF-8")
	// ErrTooBig ends a message over MaxMessageBytes once decompressed
	// (close 1009). A message too big on the wire ends with
	// websocket.ErrReadLimit instead, which gorilla answers itself.
	ErrTooBig = errors.New("ws: message too big")
)

// Conn is an upgraded connection as a Handler sees it. NextReader and
// NextWriter carry the server's limits and deadlines; the Handler must be
// the only caller of both.
type Conn struct {
	ws     *websocket.Conn
	srv    *Server
	remote string

	lastData  time.Time    // last data bytes read; reader goroutine only
	lastFrame atomic.Int64 // unix nanoseconds of the last frame of any kind
	closing   atomic.Int64 // deadline (unix ns) for the close handshake, once the server started one
	sentCode  atomic.Int32 // close code the server sent, if any

	// mr is reused for every message: NextReader invalidates the previous
	// reader anyway, and one allocation less per message counts at 100k/s.
	mr messageReader
}

func newConn(s *Server, wc *websocket.Conn, r *http.Request) *Conn {
	c := &Conn{ws: wc, srv: s, remote: r.RemoteAddr, lastData: time.Now()}
	c.lastFrame.Store(time.Now().UnixNano())
	wc.SetReadLimit(s.maxMessage())
	wc.SetPongHandler(func(string) error {
		c.touch()
		c.setReadDeadline()
		return nil
	})
	answerPing := wc.PingHandler()
	wc.SetPingHandler(func(data string) error {
		c.touch()
		c.setReadDeadline()
		return answerPing(data)
	})
	return c
}

// Subprotocol is the negotiated subprotocol, or "".
func (c *Conn) Subprotocol() string { return c.ws.Subprotocol() }

func (c *Conn) touch() { c.lastFrame.Store(time.Now().UnixNano()) }

// setReadDeadline allows reading until the idle timeout or a missed pong,
// whichever comes first, or the end of the close handshake once started.
func (c *Conn) setReadDeadline() {
	idle := c.lastData.Add(c.srv.idleTimeout())
	alive := time.Unix(0, c.lastFrame.Load()).Add(2 * c.srv.pingInterval())
	dl := idle
	if alive.Before(dl) {
		dl = alive
	}
	closing := c.closing.Load()
	if closing != 0 && time.Unix(0, closing).Before(dl) {
		dl = time.Unix(0, closing)
	}
	c.ws.SetReadDeadline(dl)
	if closing == 0 && c.closing.Load() != 0 {
		// startClose ran between the load and the set and its deadline
		// may have been overwritten: apply it again.
		c.ws.SetReadDeadline(time.Unix(0, c.closing.Load()))
	}
}

// NextReader returns the next data message; see websocket.Conn.NextReader.
// The reader fails with ErrInvalidUTF8 or ErrTooBig as described in the
// package documentation.
func (c *Conn) NextReader() (messageType int, r io.Reader, err error) {
	c.setReadDeadline()
	mt, mr, err := c.ws.NextReader()
	if err != nil {
		return 0, nil, err
	}
	c.lastData = time.Now()
	c.touch()
	c.mr = messageReader{c: c, r: mr, text: mt == websocket.TextMessage, left: c.srv.maxMessage()}
	return mt, &c.mr, nil
}

// NextWriter starts a message of the given type; see
// websocket.Conn.NextWriter. The client must take it within IdleTimeout.
func (c *Conn) NextWriter(messageType int) (io.WriteCloser, error) {
	c.ws.SetWriteDeadline(time.Now().Add(c.srv.idleTimeout()))
	return c.ws.NextWriter(messageType)
}

// messageReader checks a message while it streams through: its size after
// decompression, and UTF-8 for text.
type messageReader struct {
	c    *Conn
	r    io.Reader
	text bool
	utf  utf8Stream
	left int64
	size int64
}

// Read passes the message through, failing at the first byte over the
// limit or the first byte that cannot be UTF-8 in a text message.
func (m *messageReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if n > 0 {
		m.size += int64(n)
		m.left -= int64(n)
		if m.left < 0 {
			return 0, ErrTooBig
		}
		if m.text && !m.utf.write(p[:n]) {
			return 0, ErrInvalidUTF8
		}
		now := time.Now()
		m.c.lastData = now
		m.c.lastFrame.Store(now.UnixNano())
		// A message that trickles in over many frames keeps the
		// connection alive like separate messages would.
		m.c.setReadDeadline()
	}
	if err == io.EOF {
		if m.text && !m.utf.complete() {
			return 0, ErrInvalidUTF8
		}
		if m.c.srv.Hooks != nil && m.c.srv.Hooks.Message != nil {
			kind := websocket.BinaryMessage
			if m.text {
				kind = websocket.TextMessage
			}
			m.c.srv.Hooks.Message(kind, m.size)
		}
	}
	return n, err
}

// serve runs the handler with the keepalive beside it, then closes.
func (c *Conn) serve() {
	s := c.srv
	if s.Hooks != nil && s.Hooks.Opened != nil {
		s.Hooks.Opened()
	}
	log := s.logger().With("peer", c.remote)
	log.Debug("websocket open", "subprotocol", c.ws.Subprotocol(), "compression", s.Compression)

	stop := make(chan struct{})
	pinged := make(chan struct{})
	go func() {
		defer close(pinged)
		c.keepalive(stop)
	}()
	h := s.Handler
	if h == nil {
		h = Echo()
	}
	err := h.ServeWS(c)
	close(stop)
	<-pinged
	code := c.finish(err)
	log.Debug("websocket closed", "code", code, "err", err)
	if s.Hooks != nil && s.Hooks.Closed != nil {
		s.Hooks.Closed(code)
	}
}

// keepalive pings a client once no frame has arrived from it for an
// interval. The ping must go out then, not at the next tick of a fixed
// clock: the read deadline is the last frame plus two intervals, and a
// ping sent later would leave the client no time to answer. Pings go
// through WriteControl, which gorilla allows beside the handler's writer.
func (c *Conn) keepalive(stop <-chan struct{}) {
	every := c.srv.pingInterval()
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			if wait := time.Unix(0, c.lastFrame.Load()).Add(every).Sub(now); wait > 0 {
				t.Reset(wait)
				continue
			}
			if err := c.ws.WriteControl(websocket.PingMessage, nil, now.Add(writeWait)); err != nil {
				return
			}
			t.Reset(every)
		}
	}
}

// finish ends the connection after the handler returned err, sending the
// close frame the error calls for, and returns the close code sent or
// received (0 if none).
func (c *Conn) finish(err error) int {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		// The client closed (or answered our close); gorilla has replied
		// with the same code.
		c.ws.NetConn().Close()
		return ce.Code
	case errors.Is(err, ErrInvalidUTF8):
		c.closeAndWait(websocket.CloseInvalidFramePayloadData, "invalid UTF-8 in text message")
	case errors.Is(err, ErrTooBig):
		c.closeAndWait(websocket.CloseMessageTooBig, "message too big")
	case errors.Is(err, websocket.ErrReadLimit):
		// gorilla has sent 1009; its reader is done, but the client may
		// still be sending the rest of the oversized frame. Closing with
		// unread bytes would reset the connection, and a reset can reach
		// the client before it reads the close frame, so swallow what
		// still comes, for a bounded time and amount, first. The wait is
		// short: a browser answers the close and then waits for us.
		nc := c.ws.NetConn()
		nc.SetReadDeadline(time.Now().Add(closeWait / 4))
		io.CopyN(io.Discard, nc, c.srv.maxMessage()+1<<16)
		nc.Close()
		return websocket.CloseMessageTooBig
	case errors.Is(err, websocket.ErrCloseSent):
		// The server started the close (Shutdown) while the handler wrote.
		c.awaitClose()
	case errors.As(err, &ne) && ne.Timeout():
		switch {
		case c.closing.Load() != 0:
			// No answer to our close in time.
		case time.Since(c.lastData) >= c.srv.idleTimeout():
			c.closeNow(websocket.CloseNormalClosure, "idle timeout")
		}
		c.ws.NetConn().Close()
	case err == nil:
		c.closeAndWait(websocket.CloseNormalClosure, "")
	default:
		// A protocol violation (gorilla sent 1002 already) or a broken
		// connection: nothing more to say.
		c.ws.NetConn().Close()
	}
	return int(c.sentCode.Load())
}

// startClose sends a close frame and bounds the wait for the answer; the
// handler's pending read then ends with the client's reply or a timeout.
// Safe to call from any goroutine.
func (c *Conn) startClose(code int, reason string) {
	c.closing.CompareAndSwap(0, time.Now().Add(closeWait).UnixNano())
	c.sentCode.CompareAndSwap(0, int32(code))
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(writeWait))
	c.ws.SetReadDeadline(time.Unix(0, c.closing.Load()))
}

// closeAndWait sends a close and reads (discarding) until the client
// answers or closeWait passes, then closes the socket; closing at once
// could reset the connection before the client read our close frame.
func (c *Conn) closeAndWait(code int, reason string) {
	c.startClose(code, reason)
	c.awaitClose()
}

func (c *Conn) awaitClose() {
	c.ws.SetReadDeadline(time.Now().Add(closeWait))
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			break
		}
	}
	c.ws.NetConn().Close()
}

// closeNow sends a close frame and closes the socket without waiting.
func (c *Conn) closeNow(code int, reason string) {
	c.sentCode.CompareAndSwap(0, int32(code))
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	c.ws.NetConn().Close()
}
