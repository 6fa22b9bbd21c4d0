package listener

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// Conn is one accepted connection and what is known about it. It is the
// net.Conn under the *tls.Conn a TLS listener hands out, and the conn
// itself on a plain listener; [From] and [FromContext] find it again.
//
// The exported fields are set by the pipeline before Accept returns the
// connection and are read-only afterwards.
type Conn struct {
	// Listener names the listener that accepted the connection ("tls",
	// "https", "http", "admin").
	Listener string
	// Accepted is when the connection was accepted.
	Accepted time.Time
	// Peer is the real client: the address a PROXY header carried, else
	// the TCP peer. RemoteAddr returns it, so logs and net/http's
	// r.RemoteAddr show the client, not a load balancer.
	Peer net.Addr
	// Balancer is the TCP peer when a PROXY header named another client
	// (the load balancer in front), and nil otherwise.
	Balancer net.Addr
	// ProxySource is the source address a PROXY header carried, nil when
	// none carried one (no header, a LOCAL one, v1 UNKNOWN). When it is a
	// TCP client it is Peer too; a UDP or Unix-socket client (a v2 header
	// from a balancer in front of something other than TCP) is kept only
	// here, since such an address cannot stand for the peer of a TCP
	// connection in logs, /info or r.RemoteAddr: Peer stays the TCP peer.
	ProxySource net.Addr
	// ProxyTLS is set when the PROXY v2 header's SSL TLV (PP2_TYPE_SSL,
	// HAProxy's send-proxy-v2-ssl) says the client reached the load
	// balancer over TLS: the balancer ended TLS, and this connection
	// carries what was inside it.
	ProxyTLS bool
	// noWait makes Read read the socket, fd, without waiting (readNow),
	// during InputWait.Run's step; drained is set once a read there has
	// found the socket empty. They sit here, in ProxyTLS's padding, so
	// that the Conn keeps its size class.
	noWait, drained bool
	// HelloTooThin is set when CaptureHello found the client's hello
	// spread over more records than it reads (tlsinfo.ErrHelloTooThin),
	// so Hello is nil though crypto/tls may take the hello: what a list
	// of handshakes says of a hello it cannot show. It too sits in the
	// padding.
	HelloTooThin bool
	fd           int32
	// Hello is the client's first ClientHello, on a TLS listener with
	// CaptureHello set; nil otherwise, when the client's first bytes were
	// not one, and once released (Options.KeepHello, ReleaseHello).
	Hello *tlsinfo.ClientHello
	// Fault is the fault spec the connection got at accept (armed on the
	// admin port, or the default), on a listener with Faults set; nil for
	// none.
	Fault *fault.Spec

	conn net.Conn
	// stages is what only the pipeline's stages use; nil once the
	// connection is handed out and no byte put back remains, so an
	// established connection does not carry it.
	stages *stageState
	// staged is set while the connection is in the stages, among its
	// listener's pending (track to handedOver): a deadline set through
	// the Conn then takes the listener's lock (setStage), and only then.
	staged atomic.Bool
	// records follows the TLS records read, from the handshake on.
	records recordWatch

	// throttle is where bw's pacer goes, under TLS; see Throttle.
	throttle fault.Throttle
	// ahead is what a wait on the socket read ahead (InputWait), which
	// Read returns before anything more from the socket.
	ahead *readAhead
	ln    *Listener
	// closed is set by the first Close, which frees the slot.
	closed atomic.Bool
	// writes is what Write shares with the serving wait: writeFailed,
	// set by the first write that fails (see Write), and readUnsure with
	// a count above them (see Conn.readNow).
	writes atomic.Uint32
	// writeErr is the error of the first write that failed (WriteErr).
	writeErr atomic.Pointer[error]
	// httpServed is set while net/http serves the connection, from its
	// StateNew to a hijack: write deadlines set then are cut to
	// LingerWait (HTTPConns).
	httpServed atomic.Bool
	// renegotiation is set when the client asked to renegotiate
	// (recordWatch.header); Close logs it.
	renegotiation atomic.Bool
	// parked is the connection's entry in its listener's parked set
	// while it waits there with no goroutine (park.go); noPark holds what
	// refuses a park (a read deadline, Close).
	parked atomic.Pointer[parkedConn]
	noPark atomic.Uint32
	// partialAt is when a read last ended inside a TLS record, in
	// nanoseconds since Accepted (PartialAt); 0 before any. With it the
	// Conn is 240 bytes, all its size class holds (TestConnSizeClass).
	partialAt atomic.Int64
}

// stageState is a Conn's state during the pipeline.
type stageState struct {
	// pending holds bytes a stage read ahead of the handshake (a PROXY
	// header's buffer, a peeked ClientHello); Read returns them first.
	pending []byte
	// byRecord makes Read return pending one TLS record at a time, once
	// it holds a refragmented ClientHello (hello.go).
	byRecord bool
	// tap, while set, is given a copy of every byte Read returns.
	tap io.Writer
	// deadline ends the handshake stages; guarded by the Listener's mu.
	deadline time.Time
	// refused is set when the server turned the connection down by its
	// own decision, not by a deadline: the TLS handshake failed after an
	// answer (the client was told why), or the PROXY stage refused it.
	// It is closed with a FIN (closeRefused), not with the reset that
	// closing over unread bytes would send.
	refused bool
	// noClient is set when a PROXY header named no client (a LOCAL
	// header, v1 UNKNOWN): the balancer opened the connection itself.
	noClient bool
	// helloRead is set once readHello has looked at the client's first
	// bytes, and notTLS when they were not TLS (plain HTTP, noise, an
	// SSLv2-compatible hello): an alert fault then leaves them to
	// crypto/tls, which refuses them as it does without the fault.
	helloRead, notTLS bool
	// tail holds the last tailN bytes read (plainalert.go).
	tail  [tailLen]byte
	tailN uint8
}

func newConn(nc net.Conn, l *Listener) *Conn {
	return &Conn{
		Listener: l.o.Name,
		Accepted: time.Now(),
		Peer:     nc.RemoteAddr(),
		conn:     nc,
		ln:       l,
		stages:   &stageState{},
	}
}

// Read reads from the bytes a stage put back or a wait read ahead first,
// then from the socket.
func (c *Conn) Read(p []byte) (n int, err error) {
	st := c.stages
	if c.ahead != nil {
		n, err = c.takeAhead(p)
	} else if c.noWait {
		n, err = c.readNow(p)
	} else if st == nil || (st.pending == nil && st.tap == nil) {
		n, err = c.conn.Read(p)
	} else if len(st.pending) > 0 {
		b := st.pending
		if st.byRecord {
			b = b[:tlsinfo.NextRecord(b)]
		}
		n = copy(p, b)
		st.pending = st.pending[n:]
		if len(st.pending) == 0 {
			st.pending = nil
		}
	} else {
		n, err = c.conn.Read(p)
	}
	if st != nil && n > 0 {
		if st.tap != nil {
			st.tap.Write(p[:n])
		}
		st.keepTail(p[:n])
	}
	if c.records.on {
		if c.records.read(p[:n]) {
			c.renegotiation.Store(true)
		}
		if n > 0 && c.records.hn != 0 {
			// Only a read that ends inside a record reads the clock,
			// not one that ends at a record's end, as nearly every
			// read of small messages does.
			c.partialAt.Store(int64(time.Since(c.Accepted)))
		}
	}
	return n, err
}

// endStages drops the pipeline's state once the connection is handed out
// and nothing put back is left to read.
func (c *Conn) endStages() {
	if c.stages != nil && c.stages.pending == nil {
		c.stages = nil
	}
}

// ReleaseHello drops Hello once nothing will show it any more: the
// listener does so after the handshake unless Options.KeepHello is set,
// and a server that takes the connection over from its HTTP handlers (a
// WebSocket upgrade) does so then. Whoever keeps the hello elsewhere (a
// list of recent handshakes) holds its own pointer. Call it only from the
// goroutine that serves c.
func (c *Conn) ReleaseHello() { c.Hello = nil }

// Replay makes the next reads return b before anything from the socket:
// for a stage that read ahead (a PROXY header parser's buffer, a peeked
// ClientHello) and must hand the bytes on. Call it only from the pipeline,
// before the connection is handed to Accept.
func (c *Conn) Replay(b []byte) {
	if len(b) > 0 {
		c.stages.pending = append(b[:len(b):len(b)], c.stages.pending...)
	}
}

// Tap gives w a copy of every byte read from now until Tap(nil) or the
// end of the pipeline: a stage can see what crypto/tls reads of the
// handshake this way. w must not block. Call it only from the pipeline.
func (c *Conn) Tap(w io.Writer) { c.stages.tap = w }

// setStage sets a deadline of the socket with set while c is in the
// pipeline's stages, cut to their own deadline (no deadline counts as the
// latest), and reports whether c was in them. It holds the lock with
// which Close and EndGrace shorten that deadline: a stage that sets one
// of its own just after them (the drain after an alert,
// fault.SendAlert, a second long) would otherwise push theirs back out
// and hold Accept, and the shutdown waiting for it to fail, past the
// grace or past EndGrace. No pacer or parked wait exists yet to be told.
func (c *Conn) setStage(t time.Time, set func(net.Conn, time.Time) error) (bool, error) {
	// Looked at without the lock: a served connection sets deadlines on
	// its hot path (gorilla before each frame), and its stages may
	// outlive the hand-over while bytes put back remain to be read.
	if !c.staged.Load() {
		return false, nil
	}
	l := c.ln
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.pending[c]; !ok {
		return false, nil
	}
	if t.IsZero() || c.stages.deadline.Before(t) {
		t = c.stages.deadline
	}
	return true, set(c.conn, t)
}

// shortenDeadline moves the handshake deadline to t if that is sooner.
func (c *Conn) shortenDeadline(t time.Time) {
	if t.Before(c.stages.deadline) {
		c.stages.deadline = t
		c.conn.SetDeadline(t)
	}
}

// The bits of Conn.writes; the count above them starts at writeCount.
const (
	writeFailed uint32 = 1 << iota
	readUnsure
	writeCount
)

// errWriteFailed is what Write returns once a write has failed.
var errWriteFailed = errors.New("listener: an earlier write failed; nothing more is sent")

// Write writes to the socket, through the throttle: two atomic loads
// unless a fault paces the connection.
//
// Once a write has failed (its deadline passed, perhaps with part of a
// TLS record sent), every later one fails at once and sends nothing.
// crypto/tls has counted the record as sent whole, so any record it
// sends afterwards is one the client cannot decrypt: the close_notify
// that tls.Conn.Close and CloseWrite still send after a failed write
// (they do not check it) would reach the client as "bad record MAC", and
// on a plain connection the rest of a cut WebSocket frame or HTTP answer
// would be misread. The client sees the TCP close instead.
//
// A write that the socket took, begun after a read that the kernel said
// left it empty, shows that no reset had come before that read: the
// serving wait then need not read again to find one (see Conn.readNow).
func (c *Conn) Write(p []byte) (int, error) {
	w := c.writes.Load()
	if w&writeFailed != 0 {
		return 0, errWriteFailed
	}
	n, err := c.throttle.Write(c.conn, p)
	if err != nil {
		c.writeErr.CompareAndSwap(nil, &err)
		c.writes.Or(writeFailed)
	} else if w&readUnsure != 0 && n > 0 {
		// Not if another such read came meanwhile: the count moved.
		c.writes.CompareAndSwap(w, w&^readUnsure)
	}
	return n, err
}

// StopWrites makes every later write fail at once, sending nothing, and
// cuts one in progress with a deadline already passed: a blackhole
// fault's silence. The deadline alone does not keep it: the next writer
// sets a deadline of its own before it writes (gorilla before each
// frame, crypto/tls before a close_notify), and that one lifts the cut.
func (c *Conn) StopWrites() {
	c.writes.Or(writeFailed)
	c.SetWriteDeadline(time.Now())
}

// WriteErr is the error of the first write to the socket that failed, or
// nil. Writes crypto/tls makes on its own inside a read (the answer to a
// TLS 1.3 key update) count too: a deadline that cut one is seen only
// here.
func (c *Conn) WriteErr() error {
	if p := c.writeErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Close closes the socket and frees the connection's slot in the limit,
// once however often it is called. Closing the socket itself, not a
// *tls.Conn above it, is what ends a connection for sure: tls.Conn.Close
// returns early, leaving the socket open, while another Close is sending
// close_notify.
//
// A connection parked with no goroutine (park.go) is started again first,
// while its socket is still the one in the parked set; a write a bw
// fault paces, waiting for its next piece's time, ends at once.
func (c *Conn) Close() error {
	c.noPark.Or(noParkClosed)
	c.unpark()
	c.throttle.Close()
	err := c.conn.Close()
	if c.closed.CompareAndSwap(false, true) {
		c.ln.lim.release()
		c.renegotiationRefused()
	}
	return err
}

// WithBalancer returns attrs, a log record's attributes, with the
// balancer's address added when a PROXY header named the client: every
// debug line of such a connection names the balancer beside the peer, so
// that its lines can be matched with the handshake's. c may be nil.
func (c *Conn) WithBalancer(attrs []any) []any {
	if c != nil && c.Balancer != nil {
		return append(attrs, "balancer", c.Balancer.String())
	}
	return attrs
}

// CloseWrite shuts down the writing side of the TCP connection (a FIN),
// when the socket supports it.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// NetConn returns the accepted socket, for what only it offers (SetLinger
// on a *net.TCPConn). Reading or closing it directly bypasses the Conn:
// a connection parked with no goroutine (park.go) must be closed through
// the Conn, which starts it again.
func (c *Conn) NetConn() net.Conn { return c.conn }

// LocalAddr is the listener's address.
func (c *Conn) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// RemoteAddr is the real client's address, Peer.
func (c *Conn) RemoteAddr() net.Addr { return c.Peer }

// SetDeadline sets the socket's read and write deadlines.
//
// A deadline set starts a connection parked with no goroutine again, to
// wait where it meets the deadline (park.go).
func (c *Conn) SetDeadline(t time.Time) error {
	if ok, err := c.setStage(t, net.Conn.SetDeadline); ok {
		return err
	}
	c.noteReadDeadline(t.IsZero())
	if !t.IsZero() {
		defer c.unpark()
	}
	if c.httpServed.Load() && !t.IsZero() {
		c.conn.SetReadDeadline(t)
		return c.SetWriteDeadline(t)
	}
	c.throttle.Deadline(t)
	return c.conn.SetDeadline(t)
}

// SetReadDeadline sets the socket's read deadline. A deadline set starts
// a connection parked with no goroutine again, to wait where it meets the
// deadline (park.go).
func (c *Conn) SetReadDeadline(t time.Time) error {
	if ok, err := c.setStage(t, net.Conn.SetReadDeadline); ok {
		return err
	}
	c.noteReadDeadline(t.IsZero())
	err := c.conn.SetReadDeadline(t)
	if !t.IsZero() {
		c.unpark()
	}
	return err
}

// SetWriteDeadline sets the socket's write deadline; a fault's pacer
// learns of it, so pacing does not count against it. While net/http
// serves the connection, it is cut to LingerWait (HTTPConns).
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if ok, err := c.setStage(t, net.Conn.SetWriteDeadline); ok {
		return err
	}
	if c.httpServed.Load() {
		t = boundWrite(t)
	}
	c.throttle.Deadline(t)
	return c.conn.SetWriteDeadline(t)
}

// From returns the Conn under nc: nc itself, or the Conn found by
// unwrapping NetConn() (a *tls.Conn from a TLS listener). It returns nil
// when nc did not come from a Listener.
func From(nc net.Conn) *Conn {
	for nc != nil {
		if c, ok := nc.(*Conn); ok {
			return c
		}
		w, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		nc = w.NetConn()
	}
	return nil
}

type ctxKey struct{}

// ConnContext returns ctx carrying the Conn under nc; set it as
// http.Server.ConnContext so handlers find the Conn with FromContext.
func ConnContext(ctx context.Context, nc net.Conn) context.Context {
	if c := From(nc); c != nil {
		return context.WithValue(ctx, ctxKey{}, c)
	}
	return ctx
}

// FromContext returns the Conn put in ctx by ConnContext (an http
// request's context), or nil.
func FromContext(ctx context.Context) *Conn {
	c, _ := ctx.Value(ctxKey{}).(*Conn)
	return c
}
