package ws

import (
	"io"
	"sync"

	"github.com/tlsecho/tlsecho/listener"
)

// Handler serves one upgraded connection. When it returns, the transport
// ends the connection with the close code its error calls for (1000 for
// nil).
type Handler interface {
	ServeWS(c *Conn) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(c *Conn) error

// ServeWS calls f(c).
func (f HandlerFunc) ServeWS(c *Conn) error { return f(c) }

// Echo returns the handler that sends each message back with the same type
// and bytes. A message streams through: each piece read is written out as
// it comes, so a 1 MiB message is never held whole. A busy connection's
// whole one-frame messages are answered where the wait read them, in one
// write under gorilla's writer lock, without its reader or its message
// writer (inplace.go). Without compression
// gorilla's writer reads straight into its frame buffer, which comes from
// a pool while a message is written; the compressed path takes a copy
// buffer from a pool for the message, and compresses each piece apart
// (deflate.go), so no compressor is held while the client is slow to
// send the rest. An idle connection holds none of them. When the
// client's next message has arrived already, the echo waits for it and
// both go out in one write. A
// connection with faults runs the fault package's echo instead, whose
// writes go out as they come, at their time.
func Echo() Handler {
	return &echoHandler{pool: &sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

// echoHandler is what Echo returns. The server knows it by its type and
// lets it hand its wait for the next message on (wait.go: to a parked
// set, or a fresh goroutine) only when it runs it itself: inside a
// Handler of the user's, that Handler would see errWait and be run again
// for every message. There the echo waits where it is, and ServeWS
// returns once, when the connection ends.
type echoHandler struct {
	pool *sync.Pool
	// prepare, when set, runs first in every ServeWS: for tests, which
	// set what the runtime would have chosen (a grown stack).
	prepare func(c *Conn)
}

// ServeWS echoes every message until the connection ends.
func (e *echoHandler) ServeWS(c *Conn) error {
	if e.prepare != nil {
		e.prepare(c)
	}
	pool := e.pool
	if c.fault != nil {
		return c.fault.EchoMessages(c)
	}
	if c.deflate {
		// Compressed by piece (deflate.go), not by gorilla's writer.
		c.ws.EnableWriteCompression(false)
	}
	if !c.nc.coalesce.Load() {
		c.nc.coalesce.Store(true)
	}
	// Where this goroutine's stack is as it starts serving (wait.go).
	// Only a wait's fresh goroutine may wait here: serve's stack may
	// have grown in the hooks or a log line before it got here.
	var mark byte
	start, fresh := stackAt(&mark), c.woken && !c.grown
	if !c.woken {
		c.settle()
	}
	var ready *readyEcho // made once the connection waits busy
	for {
		// Between messages the echo waits on the socket: here while
		// this goroutine's stack has not grown, else on a fresh
		// goroutine (wait.go). A wait just ended goes on to read the
		// message. A busy connection's wait echoes the messages that
		// arrive whole itself (readyEcho).
		woken := c.woken
		c.woken = false
		if !woken && c.canWait() {
			here := fresh && stackAt(&mark) == start
			busy := c.pace.Busy()
			var step func() bool
			if busy {
				if ready == nil {
					ready = newReadyEcho(c, pool)
				}
				step = ready.stepFn
			}
			// Where a connection can wait with no goroutine, one
			// that is not busy does (listener.Parking), after a
			// grace in place (grace.go). Inside a Handler of the
			// user's the echo waits here, whatever its stack.
			if c.echoRuns && !busy && (!here || listener.Parking) {
				// waitGrace leaves nothing read and unhandled when it
				// reports false: the connection parks.
				if !listener.Parking || !c.waitGrace() {
					return errWait
				}
			} else {
				waited := c.waitHere(busy, step)
				// What ended the echo inside the wait ends it, also
				// when the keepalive nudged the wait meanwhile; and
				// what the wait read and left is read here: a fresh
				// goroutine's wait would wait on the socket with it
				// unread.
				if ready != nil && ready.err != nil {
					return ready.err
				}
				if !waited && len(c.nc.replay) == 0 {
					if c.echoRuns {
						return errWait
					}
					continue // the wait starts again here
				}
			}
		}
		if err := echoMessage(c, pool); err != nil {
			return err
		}
	}
}

// echoMessage echoes the client's next message.
func echoMessage(c *Conn, pool *sync.Pool) error {
	mt, r, err := c.NextReader()
	if err != nil {
		return err
	}
	if c.deflate {
		bp := pool.Get().(*[]byte)
		err = c.srv.deflater.echo(c, mt, r, *bp)
		pool.Put(bp)
		return err
	}
	w, err := c.NextWriter(mt)
	if err != nil {
		return err
	}
	if rf, ok := w.(io.ReaderFrom); ok {
		_, err = rf.ReadFrom(r)
	} else {
		bp := pool.Get().(*[]byte)
		_, err = io.CopyBuffer(w, r, *bp)
		pool.Put(bp)
	}
	if err != nil {
		return err
	}
	return w.Close()
}
