package listener

import (
	"net"
	"net/http"
	"time"
)

// HTTPConnState returns the http.Server.ConnState hook of a server that
// serves a Listener's connections with net/http, with the server's own
// WriteTimeout left at zero. It does two things net/http cannot:
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
//     goroutine, the socket and the connection's slot that long, and
//     Shutdown, which closes idle connections one after another, 5 s for
//     each. A client that reads takes the close_notify at once.
//
// The second works because, with WriteTimeout zero, net/http sets no
// write deadline of its own on a connection it serves but zero ones:
// from StateNew until a hijack, every other write deadline set through
// the Conn is crypto/tls's, and is cut to LingerWait. A hijacked
// connection (a WebSocket) sets its deadlines as it likes again.
//
// answer zero leaves answers without a write deadline.
func HTTPConnState(answer time.Duration) func(net.Conn, http.ConnState) {
	return func(nc net.Conn, st http.ConnState) {
		c := From(nc)
		if c == nil {
			return
		}
		switch st {
		case http.StateNew:
			c.httpServed.Store(true)
		case http.StateActive:
			if answer > 0 {
				c.answerBy(time.Now().Add(answer))
			}
		case http.StateHijacked:
			c.httpServed.Store(false)
		}
	}
}

// answerBy sets the write deadline of an HTTP answer, which the bound of
// HTTPConnState does not cut.
func (c *Conn) answerBy(t time.Time) {
	c.throttle.Deadline(t)
	c.conn.SetWriteDeadline(t)
}

// boundWrite cuts a write deadline set while net/http serves the
// connection to LingerWait from now (see HTTPConnState); zero, no
// deadline, stays zero.
func boundWrite(t time.Time) time.Time {
	if by := time.Now().Add(LingerWait); !t.IsZero() && by.Before(t) {
		return by
	}
	return t
}
