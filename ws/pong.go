package ws

import (
	"errors"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/listener"
)

// pong answers a ping with its payload (RFC 6455 section 5.5.3) wherever
// the ping is read: gorilla's reader (the ping handler newConn sets) and a
// wait that takes control frames itself (takeControl).
//
// gorilla's default ping handler gives the pong one second. A client
// that sends pings while it reads nothing for a little longer (a stall
// of its own, a full receive window) had its pong cut by that second,
// and gorilla keeps a failed write's error for every later one: the
// connection could send nothing more and was dropped without a close
// frame, though the same client stalling behind its echoes is waited
// for.
//
// Nor does the pong get a flat bound: it waits as long as the client
// takes bytes (pongWatch), as a close the server starts does. A client
// that sent pings faster than it read the pongs, and then reads them
// slowly through a small window, has a pong waiting for room longer than
// any flat bound fair to one that reads nothing: Linux wakes a write
// waiting for room only once a good part of the send buffer has drained.
// Under a flat writeWait (10 s) such a pong was cut, and the client
// dropped, while it was still reading.
//
// It returns the write's error, but none once the server's close has
// gone out (no pong may follow it; gorilla's handler says nothing then
// either). A pong waiting while the client takes nothing for
// listener.TakeWait has its write cut, which fails the reader, and the
// connection ends: nothing can be sent on it any more. So a client that
// floods pings and never reads holds the reader, and its connection, for
// that long at most (and up to two listener.TakeLook more), and costs
// nothing meanwhile: the reader reads no further ping while a pong waits
// to go out, and TCP holds the client's sending back.
func (c *Conn) pong(payload []byte) error {
	w := c.pw
	if w == nil {
		w = &pongWatch{c: c}
		c.pw = w
	}
	w.begin()
	err := c.ws.WriteControl(websocket.PongMessage, payload, time.Time{})
	w.end()
	if errors.Is(err, websocket.ErrCloseSent) {
		return nil
	}
	return err
}

// pongWatch cuts a pong's write once the client has taken nothing for
// listener.TakeWait while it waits. It is listener.WatchTaken's rule on a
// timer of the connection's own: a pong nearly always goes out at once,
// and a goroutine and a look at the socket for each would make a ping
// flood's pongs several times dearer. The timer looks only at a write
// that has lasted listener.TakeLook.
type pongWatch struct {
	c       *Conn
	mu      sync.Mutex
	t       *time.Timer
	writing bool
	last    uint64    // what the client had taken at lastAt
	lastAt  time.Time // zero until the write's first look
}

// begin arms the watch for a pong about to be written.
func (w *pongWatch) begin() {
	w.mu.Lock()
	w.writing, w.lastAt = true, time.Time{}
	if w.t == nil {
		w.t = time.AfterFunc(listener.TakeLook, w.look)
	} else {
		w.t.Reset(listener.TakeLook)
	}
	w.mu.Unlock()
}

// end disarms the watch once the pong's write has returned.
func (w *pongWatch) end() {
	w.mu.Lock()
	w.writing = false
	w.t.Stop()
	w.mu.Unlock()
}

// look is one look at a pong still being written: the write is cut once
// the client's taken count has not moved for listener.TakeWait since the
// first look. A deadline cuts it, not the socket's close: the write fails
// as a timed-out one did under the flat bound, and should the write have
// ended just before, the next frame, whose deadline gorilla sets again,
// goes out unharmed.
func (w *pongWatch) look() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.writing {
		return
	}
	now, n := time.Now(), w.c.taken()
	switch {
	case w.lastAt.IsZero() || n != w.last:
		w.last, w.lastAt = n, now
	case now.Sub(w.lastAt) >= listener.TakeWait:
		w.c.debug("websocket pong not taken; write cut", "waited", listener.TakeWait)
		w.c.nc.SetWriteDeadline(now)
		return
	}
	w.t.Reset(listener.TakeLook)
}
