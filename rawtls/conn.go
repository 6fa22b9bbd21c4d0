package rawtls

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
)

// ErrIdle is returned by Conn.Read when the client has sent nothing for
// IdleTimeout.
var ErrIdle = errors.New("rawtls: idle timeout")

// Conn is an established TLS connection as a Handler sees it. Read and
// Write carry the server's timeouts; only the Handler's goroutine may call
// them.
type Conn struct {
	tc    *tls.Conn
	srv   *Server
	fault *fault.Session // nil unless the connection has faults

	lastRead time.Time
	read     int64
	written  int64
}

// RemoteAddr is the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.tc.RemoteAddr() }

// NetConn is the connection under TLS: the *listener.Conn the listener
// accepted, which carries what the pipeline learnt about it.
func (c *Conn) NetConn() net.Conn { return c.tc.NetConn() }

// BytesRead is the number of decrypted bytes read so far.
func (c *Conn) BytesRead() int64 { return c.read }

// BytesWritten is the number of bytes written so far.
func (c *Conn) BytesWritten() int64 { return c.written }

// State is the negotiated TLS state.
func (c *Conn) State() tls.ConnectionState { return c.tc.ConnectionState() }

// Read reads decrypted bytes. It returns io.EOF when the client has
// finished sending (close_notify or TCP FIN), and also, during Shutdown,
// once the client has been quiet for DrainQuiet; ErrIdle after IdleTimeout
// of silence.
func (c *Conn) Read(p []byte) (int, error) {
	idle := durationOr(c.srv.IdleTimeout, DefaultIdleTimeout)
	quiet := durationOr(c.srv.DrainQuiet, DefaultDrainQuiet)
	for {
		draining := c.srv.draining.Load()
		now := time.Now()
		dl := now.Add(idle)
		if draining {
			// At least a moment in the future, so bytes already in the
			// socket buffer are still read: a deadline in the past fails
			// before the read is even tried.
			dl = later(c.lastRead.Add(quiet), now.Add(time.Millisecond))
		}
		c.tc.SetReadDeadline(dl)
		if c.fault.Silent() {
			// blackhole took effect: its wake-up may have been
			// overwritten, and nothing more is to be read.
			c.tc.SetReadDeadline(time.Now())
		}
		if !draining && c.srv.draining.Load() {
			// Shutdown began between the check and the deadline; its wake-up
			// may have been overwritten, so compute the drain deadline now.
			continue
		}
		n, err := c.tc.Read(p)
		if n > 0 {
			c.lastRead = time.Now()
			c.read += int64(n)
		}
		if err == nil || n > 0 {
			return n, err
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, err
		}
		switch {
		case draining && time.Since(c.lastRead) >= quiet:
			// Quiet for DrainQuiet while shutting down: treat it as the
			// client's end of input, so the handler finishes cleanly.
			// Shutdown's wake-up can land after the drain deadline was
			// set and cut it short; then the client was not quiet yet,
			// and the next case sets the deadline again.
			return 0, io.EOF
		case c.srv.draining.Load():
			// Woken by Shutdown: loop to apply the drain deadline.
			continue
		default:
			return 0, ErrIdle
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Write encrypts and sends p, failing if the client does not take it
// within IdleTimeout.
func (c *Conn) Write(p []byte) (int, error) {
	c.tc.SetWriteDeadline(time.Now().Add(durationOr(c.srv.IdleTimeout, DefaultIdleTimeout)))
	n, err := c.tc.Write(p)
	c.written += int64(n)
	return n, err
}

// wake interrupts a blocked Read so it sees that the server is draining.
// Called with s.mu held.
func (c *Conn) wake() {
	c.tc.SetReadDeadline(time.Now())
}

// serve runs the handler and the close, in the connection's own goroutine.
func (c *Conn) serve() {
	s := c.srv
	log := s.logger()
	peer := c.tc.RemoteAddr().String()
	defer func() {
		c.tc.NetConn().Close()
		s.track(c, false)
		s.active.Add(-1)
		s.wg.Done()
	}()
	c.lastRead = time.Now()
	if s.Hooks != nil && s.Hooks.Opened != nil {
		s.Hooks.Opened(c)
	}

	if s.Faults != nil {
		c.fault = c.startFaults()
		defer c.fault.Stop()
	}
	h := s.Handler
	if h == nil {
		h = Echo()
	}
	err := h.ServeTLS(c)
	if err != nil {
		log.Debug("connection ended", "peer", peer, "err", fmt.Errorf("rawtls: %s: %w", peer, err), "read", c.read, "written", c.written)
	} else {
		log.Debug("connection closed", "peer", peer, "read", c.read, "written", c.written)
	}
	if s.Hooks != nil && s.Hooks.Closed != nil {
		s.Hooks.Closed(c)
	}
	c.close()
}

// lingerWait bounds how long a closing connection reads and discards what
// the client still sends, the same half second net/http waits.
const lingerWait = 500 * time.Millisecond

// close ends the connection the way net/http does: close_notify (bounded
// by its own 5 s write deadline in crypto/tls), then a TCP half-close,
// then reading and discarding whatever the client still sends until it
// closes too or lingerWait passes, then the socket's close. Closing at
// once would leave bytes that arrive meanwhile unread, and a socket
// closed with unread input is reset by the kernel: the reset discards
// what the client has not read yet, echo and close_notify included. After
// fin, rst or blackhole the socket is closed already and nothing goes out.
func (c *Conn) close() {
	nc := c.tc.NetConn()
	defer nc.Close()
	if c.tc.CloseWrite() != nil {
		return
	}
	if cw, ok := nc.(interface{ CloseWrite() error }); !ok || cw.CloseWrite() != nil {
		return
	}
	nc.SetReadDeadline(time.Now().Add(lingerWait))
	buf := make([]byte, 512)
	for {
		if _, err := nc.Read(buf); err != nil {
			return
		}
	}
}

// startFaults starts the faults of a connection that got a spec at
// accept, or returns nil.
func (c *Conn) startFaults() *fault.Session {
	lc := listener.From(c.tc)
	if lc == nil || lc.Fault == nil {
		return nil
	}
	return c.srv.Faults.Start(lc.Fault, lc.FaultInfo(), fault.Target{
		Socket: lc,
		// close_notify without closing the socket: the echo then reads
		// until the client closes too, so no reset follows.
		Close: func(int, string) { c.tc.CloseWrite() },
		Pace:  lc.Throttle().Set,
		Idle:  durationOr(c.srv.IdleTimeout, DefaultIdleTimeout),
	})
}
