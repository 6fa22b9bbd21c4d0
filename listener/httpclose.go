package listener

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// HTTPConns is the ConnState hook of an http.Server that serves a
// Listener's connections with net/http, with the server's own
// WriteTimeout left at zero, and the drain of its idle connections. It
// does what net/http cannot:
//
//   - Each answer, a handler's or the one net/http writes itself to a
//     request it cannot take (400, 431), gets answer to go out, counted
//     from when its request began, as WriteTimeout would give it.
//   - The close_notify of every close net/http makes (idle keep-alive
//     timeout, after an answer that ends the connection, Shutdown's close
//     of idle connections, Close) gets LingerWait. net/http closes
//     through tls.Conn.Close and CloseWrite, which give the close_notify
//     a write deadline of their own, 5 s: a client that has stopped
//     reading (its window and our send buffer full) would hold the
//     goroutine, the socket and the connection's slot that long. A
//     client that reads takes the close_notify at once.
//   - Drain closes the idle connections all at once. Shutdown closes
//     them one after another, so each client that has stopped reading
//     would add LingerWait to the drain, and a few dozen of them would
//     outlast any shutdown timeout.
//   - CloseNew, run by Shutdown (http.Server.RegisterOnShutdown), closes
//     the connections that have not finished sending their first
//     request's header. net/http serves no request whose header it reads
//     once Shutdown has begun, yet waits for such a connection until 5 s
//     after its accept before taking it for idle: a browser's
//     preconnection, opened and not yet used, held every stop that long.
//
// The second works because, with WriteTimeout zero, net/http sets no
// write deadline of its own on a connection it serves but zero ones:
// from StateNew until a hijack, every other write deadline set through
// the Conn is crypto/tls's, and is cut to LingerWait. A hijacked
// connection (a WebSocket) sets its deadlines as it likes again.
type HTTPConns struct {
	answer time.Duration

	mu sync.Mutex
	// idle holds the connections waiting for their next request.
	idle map[net.Conn]struct{}
	// fresh holds the connections waiting for their first request.
	fresh map[net.Conn]struct{}
	// shut is set by CloseNew: a new connection is closed then.
	shut bool
	// draining is set by Drain: a connection going idle is closed then.
	draining bool
	closing  sync.WaitGroup
}

// NewHTTPConns returns the hook of a server whose answers get answer to
// go out; zero leaves them without a write deadline.
func NewHTTPConns(answer time.Duration) *HTTPConns {
	return &HTTPConns{answer: answer, idle: make(map[net.Conn]struct{}), fresh: make(map[net.Conn]struct{})}
}

// ConnState is the http.Server's ConnState hook.
func (h *HTTPConns) ConnState(nc net.Conn, st http.ConnState) {
	c := From(nc)
	if c == nil {
		return
	}
	switch st {
	case http.StateNew:
		c.httpServed.Store(true)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.shut {
			// Accepted as Shutdown began: nothing it sends is served.
			go nc.Close()
			return
		}
		h.fresh[nc] = struct{}{}
		return
	case http.StateActive:
		if h.answer > 0 {
			c.answerBy(time.Now().Add(h.answer))
		}
	case http.StateHijacked:
		c.httpServed.Store(false)
	}
	h.mu.Lock()
	delete(h.fresh, nc)
	if st != http.StateIdle {
		delete(h.idle, nc)
		h.mu.Unlock()
		return
	}
	if h.draining {
		h.mu.Unlock()
		// On this connection's own goroutine, which would only wait for
		// its next request: not on one counted in closing, whose Wait
		// may already have begun (an Add then would race with it).
		nc.Close()
		return
	}
	h.idle[nc] = struct{}{}
	h.mu.Unlock()
}

// Drain closes every idle connection, each on its own goroutine, and
// from then on every connection as it goes idle. Call it right before
// http.Server.Shutdown, whose own close of each idle connection then
// finds it closing and returns at once; Wait waits for the closes.
func (h *HTTPConns) Drain() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.draining = true
	for nc := range h.idle {
		h.closing.Go(func() { nc.Close() })
	}
	clear(h.idle)
}

// CloseNew closes, each on its own goroutine, the connections whose first
// request's header has not been read, and from then on every new
// connection. Register it with http.Server.RegisterOnShutdown: Shutdown
// runs it once no request whose header is read later would be served
// (net/http closes such a connection unanswered), so none that would is
// cut. Shutdown waits for these connections to end, as for any.
func (h *HTTPConns) CloseNew() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.shut = true
	for nc := range h.fresh {
		go nc.Close()
	}
	clear(h.fresh)
}

// Wait returns once the closes Drain started have ended, each within
// LingerWait.
func (h *HTTPConns) Wait() { h.closing.Wait() }

// answerBy sets the write deadline of an HTTP answer, which the bound of
// HTTPConns does not cut.
func (c *Conn) answerBy(t time.Time) {
	c.throttle.Deadline(t)
	c.conn.SetWriteDeadline(t)
}

// boundWrite cuts a write deadline set while net/http serves the
// connection to LingerWait from now (see HTTPConns); zero, no
// deadline, stays zero.
func boundWrite(t time.Time) time.Time {
	if by := time.Now().Add(LingerWait); !t.IsZero() && by.Before(t) {
		return by
	}
	return t
}
