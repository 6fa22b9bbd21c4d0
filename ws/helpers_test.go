package ws

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/testmain"
	"github.com/tlsecho/tlsecho/listener"
)

// TestMain fails the package when any test leaves a goroutine behind: every
// test shuts its servers down and closes its clients. The parallel tests
// mostly wait on keepalive, idle and throttle timers.
func TestMain(m *testing.M) {
	testmain.Parallel(16)
	goleak.VerifyTestMain(m)
}

// ioWait bounds every blocking read or write a test makes, so a server that
// hangs fails the test instead of stalling it.
const ioWait = 5 * time.Second

// testCert is one certificate for 127.0.0.1, shared by all tests of the
// package; it lives only in memory.
var testCert = sync.OnceValues(func() (*certs.Generated, error) {
	return certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
})

// testServer is a ws.Server mounted at /ws of a real HTTPS server on
// 127.0.0.1:0.
type testServer struct {
	srv       *Server
	hs        *httptest.Server
	addr      string // host:port
	url       string // wss://host:port/ws
	clientTLS *tls.Config
	// query, when set, follows /ws in the requests of dialRaw ("?fault=...").
	query string
	// plain is set for a server without TLS (ws://), as tlsecho's plain
	// HTTP listener serves /ws behind a proxy that ends TLS.
	plain bool
	// rawDialer, when set, dials the TCP connections of dialRaw, as one
	// whose sockets have small buffers (smallReceiveBuffer).
	rawDialer *net.Dialer
}

// startServer serves s over TLS until the test ends; cleanup shuts s down
// first (so its connections end) and then the HTTP server.
func startServer(tb testing.TB, s *Server) *testServer {
	tb.Helper()
	return startServerVia(tb, s, nil)
}

// startServerVia is startServer with each accepted socket wrapped by wrap
// (when not nil) under the listener's Conn, as a socket whose writes a
// test controls.
func startServerVia(tb testing.TB, s *Server, wrap func(net.Conn) net.Conn) *testServer {
	tb.Helper()
	return startServerOn(tb, s, wrap, false)
}

// startServerOn is startServerVia over TLS, or when plain is set over
// plain HTTP through a listener.Listener, as tlsecho's plain HTTP
// listener serves /ws behind a proxy that ends TLS.
func startServerOn(tb testing.TB, s *Server, wrap func(net.Conn) net.Conn, plain bool) *testServer {
	tb.Helper()
	gen, err := testCert()
	if err != nil {
		tb.Fatalf("generate certificate: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", s)
	hs := httptest.NewUnstartedServer(mux)
	if wrap != nil {
		hs.Listener = &wrapListener{Listener: hs.Listener, wrap: wrap}
	}
	// TLS through a listener.Listener, as tlsecho serves it: the
	// connections then carry the listener's Conn, and the echo waits for
	// each next message on the socket (wait.go).
	lo := listener.Options{
		Name:      "https",
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{*gen.Cert}, MinVersion: tls.VersionTLS12},
		Logger:    slog.New(slog.DiscardHandler),
	}
	scheme := "wss://"
	if plain {
		lo.Name, lo.TLSConfig, scheme = "http", nil, "ws://"
	}
	hs.Listener = listener.New(hs.Listener, lo)
	hs.Config.ErrorLog = log.New(io.Discard, "", 0)
	// As tlsecho serves it: a request finds its listener.Conn, and with
	// it the faults armed at accept and the pacing of bw.
	hs.Config.ConnContext = listener.ConnContext
	hs.Start()
	tb.Cleanup(hs.Close)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*ioWait)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			tb.Errorf("shutdown at cleanup: %v", err)
		}
	})
	pool := x509.NewCertPool()
	pool.AddCert(gen.Cert.Leaf)
	addr := hs.Listener.Addr().String()
	return &testServer{
		srv:       s,
		hs:        hs,
		addr:      addr,
		url:       scheme + addr + "/ws",
		clientTLS: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		plain:     plain,
	}
}

// dialer returns a gorilla client that trusts the test certificate.
func (ts *testServer) dialer() *websocket.Dialer {
	return &websocket.Dialer{TLSClientConfig: ts.clientTLS.Clone(), HandshakeTimeout: ioWait}
}

// dial connects a gorilla client and closes it when the test ends.
func (ts *testServer) dial(tb testing.TB, d *websocket.Dialer, h http.Header) (*websocket.Conn, *http.Response) {
	tb.Helper()
	if d == nil {
		d = ts.dialer()
	}
	c, resp, err := d.Dial(ts.url, h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		tb.Fatalf("dial %s: %v (HTTP status %d)", ts.url, err, status)
	}
	tb.Cleanup(func() { c.Close() })
	return c, resp
}

// messageWait is the deadline for writing, or reading back, a message of
// n bytes: ioWait, or four times that from 64 KiB, since masking,
// validating, deflating and copying a megabyte under -race takes a second
// of CPU alone, and a loaded two-core machine running the package's other
// tests beside it once took more than ioWait. It only keeps a broken
// server from hanging a test.
func messageWait(n int) time.Duration {
	if n >= 64<<10 {
		return 4 * ioWait
	}
	return ioWait
}

// echo sends one message with a gorilla client and returns the answer.
func echo(tb testing.TB, c *websocket.Conn, mt int, msg []byte) (int, []byte) {
	tb.Helper()
	c.SetWriteDeadline(time.Now().Add(messageWait(len(msg))))
	if err := c.WriteMessage(mt, msg); err != nil {
		tb.Fatalf("write %d bytes: %v", len(msg), err)
	}
	c.SetReadDeadline(time.Now().Add(messageWait(len(msg))))
	gotType, got, err := c.ReadMessage()
	if err != nil {
		tb.Fatalf("read echo of %d bytes: %v", len(msg), err)
	}
	return gotType, got
}

// wantCloseError checks that err is the close frame the server sent.
func wantCloseError(t *testing.T, err error, code int) *websocket.CloseError {
	t.Helper()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("got error %v, want close %d", err, code)
	}
	if ce.Code != code {
		t.Fatalf("got close %d %q, want close %d", ce.Code, ce.Text, code)
	}
	return ce
}

// Opcodes and header bits of RFC 6455 section 5.2, for raw frames.
const (
	opCont   = 0x0
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA

	rsv1 = 0x40
	rsv2 = 0x20
	rsv3 = 0x10
)

// frame is one WebSocket frame as written or read by rawConn.
type frame struct {
	fin     bool
	rsv     byte // any of rsv1, rsv2, rsv3
	op      byte
	payload []byte
	// unmasked sends a client frame without a mask, which the server must
	// refuse (section 5.1).
	unmasked bool
}

func (f frame) String() string {
	return fmt.Sprintf("frame{fin=%v rsv=%#x op=%#x len=%d}", f.fin, f.rsv, f.op, len(f.payload))
}

// encode lays f out as on the wire; client frames are masked unless f says
// otherwise.
func (f frame) encode() []byte {
	b0 := f.op | f.rsv
	if f.fin {
		b0 |= 0x80
	}
	var maskBit byte = 0x80
	if f.unmasked {
		maskBit = 0
	}
	buf := []byte{b0}
	switch n := len(f.payload); {
	case n < 126:
		buf = append(buf, maskBit|byte(n))
	case n <= 0xFFFF:
		buf = append(buf, maskBit|126)
		buf = binary.BigEndian.AppendUint16(buf, uint16(n))
	default:
		buf = append(buf, maskBit|127)
		buf = binary.BigEndian.AppendUint64(buf, uint64(n))
	}
	if f.unmasked {
		return append(buf, f.payload...)
	}
	var key [4]byte
	rand.Read(key[:])
	buf = append(buf, key[:]...)
	for i, b := range f.payload {
		buf = append(buf, b^key[i%4])
	}
	return buf
}

// closePayload is the body of a close frame with a status code.
func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// rawConn is a WebSocket client written by hand over crypto/tls (or
// plain TCP, for a plain server), so tests can send frames that no
// library would produce.
type rawConn struct {
	tb   testing.TB
	conn net.Conn
	br   *bufio.Reader
	// wait, when set, bounds each write and each frame's read instead
	// of ioWait: a large message's frames may come only once the server
	// has worked through most of it (see messageWait).
	wait time.Duration
}

// websocketGUID is the constant of RFC 6455 section 1.3.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// dialRaw does the opening handshake by hand; extra headers are added to
// the request. The handshake must succeed.
func (ts *testServer) dialRaw(tb testing.TB, extra http.Header) (*rawConn, *http.Response) {
	tb.Helper()
	return ts.dialRawVia(tb, extra, nil)
}

// dialRawVia is dialRaw with the TCP connection wrapped by wrap (when not
// nil) under TLS, to look at the bytes on the wire.
func (ts *testServer) dialRawVia(tb testing.TB, extra http.Header, wrap func(net.Conn) net.Conn) (*rawConn, *http.Response) {
	tb.Helper()
	cfg := ts.clientTLS.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	cfg.ServerName, _, _ = net.SplitHostPort(ts.addr)
	d := ts.rawDialer
	if d == nil {
		d = &net.Dialer{Timeout: ioWait}
	}
	tcp, err := d.Dial("tcp", ts.addr)
	if err != nil {
		tb.Fatalf("dial %s: %v", ts.addr, err)
	}
	if wrap != nil {
		tcp = wrap(tcp)
	}
	conn := tcp
	tb.Cleanup(func() { conn.Close() })
	if !ts.plain {
		tc := tls.Client(tcp, cfg)
		conn = tc
		ctx, cancel := context.WithTimeout(context.Background(), ioWait)
		defer cancel()
		if err := tc.HandshakeContext(ctx); err != nil {
			tb.Fatalf("tls handshake with %s: %v", ts.addr, err)
		}
	}

	keyBytes := make([]byte, 16)
	rand.Read(keyBytes)
	key := base64.StdEncoding.EncodeToString(keyBytes)
	var req strings.Builder
	fmt.Fprintf(&req, "GET /ws%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", ts.query, ts.addr)
	fmt.Fprintf(&req, "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", key)
	for k, vs := range extra {
		for _, v := range vs {
			fmt.Fprintf(&req, "%s: %s\r\n", k, v)
		}
	}
	req.WriteString("\r\n")
	conn.SetDeadline(time.Now().Add(ioWait))
	if _, err := io.WriteString(conn, req.String()); err != nil {
		tb.Fatalf("write upgrade request: %v", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		tb.Fatalf("read upgrade response: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		tb.Fatalf("upgrade answered %s, want 101", resp.Status)
	}
	sum := sha1.Sum([]byte(key + websocketGUID))
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		tb.Fatalf("Sec-WebSocket-Accept %q, want %q", got, want)
	}
	conn.SetDeadline(time.Time{})
	return &rawConn{tb: tb, conn: conn, br: br}, resp
}

// write sends frames, all in one TLS write so the server reads them whole:
// a server closing with unread bytes in its socket would reset the
// connection and the close frame could be lost.
func (rc *rawConn) write(frames ...frame) {
	rc.tb.Helper()
	var buf []byte
	for _, f := range frames {
		buf = append(buf, f.encode()...)
	}
	rc.conn.SetWriteDeadline(time.Now().Add(cmp.Or(rc.wait, ioWait)))
	if _, err := rc.conn.Write(buf); err != nil {
		rc.tb.Fatalf("write %v: %v", frames, err)
	}
}

// readFrame reads one frame from the server, which must not mask it.
func (rc *rawConn) readFrame() (frame, error) {
	rc.conn.SetReadDeadline(time.Now().Add(cmp.Or(rc.wait, ioWait)))
	var hdr [2]byte
	if _, err := io.ReadFull(rc.br, hdr[:]); err != nil {
		return frame{}, err
	}
	f := frame{fin: hdr[0]&0x80 != 0, rsv: hdr[0] & 0x70, op: hdr[0] & 0x0F}
	if hdr[1]&0x80 != 0 {
		return f, errors.New("server frame is masked")
	}
	n := uint64(hdr[1] & 0x7F)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(rc.br, ext[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(rc.br, ext[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if n > 16<<20 {
		return f, fmt.Errorf("frame of %d bytes", n)
	}
	f.payload = make([]byte, n)
	_, err := io.ReadFull(rc.br, f.payload)
	return f, err
}

// mustFrame reads one frame and fails the test on error.
func (rc *rawConn) mustFrame() frame {
	rc.tb.Helper()
	f, err := rc.readFrame()
	if err != nil {
		rc.tb.Fatalf("read frame: %v", err)
	}
	return f
}

// readMessage reads data frames up to the final one and returns the
// message; control frames in between fail the test.
func (rc *rawConn) readMessage() (op byte, rsv byte, msg []byte) {
	rc.tb.Helper()
	first := rc.mustFrame()
	if first.op != opText && first.op != opBinary {
		rc.tb.Fatalf("got %v (payload %q), want a data frame", first, first.payload)
	}
	msg = first.payload
	for f := first; !f.fin; {
		f = rc.mustFrame()
		if f.op != opCont {
			rc.tb.Fatalf("got %v inside a message, want continuation", f)
		}
		msg = append(msg, f.payload...)
	}
	return first.op, first.rsv, msg
}

// readEcho reads one message from rc past the server's pings, which it
// answers when answer is set, and returns its payload; a frame other than
// a ping or a message's fails the test, and a read that fails returns its
// error.
func (rc *rawConn) readEcho(answer bool) ([]byte, error) {
	rc.tb.Helper()
	var msg []byte
	for {
		f, err := rc.readFrame()
		if err != nil {
			return msg, err
		}
		switch {
		case f.op == opPing:
			if answer {
				rc.write(frame{fin: true, op: opPong, payload: f.payload})
			}
			continue
		case f.op != opText && f.op != opBinary && f.op != opCont:
			rc.tb.Fatalf("got %v (payload %.40q), want the echo", f, f.payload)
		}
		msg = append(msg, f.payload...)
		if f.fin {
			return msg, nil
		}
	}
}

// mustEcho is readEcho, the test failing if a read does.
func (rc *rawConn) mustEcho(answer bool) []byte {
	rc.tb.Helper()
	msg, err := rc.readEcho(answer)
	if err != nil {
		rc.tb.Fatalf("read frame: %v", err)
	}
	return msg
}

// readClose skips data frames until the server's close frame and returns
// its code (1005 when it has no body) and reason.
func (rc *rawConn) readClose() (code int, reason string) {
	rc.tb.Helper()
	for {
		f := rc.mustFrame()
		if f.op != opClose {
			continue
		}
		if !f.fin || f.rsv != 0 {
			rc.tb.Fatalf("malformed close %v", f)
		}
		switch len(f.payload) {
		case 0:
			return websocket.CloseNoStatusReceived, ""
		case 1:
			rc.tb.Fatalf("close frame with a 1-byte body")
		}
		return int(binary.BigEndian.Uint16(f.payload)), string(f.payload[2:])
	}
}

// expectEchoOrClose sends the frames of one message and checks the
// answer: a close with code when code is not 0 (it then reports true),
// else the message reassembled and echoed with the first frame's opcode.
func (rc *rawConn) expectEchoOrClose(frames []frame, code int) (closed bool) {
	rc.tb.Helper()
	rc.write(frames...)
	if code != 0 {
		rc.expectClose(code)
		return true
	}
	var want []byte
	for _, f := range frames {
		want = append(want, f.payload...)
	}
	op, _, got := rc.readMessage()
	if op != frames[0].op || !bytes.Equal(got, want) {
		rc.tb.Fatalf("echo op %#x, %d bytes %.64q; want op %#x, %d bytes %.64q", op, len(got), got, frames[0].op, len(want), want)
	}
	return false
}

// expectClose reads up to the server's close, checks its code, answers it
// as a client should, and checks that the server then ends the
// connection.
func (rc *rawConn) expectClose(code int) {
	rc.tb.Helper()
	got, reason := rc.readClose()
	if got != code {
		rc.tb.Fatalf("server closed with %d %q, want %d", got, reason, code)
	}
	// The server may already have closed the socket (after a protocol
	// error it does not wait), so a failed write is fine here.
	rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
	rc.conn.Write(frame{fin: true, op: opClose, payload: closePayload(code, "")}.encode())
	rc.expectEnd()
}

// expectEnd checks that the server closes the connection, sending nothing
// more than control frames.
func (rc *rawConn) expectEnd() { rc.tb.Helper(); rc.endsWith(false) }

// expectEOF checks that the server ends the connection in order, after
// nothing but control frames: the stream ends (io.EOF), not with a reset
// or a timeout.
func (rc *rawConn) expectEOF() { rc.tb.Helper(); rc.endsWith(true) }

// endsWith reads control frames until the connection ends, which must not
// be a timeout, nor anything but io.EOF when eof is set.
func (rc *rawConn) endsWith(eof bool) {
	rc.tb.Helper()
	for {
		f, err := rc.readFrame()
		if err == nil {
			if f.op < opClose {
				rc.tb.Fatalf("got %v after the close", f)
			}
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			rc.tb.Fatalf("server kept the connection open: %v", err)
		}
		if eof && (!errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
			rc.tb.Fatalf("connection ended with %v, want EOF", err)
		}
		return
	}
}

// timeIn is the deadline d from now.
func timeIn(d time.Duration) time.Time { return time.Now().Add(d) }

// startFunc starts a test server for s on one transport, with each
// accepted socket wrapped by wrap when it is not nil.
type startFunc func(tb testing.TB, s *Server, wrap func(net.Conn) net.Conn) *testServer

// eachTransport runs test, in parallel subtests, against a server over
// TLS (wss://, the HTTPS port) and one over plain HTTP (ws://, the plain
// HTTP listener behind a proxy that ends TLS): every bound /ws holds
// must hold on both, though only TLS waits for the next message on the
// socket (wait.go) and closes with a close_notify.
func eachTransport(t *testing.T, test func(t *testing.T, serve startFunc)) {
	runTransports(t, true, test)
}

// eachTransportInTurn is eachTransport for a test that measures the
// process (its heap): one transport after the other, neither beside
// another test.
func eachTransportInTurn(t *testing.T, test func(t *testing.T, serve startFunc)) {
	runTransports(t, false, test)
}

func runTransports(t *testing.T, parallel bool, test func(t *testing.T, serve startFunc)) {
	for _, tr := range []struct {
		name  string
		plain bool
	}{{"wss", false}, {"ws", true}} {
		t.Run(tr.name, func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			test(t, func(tb testing.TB, s *Server, wrap func(net.Conn) net.Conn) *testServer {
				tb.Helper()
				return startServerOn(tb, s, wrap, tr.plain)
			})
		})
	}
}

// dialConn opens a connection to the server as a browser would, TLS
// handshake done for a TLS server, for a test that writes the HTTP
// request itself.
func (ts *testServer) dialConn(tb testing.TB) net.Conn {
	tb.Helper()
	if ts.plain {
		c, err := net.DialTimeout("tcp", ts.addr, ioWait)
		if err != nil {
			tb.Fatal(err)
		}
		return c
	}
	cfg := ts.clientTLS.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	cfg.ServerName, _, _ = net.SplitHostPort(ts.addr)
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", ts.addr, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// framesUntilEnd reads rc's frames, discarding them, on a goroutine of
// its own, and sends the read's error once the connection ends (or a read
// outlasts rc's bound).
func (rc *rawConn) framesUntilEnd() <-chan error {
	ended := make(chan error, 1)
	go func() {
		for {
			if _, err := rc.readFrame(); err != nil {
				ended <- err
				return
			}
		}
	}()
	return ended
}
