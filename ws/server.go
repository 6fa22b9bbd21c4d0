package ws

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
)

// Defaults applied when the matching Server field is zero.
const (
	DefaultMaxMessageBytes = 1 << 20
	// MaxMessageCeiling is the largest limit taken, 4 EiB: no limit in
	// practice, and room for the allowances added to it (a compressed
	// message's overhead on the wire, what a close discards) without
	// overflowing an int64, which would turn them negative.
	MaxMessageCeiling   = 1 << 62
	DefaultPingInterval = 30 * time.Second
	DefaultIdleTimeout  = 5 * time.Minute
)

// writeWait bounds the server's pings and the close frames it writes; a
// client that does not take one in this time is gone. A pong is held to
// what the client takes instead (pong.go).
const writeWait = 10 * time.Second

// writeBufferSize is the payload room of gorilla's pooled frame buffer:
// a frame of up to one TLS record's plaintext (16 KiB, less the largest
// frame header) goes out as one record in one write.
const writeBufferSize = 16<<10 - 14

// readBufferSize is gorilla's read buffer, held for the connection's
// life: frame headers and small messages. 128 bytes is just above
// gorilla's floor (125, the largest control frame payload); a larger
// frame is read past it, straight from crypto/tls, so a bigger buffer
// would only cost idle connections memory (384 bytes each against 512).
const readBufferSize = 128

// closeWait is how long the server waits for the client's answer to a close
// it sent before it closes the TCP connection (RFC 6455 section 7.1.1 lets
// the server close first once the handshake is done or the wait is over).
const closeWait = 2 * time.Second

// Server upgrades requests to WebSocket and serves each connection to
// Handler. Fields must not change once it serves. The zero value of each
// limit selects its documented default, so the zero Server is a safe echo
// server that accepts only same-host origins.
type Server struct {
	// Handler serves each connection; nil means [Echo].
	Handler Handler
	// MaxMessageBytes is the largest message accepted, after reassembly and
	// decompression; a larger one gets close 1009. Values above
	// [MaxMessageCeiling] mean the ceiling.
	MaxMessageBytes int64
	// AllowedOrigins lists full origins ("https://app.example:8443") that
	// may connect besides the same host; "*" as an entry allows any.
	// Entries are compared exactly: check a list with
	// [CheckAllowedOrigins].
	AllowedOrigins []string
	// OriginsSetting names where an operator sets AllowedOrigins (an
	// environment variable, a flag), for the log record and the 403 body
	// of a refused origin; empty says "AllowedOrigins".
	OriginsSetting string
	// Compression negotiates permessage-deflate when the client offers it.
	Compression bool
	// PingInterval is the silence after which the server pings a client,
	// and how long the client then has to answer (see the package
	// documentation for a frame that takes longer to arrive).
	PingInterval time.Duration
	// IdleTimeout closes a connection whose client sent no frame (pongs
	// aside) for this long, and drops one that takes none of a write for
	// this long.
	IdleTimeout time.Duration
	// Logger receives connection events, most at debug level; nil discards.
	Logger *slog.Logger
	// Hooks, when not nil, is told of connection events (for metrics).
	Hooks *Hooks
	// Faults, when set, gives a connection the faults its URL asks for
	// (?fault=) or that it got at accept (listener.Conn.Fault), and runs
	// its echo with them; see the fault package. Nil: no faults, and the
	// fault parameter is ignored.
	Faults *fault.Injector

	initOnce sync.Once
	upgrader websocket.Upgrader
	// epoch is the origin of the keepalives' clock (keepalive.now), set
	// by init before any connection.
	epoch    time.Time
	echo     Handler      // for a nil Handler: one Echo for all connections
	log      *slog.Logger // Logger, or for a nil Logger one that discards
	held     sync.Pool    // buffers of writes held to go out with the next
	deflater *deflater    // compresses echoes by piece (deflate.go)
	refusals rateLog      // warn records of refused origins

	mu       sync.Mutex
	conns    map[*Conn]struct{}
	draining bool
	hard     bool           // Shutdown's ctx has ended: sockets are closed at once
	wg       sync.WaitGroup // connections served, and upgrades in progress
	active   atomic.Int64
	stats    counters
	// inPlace counts the messages echoed in place (inplace.go), for
	// tests.
	inPlace atomic.Int64
	// emptyFrames hold the frame writeThrough has gorilla write, for
	// watchedConn to replace (inplace.go). Each locks a mutex as gorilla
	// looks its frame up, so the connections share several, in turn,
	// rather than one for the whole server on many CPUs.
	emptyFrames [8]*websocket.PreparedMessage
	nextEmpty   atomic.Uint32

	// afterSocketLook, when set (by tests), runs in the keepalive's look
	// for an unread answer right after it has read the socket's count, so
	// a test can make the reader move on at that point.
	afterSocketLook func()
	// beforeLook, when set (by tests), runs at the start of each
	// keepalive look, before it reads the clock: a test that blocks in
	// it holds the looks off while it sets up what a look is to find.
	beforeLook func()
	// grace is listener.ParkGrace, unless a test chose another
	// (grace.go).
	grace time.Duration
	// quickGap is listener.QuickGap, unless a test chose another
	// (Conn.notePace): a test that looks at a busy connection between
	// its messages, by means that take a second or more on a loaded
	// machine, keeps it busy through the look.
	quickGap time.Duration
	// refusedWait is closeWait, the discard's bound in time after a
	// message refused as too big (Conn.finish), unless a test chose
	// another: one whose client must send far past the limit before it
	// reads, at whatever speed a loaded machine allows.
	refusedWait time.Duration
}

// Hooks are optional callbacks on connection events, called from the
// connection's goroutine; they must be fast and safe for concurrent use.
type Hooks struct {
	// Opened is called when the server starts serving a connection.
	Opened func(c *Conn)
	// Closed is called when a connection has ended; c.CloseCode() is the
	// close code sent or received.
	Closed func(c *Conn)
}

// Stats are the server's message counts since it started.
type Stats struct {
	// TextMessages and BinaryMessages count the data messages read
	// whole; TextBytes and BinaryBytes their payload, after
	// decompression.
	TextMessages, TextBytes     int64
	BinaryMessages, BinaryBytes int64
}

// counters are plain atomic adds on the hot path; Stats reads them, at a
// metrics scrape for instance.
type counters struct {
	text, textBytes, binary, binaryBytes atomic.Int64
}

func (k *counters) count(text bool, size int64) {
	if text {
		k.text.Add(1)
		k.textBytes.Add(size)
	} else {
		k.binary.Add(1)
		k.binaryBytes.Add(size)
	}
}

// Stats returns the messages read whole so far, by type, and their bytes.
func (s *Server) Stats() Stats {
	return Stats{
		TextMessages: s.stats.text.Load(), TextBytes: s.stats.textBytes.Load(),
		BinaryMessages: s.stats.binary.Load(), BinaryBytes: s.stats.binaryBytes.Load(),
	}
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.epoch = time.Now()
		for i := range s.emptyFrames {
			// Cannot fail: an empty message, nothing to compress.
			s.emptyFrames[i], _ = websocket.NewPreparedMessage(websocket.BinaryMessage, nil)
		}
		s.upgrader = websocket.Upgrader{
			HandshakeTimeout: writeWait,
			// Pooled write buffers: an idle connection holds none, which
			// matters with thousands of them (gorilla's doc.go, "Buffers").
			// 16 KiB, one TLS record: with 4 KiB a 4 KiB message filled the
			// buffer exactly, went out as an unfinished frame and was
			// followed by an empty final one, two records and two writes.
			WriteBufferPool: &sync.Pool{},
			WriteBufferSize: writeBufferSize,
			// A small read buffer of its own rather than net/http's 4 KiB
			// one: it is held for the connection's life, and a larger
			// frame is read past it, straight from crypto/tls, which has
			// the whole record decrypted already.
			ReadBufferSize:    readBufferSize,
			EnableCompression: s.Compression,
			CheckOrigin:       s.checkOrigin,
			Error:             s.refuse,
		}
		s.held.New = func() any { b := make([]byte, 0, heldSize); return &b }
		s.deflater = newDeflater()
		s.echo = Echo()
		s.log = s.Logger
		if s.log == nil {
			s.log = slog.New(slog.DiscardHandler)
		}
	})
}

// logger is Logger, or a discarding one made once for the server: it is
// asked for on every refusal and connection, where a nil Logger would
// otherwise cost a new one each time.
func (s *Server) logger() *slog.Logger {
	s.init()
	return s.log
}

// MessageLimit is the largest message s accepts, as it holds messages to
// it: MaxMessageBytes, DefaultMaxMessageBytes when that is zero, and at
// most MaxMessageCeiling. What a surface reports as the limit.
func (s *Server) MessageLimit() int64 {
	if s.MaxMessageBytes > 0 {
		return min(s.MaxMessageBytes, MaxMessageCeiling)
	}
	return DefaultMaxMessageBytes
}

// wireLimit is the read limit gorilla holds a message to as it comes on
// the wire: the limit itself, or with compression a little more, as a
// compressed message of the limit's size can take (deflate's block
// headers on data that does not compress). The limit proper is then the
// messageReader's, on what is inflated.
func (s *Server) wireLimit() int64 {
	limit := s.MessageLimit()
	if s.Compression {
		limit += limit/16 + 4<<10
	}
	return limit
}

func (s *Server) pingInterval() time.Duration {
	if s.PingInterval > 0 {
		return s.PingInterval
	}
	return DefaultPingInterval
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return DefaultIdleTimeout
}

// checkOrigin implements the rule in the package documentation.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	for _, allowed := range s.AllowedOrigins {
		if allowed == "*" || allowed == origin {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return equalASCIIFold(u.Host, r.Host)
}

// equalASCIIFold is strings.EqualFold for ASCII letters alone, as gorilla
// compares the hosts. Unicode folding took the Kelvin sign for k and the
// long s for s, so an Origin of https://\u212a.example passed for Host
// k.example: no browser writes a host so, and the rule is the Host's
// own spelling.
func equalASCIIFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Active returns the number of open WebSocket connections.
func (s *Server) Active() int { return int(s.active.Load()) }

// ServeHTTP upgrades the request and serves the connection until it ends.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	// Every refusal names the version this server speaks, as gorilla's
	// own do: the draining 503, a bad fault spec's 400 and a status:
	// fault's answer as well as the handshake's refusals. RFC 6455
	// section 4.4 asks for it with the 426 of a version mismatch only,
	// but a client that reads it to pick a version to retry with then
	// finds the same answer on every refusal of this server, and a
	// status: fault looks like the server's own refusal. The 101 does not
	// carry it: gorilla writes that answer itself, from its own fields.
	w.Header().Set("Sec-WebSocket-Version", "13")
	s.mu.Lock()
	draining := s.draining
	if !draining {
		// Shutdown waits for the upgrade too: its list of connections
		// misses one that Shutdown began during, which is closed here.
		s.wg.Add(1)
	}
	s.mu.Unlock()
	if draining {
		w.Header().Set("Connection", "close")
		http.Error(w, "ws: server is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()

	if status, err := checkHandshake(r, w.Header()); err != nil {
		s.refuse(w, r, status, err)
		return
	}
	if asksUpgrade(r) {
		// Upgrade is a list of protocols, each with an optional version
		// (RFC 9110 section 7.8: "foo/1, websocket"), and RFC 6455
		// section 4.2.1 asks only that it hold "websocket". gorilla gives
		// up on a field at its first element that is not a bare token,
		// and would refuse with 400: it is handed the one it looks for.
		r.Header["Upgrade"] = []string{"websocket"}
	}
	// A browser fails the connection when it asked for subprotocols and the
	// server picked none, so the echo server agrees to the first offered:
	// it speaks every protocol by echoing it.
	var hdr http.Header
	if p := subprotocol(r); p != "" {
		hdr = http.Header{"Sec-Websocket-Protocol": {p}}
	}
	deflate := s.Compression && acceptsDeflate(r.Header.Values("Sec-Websocket-Extensions"))
	if s.Compression {
		// gorilla accepts any offer by its name alone, and only as its own
		// parser reads the field, which gives up on forms the check above
		// takes (an empty list element: ", permessage-deflate"). So it is
		// handed the one offer it answers, or none: the echo compresses
		// exactly when gorilla has said so to the client.
		r.Header.Del("Sec-Websocket-Extensions")
		if deflate {
			r.Header.Set("Sec-Websocket-Extensions", "permessage-deflate")
		}
	}
	var spec *fault.Spec
	var lc *listener.Conn
	if s.Faults != nil {
		var ok bool
		if spec, lc, ok = s.faultSpec(w, r); !ok {
			return
		}
	}
	hj := &hijacker{ResponseWriter: w, pool: &s.held}
	wc, err := s.upgrader.Upgrade(hj, r, hdr)
	if err != nil {
		// Upgrade has answered with an HTTP error through refuse, which
		// logged it (a client that sent bytes before the 101 too:
		// refuseEarly), unless it had taken the connection over already
		// and then failed (writing the 101): then it closed the
		// connection, and only this line can say why. One event, one line.
		if hj.nc != nil {
			s.logger().Debug("websocket upgrade failed", append(peerAttrs(r.RemoteAddr, listener.FromContext(r.Context())), "err", err)...)
		}
		return
	}
	if lc := listener.From(hj.nc.Conn); lc != nil {
		// No HTTP handler runs on this connection any more, so none can
		// show its ClientHello (/info); an idle WebSocket need not keep it.
		lc.ReleaseHello()
	}
	c := newConn(s, wc, hj.nc, r.RemoteAddr)
	// gorilla negotiated compression exactly when deflate is set: it was
	// given the offer then, and none otherwise.
	c.deflate = deflate
	if spec != nil {
		c.startFaults(spec, lc, faultInfo(lc, r))
	}
	if !s.track(c) {
		c.closeUpgradedDraining()
		return
	}
	go c.serve()
}

// hijacker hands gorilla the hijacked connection wrapped in a
// watchedConn, so every byte gorilla reads passes the frame watch.
type hijacker struct {
	http.ResponseWriter
	pool *sync.Pool
	nc   *watchedConn
	// early is the hijacked connection of a client that sent bytes
	// before its 101, for refuse to answer and close.
	early      net.Conn
	earlyBytes int
}

// Hijack takes over the connection.
func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("ws: response does not implement http.Hijacker")
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	if n := brw.Reader.Buffered(); n > 0 {
		// gorilla would close the connection without a word (see
		// earlyBytes): it is answered by refuse instead.
		h.early, h.earlyBytes = nc, n
		return nil, nil, &earlyBytes{n: n}
	}
	h.nc = &watchedConn{Conn: nc, pool: h.pool}
	return h.nc, brw, nil
}
