package listener

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/tlsecho/tlsecho/tlsinfo"
)

// pipeline takes one accepted connection through the stages before
// Accept, in its own goroutine, and ends once it is handed out: the
// connection is then served on another goroutine, and the stack this one
// grew for the handshake is not kept while the connection idles.
func (l *Listener) pipeline(c *Conn) {
	defer l.ended()
	// One deadline on the socket, set by track, bounds every stage and
	// the handshake: a client that sends nothing, or a byte now and then,
	// is dropped when it passes, and Close shortens it to a grace.
	nc, err := l.safePrepare(c)
	// A tap records the handshake only: the hot path reads without it.
	c.stages.tap = nil
	if err != nil && c.stages.refused {
		l.closeRefused(c)
	}
	l.handedOver(c)
	if err != nil {
		c.Close()
		return
	}
	// The handshake deadline must not linger into the connection's life,
	// nor the stages' state, now that Close no longer looks at it.
	c.conn.SetDeadline(time.Time{})
	c.endStages()
	if !l.o.KeepHello {
		c.ReleaseHello()
	}
	l.deliver(nc)
}

// safePrepare is prepare with a panic in a stage, a hook or a parser of
// what the client sent kept to its connection, as net/http keeps one in a
// handler: logged with its stack, the connection closed, the listener and
// every other connection unharmed.
func (l *Listener) safePrepare(c *Conn) (nc net.Conn, err error) {
	defer func() {
		if p := recover(); p != nil {
			l.log.Error("panic before the connection was served; connection closed",
				"peer", c.Peer.String(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			nc, err = nil, fmt.Errorf("listener: panic: %v", p)
		}
	}()
	return l.prepare(c)
}

// prepare runs the stages and returns what Accept hands out.
func (l *Listener) prepare(c *Conn) (net.Conn, error) {
	// Here, under safePrepare's recover like the stages: a panic in the
	// hook (the server's own code, its metrics) ends this connection, not
	// the process.
	if h := l.o.Hooks; h != nil && h.Accepted != nil {
		h.Accepted(c)
	}
	l.takeFault(c)
	if l.o.Proxy != nil {
		start := time.Now()
		err := l.o.Proxy.read(c, l.handshakeTimeout())
		var silent nothingSent
		if errors.As(err, &silent) {
			// No header where none is required: no refusal of the stage
			// (a refusal is what a wrong trusted list or a balancer not
			// sending headers looks like), but a client that started no
			// handshake, as on a listener without the stage.
			if h := l.o.Hooks; h != nil && h.Proxy != nil {
				h.Proxy(c, nil)
			}
			err = l.cutByClose(c, fmt.Errorf("no handshake within %v: %w", l.handshakeTimeout(), silent.err), "no handshake")
			if l.o.TLSConfig != nil {
				l.handshakeDone(c, Handshake{Err: err, Took: time.Since(start)})
			}
			return nil, err
		}
		err = l.cutByClose(c, err, "no PROXY protocol header")
		if h := l.o.Hooks; h != nil && h.Proxy != nil {
			h.Proxy(c, err)
		}
		if err != nil {
			l.proxyRefused(c, err, time.Since(start))
			return nil, err
		}
		// A TLS listener logs the balancer with the handshake.
		if c.Balancer != nil && l.o.TLSConfig == nil {
			l.log.Debug("PROXY header", "peer", c.Peer.String(), "balancer", c.Balancer.String())
		}
	}
	// Reading the ClientHello is the start of the handshake: crypto/tls
	// does it inside Handshake when nothing captures it. Its wait counts
	// in Took, so a client that says nothing shows the time it was given.
	var helloWait time.Duration
	if l.o.CaptureHello && l.o.TLSConfig != nil {
		start := time.Now()
		captureHello(c)
		helloWait = time.Since(start)
	}
	if err := l.handshakeFaults(c); err != nil {
		l.handshakeDone(c, Handshake{Err: err, Took: time.Since(c.Accepted)})
		return nil, err
	}
	if l.o.BeforeHandshake != nil {
		ctx, cancel := context.WithDeadline(l.ctx, c.Accepted.Add(l.handshakeTimeout()))
		start := time.Now()
		err := l.o.BeforeHandshake(ctx, c)
		cancel()
		if err != nil {
			l.handshakeDone(c, Handshake{Err: err, Took: time.Since(start)})
			return nil, err
		}
	}
	if l.o.TLSConfig == nil {
		return c, nil
	}
	// From here on every byte read goes to crypto/tls: follow its records.
	c.records.on = true
	tc := tls.Server(c, l.o.TLSConfig)
	start := time.Now()
	err := tc.Handshake()
	h := Handshake{Err: err, Took: helloWait + time.Since(start), State: tc.ConnectionState()}
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			h.Err = l.cutByClose(c, fmt.Errorf("no handshake within %v: %w", l.handshakeTimeout(), err), "no handshake")
		} else {
			// The client is usually told why: crypto/tls sends a fatal
			// alert for most failures, answerHTTP a 400.
			c.stages.refused = true
			h.Err = clientCertRefused(h.Err)
			h.Err = earlyDataRefused(h.Err)
			h.Err = plainAlert(h.Err, c.stages.tail[:c.stages.tailN])
			h.Err = unreadProxyHeader(h.Err, l.o.Proxy != nil)
		}
		l.answerHTTP(c, err)
	}
	if err != nil && balancerCheck(c, err) {
		l.log.Debug("load balancer health check", "peer", c.Peer.String())
		return nil, err
	}
	l.handshakeDone(c, h)
	if err != nil {
		return nil, h.Err
	}
	c.records.tls12 = h.State.Version <= tls.VersionTLS12
	c.records.over = recordOverhead(h.State)
	return tc, nil
}

// handshakeDone tells the hooks and the debug log of a handshake's
// outcome.
func (l *Listener) handshakeDone(c *Conn, h Handshake) {
	if hk := l.o.Hooks; hk != nil && hk.Handshake != nil {
		hk.Handshake(c, h)
	}
	if !l.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	peer := c.Peer.String()
	if h.Err != nil {
		attrs := []any{"peer", peer, "took", h.Took, "err", fmt.Errorf("listener: handshake with %s: %w", peer, h.Err)}
		if c.Hello != nil {
			attrs = append(attrs, "ja4", c.Hello.JA4())
		}
		attrs = c.WithBalancer(attrs)
		l.log.Debug("handshake failed", attrs...)
		return
	}
	attrs := append([]any{"peer", peer, "took", h.Took}, tlsinfo.DescribeConnection(&h.State).LogAttrs()...)
	if c.Hello != nil {
		attrs = append(attrs, "ja4", c.Hello.JA4())
	}
	attrs = c.WithBalancer(attrs)
	l.log.Debug("handshake", attrs...)
}

// answerHTTP tells a client that spoke plain HTTP to a TLS listener what
// went wrong, when AnswerHTTP is set: crypto/tls reports such a first
// record with the bytes it read in place of a record header.
func (l *Listener) answerHTTP(c *Conn, err error) {
	var rh tls.RecordHeaderError
	if !l.o.AnswerHTTP || !errors.As(err, &rh) || rh.Conn == nil || !looksLikeHTTP(rh.RecordHeader[:]) {
		return
	}
	// Through the Conn: the stages' deadline, shortened by a Close, bounds it.
	c.SetWriteDeadline(time.Now().Add(time.Second))
	io.WriteString(c, "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"+
		"This port speaks HTTPS: use https:// in the URL.\n")
}

// looksLikeHTTP reports whether the first five bytes of a connection are
// the start of an HTTP/1 request line.
func looksLikeHTTP(b []byte) bool {
	for _, m := range []string{"GET /", "HEAD ", "POST ", "PUT /", "OPTIO", "DELET", "PATCH", "CONNE"} {
		if string(b) == m {
			return true
		}
	}
	return false
}

// balancerCheck reports whether a failed handshake was a load balancer's
// health check: a PROXY header that named no client (a v2 LOCAL header,
// which the PROXY protocol specification, section 2.2, gives for "health
// checks", or v1 UNKNOWN) or named the connection itself (its source is
// the TCP peer, address and port: v1 has no LOCAL, and HAProxy's check
// with send-proxy sends its own endpoints), then the end of the
// connection before a single byte more. HAProxy's plain check does this,
// every few seconds per server; reported as handshakes they would fill
// /hellos and the failure count, and make an alert on failures fire on
// checks alone.
// A byte after the header makes it a client, whatever came before.
// crypto/tls reports io.EOF only when its read got no byte at all
// (io.ErrUnexpectedEOF when a record was cut short).
func balancerCheck(c *Conn, err error) bool {
	self := c.Balancer != nil && c.Balancer.String() == c.Peer.String()
	return (c.stages.noClient || self) && c.Hello == nil && errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
}
