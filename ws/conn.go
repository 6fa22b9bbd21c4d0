package ws

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/tlsinfo"
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
// NextWriter carry the server's limits; the Handler must be the only
// caller of both.
type Conn struct {
	ws     *websocket.Conn
	nc     *watchedConn // under gorilla: follows the frames
	srv    *Server
	remote string
	ka     keepalive
	fault  *fault.Session // nil unless the connection has faults
	// deflate is set when permessage-deflate was negotiated: the echo
	// then compresses its answers by piece (deflate.go).
	deflate bool

	expired  atomic.Int32 // why the keepalive ended the connection, if it did
	closing  atomic.Int64 // deadline (unix ns) for the close handshake, once the server started one
	sentCode atomic.Int32 // close code the server sent, if any
	// parked is where a busy connection's wait in place stands, for the
	// keepalive to end it once the connection goes quiet (wait.go).
	parked atomic.Int32
	code   int // close code sent or received, once ended

	// The wait on the socket (wait.go), where onSocket says it is
	// possible; c.nc.lc is the listener's Conn it needs.
	input    listener.InputWait
	onSocket bool
	pings    atomic.Uint64 // keepalive pings sent, counted as they go out
	// answered is pings when a wait last took control frames itself.
	answered uint64
	// pw watches a pong's write (pong.go), made at the first pong; the
	// reading goroutine, the only one that answers pings, sets it.
	pw *pongWatch
	// woken is set by a wait that hands the connection back to the echo,
	// which then reads the message that ended it.
	woken bool
	// grown is set with woken when the wait's goroutine grew its stack
	// for the echo (makeRoom): the echo must not wait on that stack,
	// unless the connection is busy.
	grown bool
	// echoRuns is set when the server runs the echo itself, not inside a
	// Handler of the user's: only then may it hand its wait on (wait.go).
	echoRuns bool
	// stepped is set by a wait's step that served input (readyEcho).
	stepped bool
	// pace counts the waits in a row that each ended soon after the one
	// before (of the start, for the first): a busy connection waits where
	// it echoed (wait.go).
	pace listener.Pace
	// waitedAt is when the last wait ended (keepalive.now), or the
	// connection started serving.
	waitedAt int64

	// empty is this connection's Server.emptyFrames (inplace.go).
	empty *websocket.PreparedMessage

	// mr is reused for every message: NextReader invalidates the previous
	// reader anyway, and one allocation less per message counts at 100k/s.
	mr messageReader
}

func newConn(s *Server, wc *websocket.Conn, nc *watchedConn, remote string) *Conn {
	c := &Conn{ws: wc, nc: nc, srv: s, remote: remote}
	c.ka.c = c
	c.empty = s.emptyFrames[s.nextEmpty.Add(1)%uint32(len(s.emptyFrames))]
	// Only a TLS listener follows the records crypto/tls reads, which the
	// wait on the socket needs (wait.go).
	if _, isTLS := nc.Conn.(*tls.Conn); isTLS {
		if lc := listener.From(nc.Conn); lc != nil {
			nc.lc = lc
			c.onSocket = c.input.Init(lc)
		} else {
			// Nothing tells what crypto/tls holds (frameWatch.hidden).
			nc.watch.hidden = true
		}
	}
	limit := s.wireLimit()
	wc.SetReadLimit(limit)
	nc.watch.limit = uint64(limit)
	wc.SetPingHandler(func(data string) error { return c.pong([]byte(data)) })
	answer := wc.CloseHandler()
	wc.SetCloseHandler(func(code int, text string) error {
		if nc.watch.shortClose.Load() {
			// A 1-byte close payload is neither empty nor a code (RFC 6455
			// section 5.5.1): a protocol error, not a close without status.
			// A close the server starts: a client that takes none of it
			// holds it no longer than the others (writeCloseTaken).
			c.writeCloseTaken(websocket.CloseProtocolError, "close frame with a 1-byte payload", time.Now().Add(writeWait))
			return nil
		}
		return answer(nc.watch.sentCode(code), text)
	})
	return c
}

// debug logs at debug level with the peer, building nothing when debug is
// off: a logger per connection would cost each one memory for its life.
func (c *Conn) debug(msg string, args ...any) {
	log := c.srv.logger()
	if log.Enabled(context.Background(), slog.LevelDebug) {
		log.Debug(msg, append(peerAttrs(c.remote, c.listenerConn()), args...)...)
	}
}

// listenerConn is the listener's Conn under the connection, or nil.
func (c *Conn) listenerConn() *listener.Conn {
	if c.nc == nil {
		return nil
	}
	return listener.From(c.nc.Conn)
}

// peerAttrs names a connection's client on a debug line: its address
// and, behind a PROXY header, the balancer (listener.Conn.WithBalancer).
// lc may be nil.
func peerAttrs(peer string, lc *listener.Conn) []any {
	return lc.WithBalancer([]any{"peer", peer})
}

// debugOn reports whether debug records are written, for a caller whose
// record costs work to build: its arguments are evaluated before debug
// can drop them.
func (c *Conn) debugOn() bool {
	return c.srv.logger().Enabled(context.Background(), slog.LevelDebug)
}

// Subprotocol is the negotiated subprotocol, or "".
func (c *Conn) Subprotocol() string { return c.ws.Subprotocol() }

// RemoteAddr is the client's address, as the request had it.
func (c *Conn) RemoteAddr() string { return c.remote }

// NetConn is the connection the HTTP server handed over at the upgrade:
// a *tls.Conn for wss, the plain conn for ws. [listener.From] finds the
// listener.Conn under it, and with it the listener that accepted it.
// Reading or writing it directly would corrupt the WebSocket stream.
func (c *Conn) NetConn() net.Conn { return c.nc.Conn }

// CloseCode is the close code the server sent or received; 0 while the
// connection is open, or when it ended without one, a close frame the
// server could not write (the client took none of it) included.
func (c *Conn) CloseCode() int { return c.code }

// NextReader returns the next data message; see websocket.Conn.NextReader.
// The reader fails with ErrInvalidUTF8 or ErrTooBig as described in the
// package documentation.
func (c *Conn) NextReader() (messageType int, r io.Reader, err error) {
	mt, mr, err := c.ws.NextReader()
	if err != nil {
		return 0, nil, c.nc.watch.restoreCode(err)
	}
	c.mr = messageReader{c: c, r: mr, text: mt == websocket.TextMessage, left: c.srv.MessageLimit()}
	c.nc.started.Add(1)
	return mt, &c.mr, nil
}

// NextWriter starts a message of the given type; see
// websocket.Conn.NextWriter. A client that takes none of it for
// IdleTimeout is dropped.
func (c *Conn) NextWriter(messageType int) (io.WriteCloser, error) {
	return c.ws.NextWriter(messageType)
}

// expire ends the connection for the keepalive: it wakes the reader, whose
// error finish then answers as the reason calls for, or for a write that
// is stuck closes the socket, which no frame could pass anyway.
func (c *Conn) expire(why int32) {
	c.expired.CompareAndSwap(0, why)
	if why == expiredStuck {
		c.closeSocket()
		return
	}
	c.nc.SetReadDeadline(time.Now())
}

// serve runs the handler with the keepalive beside it, then closes. It
// runs on a goroutine of its own, started after the upgrade, so the HTTP
// server's goroutine, its buffers and its grown stack are gone while the
// connection lives.
func (c *Conn) serve() {
	s := c.srv
	c.opened()
	c.ka.start(s.pingInterval(), s.idleTimeout())
	c.waitedAt = c.ka.now()
	h := s.Handler
	if h == nil {
		h = s.echo
	}
	_, c.echoRuns = h.(*echoHandler)
	c.cont(h)
}

// cont runs h until it returns, then ends the connection, unless h handed
// the connection to a wait for the next message (wait.go), which calls
// cont again when the message comes.
func (c *Conn) cont(h Handler) {
	s := c.srv
	err := c.run(h)
	if err == errWait {
		c.park(h)
		return
	}
	defer s.untrack(c)
	c.ka.stop()
	c.fault.Stop()
	c.code = c.finish(err)
	c.closed(err)
}

// opened reports the connection open: the Opened hook (the metrics'
// counts) and the debug record.
func (c *Conn) opened() {
	if h := c.srv.Hooks; h != nil && h.Opened != nil {
		h.Opened(c)
	}
	if c.debugOn() { // a negotiated subprotocol would be boxed for nothing
		c.debug("websocket open", "subprotocol", c.ws.Subprotocol(), "compression", c.deflate)
	}
}

// closed reports the connection ended by err, its code set: the debug
// record, then the Closed hook.
func (c *Conn) closed(err error) {
	c.logClosed(err)
	if h := c.srv.Hooks; h != nil && h.Closed != nil {
		h.Closed(c)
	}
}

// logClosed writes the debug record of the connection's end, err in
// words: what the client asked for that crypto/tls refuses
// (renegotiation), as the raw port says it. The words (err's message,
// perhaps rewritten) and the boxed code are built only when the record
// is written: at the default info level every close would otherwise pay
// a few allocations for a line nobody sees.
func (c *Conn) logClosed(err error) {
	if c.debugOn() {
		c.debug("websocket closed", "code", c.code, "err", tlsinfo.Ended(c.cause(err)))
	}
}

// cause is what ended the connection: err, unless a write failed after a
// read that returned data with an error (watchedConn.readEnd), which then
// is the cause, or err is crypto/tls failing to authenticate a record
// after a write to the socket had failed.
//
// That second case is crypto/tls's: it answers a client's key update
// (TLS 1.3, update_requested) inside the read that takes it, and when
// that answer's write fails (a client that reads nothing, and a ping
// whose write deadline cuts the answer), it goes on reading with the key
// it should have left behind. The client's next record then fails as
// "bad record MAC", which alone would say the client sent a corrupt one.
func (c *Conn) cause(err error) error {
	if c.nc == nil {
		return err
	}
	if c.nc.failed.Load() {
		if p := c.nc.readEnd.Load(); p != nil {
			return *p
		}
	}
	if words := c.expiredWords(err); words != "" {
		return fmt.Errorf("%s: %w", words, err)
	}
	var op *net.OpError
	if lc := c.listenerConn(); lc != nil && errors.As(err, &op) && op.Op == "local error" && op.Err != nil && op.Err.Error() == "tls: bad record MAC" {
		if werr := lc.WriteErr(); werr != nil {
			return fmt.Errorf("a write to the client failed first (%v); crypto/tls then failed to read the client's next record, "+
				"as it does when the write cut was its answer to a key update: %w", werr, err)
		}
	}
	return err
}

// expiredWords names the rule of the server's that dropped the connection
// (keepalive.go), when err is what the drop left the handler with: a
// read's deadline (idle, dead, mute) or the closed socket (stuck). The
// socket's own words, "i/o timeout" or "use of closed network
// connection", say nothing of why, and the second reads as a fault of
// the server's; the raw port's line names its rules the same way. Empty
// for any other end.
func (c *Conn) expiredWords(err error) string {
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout()
	switch why := c.expired.Load(); {
	case why == expiredIdle && timeout:
		return fmt.Sprintf("idle timeout: the client sent nothing for %v", c.ka.idle)
	case why == expiredDead && timeout:
		return "no pong within " + c.ka.every.String()
	case why == expiredMute && timeout:
		return "ping write failed"
	case why == expiredStuck && (timeout || errors.Is(err, net.ErrClosed)):
		return fmt.Sprintf("the client took none of a write for %v", c.ka.idle)
	}
	return ""
}

// errPanicked ends a connection whose handler panicked (close 1011).
var errPanicked = errors.New("ws: handler panicked")

// run calls the handler. A panic in it ends this connection only: the
// handler runs on the connection's own goroutine, outside net/http's
// recovery, so an escaping panic would end the whole process and every
// other client with it. It is logged once, at error level with the peer
// and the stack; finish then sends close 1011.
func (c *Conn) run(h Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.srv.logger().Error("websocket handler panicked; connection closed with 1011",
				"peer", c.remote, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("%w: %v", errPanicked, p)
		}
	}()
	return h.ServeWS(c)
}
