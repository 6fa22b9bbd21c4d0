package listener_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// TestCaptureHello: with CaptureHello, each handshake's hook and log line
// see what the client offered, the failed ones too, and the handshake is
// the one the client would have had anyway. Without KeepHello the
// accepted connection no longer carries the hello.
func TestCaptureHello(t *testing.T) {
	t.Parallel()
	var logs testlog.Buffer
	hellos := make(chan *tlsinfo.ClientHello, 10)
	l := listen(t, tlsOptions(t, listener.Options{
		Name:         "tls",
		CaptureHello: true,
		Logger:       slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Hooks: &listener.Hooks{Handshake: func(c *listener.Conn, h listener.Handshake) {
			hellos <- c.Hello
		}},
	}))
	got := acceptAll(t, l)

	cfg := clientConfig(t)
	cfg.NextProtos = []string{"h2", "http/1.1"}
	c, err := dialTLS(t, l.Addr().String(), cfg)
	if err != nil {
		t.Fatalf("handshake through the capture: %v", err)
	}
	if a := next(t, got); a.err != nil || listener.From(a.c).Hello != nil {
		t.Fatalf("Accept: %v; want a Conn whose hello is released", a.err)
	}
	hello := <-hellos
	ja4 := hello.JA4()
	if !strings.HasPrefix(ja4, "t13i") || ja4[8:10] != "h2" {
		t.Errorf("JA4 %s, want t13i...h2 (Go sends no SNI for an IP address)", ja4)
	}
	var rec map[string]any
	waitFor(t, ioTimeout, "the handshake record", func() bool {
		rec = findRecord(t, logs.String(), "handshake", c.LocalAddr().String())
		return rec != nil
	})
	if rec["ja4"] != ja4 {
		t.Errorf("log ja4 %v, want %s", rec["ja4"], ja4)
	}

	// A client offering only TLS 1.0 fails, and its hello is there.
	old := clientConfig(t)
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS10
	if _, err := dialTLS(t, l.Addr().String(), old); err == nil {
		t.Fatal("a TLS 1.0 client got through")
	}
	hello = <-hellos
	if hello == nil || hello.LegacyVersion != tls.VersionTLS10 || !strings.HasPrefix(hello.JA4(), "t10") {
		t.Errorf("failed handshake's hello: %+v", hello)
	}

	// Plain text is no hello; crypto/tls still reads it and fails.
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte("hello?\n"))
	if hello = <-hellos; hello != nil {
		t.Errorf("plain text gave a hello: %+v", hello)
	}
}

// TestKeepHello: with KeepHello the accepted connection keeps its hello,
// for handlers that show it, until ReleaseHello.
func TestKeepHello(t *testing.T) {
	t.Parallel()
	l := listen(t, tlsOptions(t, listener.Options{Name: "https", CaptureHello: true, KeepHello: true}))
	got := acceptAll(t, l)
	if _, err := dialTLS(t, l.Addr().String(), clientConfig(t)); err != nil {
		t.Fatal(err)
	}
	a := next(t, got)
	if a.err != nil {
		t.Fatal(a.err)
	}
	lc := listener.From(a.c)
	if lc.Hello == nil || !strings.HasPrefix(lc.Hello.JA4(), "t13") {
		t.Fatalf("accepted conn's hello: %+v; want the client's", lc.Hello)
	}
	lc.ReleaseHello()
	if lc.Hello != nil {
		t.Error("ReleaseHello left the hello")
	}
}

// BenchmarkHandshakeCapture measures full TLS 1.3 handshakes (ECDSA P-256,
// X25519MLKEM768) through a listener with CaptureHello off and on, side by
// side; compare the two ns/op.
func BenchmarkHandshakeCapture(b *testing.B) {
	for _, capture := range []bool{false, true} {
		name := "off"
		if capture {
			name = "on"
		}
		b.Run("capture="+name, func(b *testing.B) {
			l := listen(b, tlsOptions(b, listener.Options{Name: "tls", CaptureHello: capture}))
			got := acceptAll(b, l)
			cfg := clientConfig(b)
			cfg.ClientSessionCache = nil // full handshakes only
			b.ResetTimer()
			for range b.N {
				nc, err := net.Dial("tcp", l.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				tc := tls.Client(nc, cfg)
				tc.SetDeadline(time.Now().Add(ioTimeout))
				if err := tc.Handshake(); err != nil {
					b.Fatal(err)
				}
				a := next(b, got)
				if a.err != nil {
					b.Fatal(a.err)
				}
				a.c.Close()
				tc.Close()
			}
		})
	}
}

// TestCaptureHelloBehindProxy: the hello is read after the PROXY header,
// so it is found whole and the connection's Peer is the client the
// header names.
func TestCaptureHelloBehindProxy(t *testing.T) {
	t.Parallel()
	p, err := listener.NewProxy(listener.ProxyOptions{Require: true})
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		peer  net.Addr
		hello *tlsinfo.ClientHello
	}
	conns := make(chan seen, 1)
	l := listen(t, tlsOptions(t, listener.Options{
		Name: "tls", CaptureHello: true, Proxy: p,
		Hooks: &listener.Hooks{Handshake: func(c *listener.Conn, h listener.Handshake) { conns <- seen{c.Peer, c.Hello} }},
	}))
	got := acceptAll(t, l)
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// 192.0.2.0/24 is documentation space: it is only named, never dialled.
	if _, err := nc.Write([]byte("PROXY TCP4 192.0.2.7 127.0.0.1 40000 443\r\n")); err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(nc, clientConfig(t))
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake behind a PROXY header: %v", err)
	}
	if a := next(t, got); a.err != nil {
		t.Fatal(a.err)
	}
	c := <-conns
	if c.peer.String() != "192.0.2.7:40000" || c.hello == nil || !strings.HasPrefix(c.hello.JA4(), "t13") {
		t.Errorf("peer %v, hello %+v", c.peer, c.hello)
	}
}

// TestHandshakeTookCountsTheClientHello: reading the ClientHello is part
// of the handshake, as it is inside crypto/tls's Handshake when nothing
// captures it. A client that opens TCP and says nothing is dropped at
// HandshakeTimeout, and its outcome and log line say the handshake took
// that long, not the instant crypto/tls needed to fail on the closed read.
func TestHandshakeTookCountsTheClientHello(t *testing.T) {
	t.Parallel()
	const timeout = 400 * time.Millisecond
	var logs testlog.Buffer
	outcomes := make(chan listener.Handshake, 1)
	l := listen(t, tlsOptions(t, listener.Options{
		Name: "tls", CaptureHello: true, HandshakeTimeout: timeout,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Hooks:  &listener.Hooks{Handshake: func(_ *listener.Conn, h listener.Handshake) { outcomes <- h }},
	}))
	acceptAll(t, l)
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var h listener.Handshake
	select {
	case h = <-outcomes:
	case <-time.After(ioTimeout):
		t.Fatal("no outcome for a silent client")
	}
	// The clock starts a little after accept, where the deadline is set
	// from, so the wait seen can be a hair short of the timeout; half of
	// it is far above the microseconds a failing Handshake takes alone.
	if h.Err == nil || h.Took < timeout/2 {
		t.Errorf("outcome err %v, took %v; want a failure that took about %v", h.Err, h.Took, timeout)
	}
	var rec map[string]any
	waitFor(t, ioTimeout, "the failure record", func() bool {
		rec = findRecord(t, logs.String(), "handshake failed", nc.LocalAddr().String())
		return rec != nil
	})
	if took, ok := rec["took"].(float64); !ok || time.Duration(took) < timeout/2 {
		t.Errorf("log took %v, want about %v", rec["took"], timeout)
	}
}

// TestCaptureHelloOddRecords: a hello behind a warning alert, which
// crypto/tls passes over, is captured; one spread over more records than
// the capture reads (a byte a record) is not, and neither that nor
// anything else in it takes the listener down.
func TestCaptureHelloOddRecords(t *testing.T) {
	t.Parallel()
	hellos := make(chan *tlsinfo.ClientHello, 10)
	l := listen(t, tlsOptions(t, listener.Options{
		Name: "tls", CaptureHello: true,
		Hooks: &listener.Hooks{Handshake: func(c *listener.Conn, h listener.Handshake) { hellos <- c.Hello }},
	}))
	got := acceptAll(t, l)

	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte{21, 3, 1, 0, 2, 1, 90}) // warning: user_canceled
	tc := tls.Client(nc, clientConfig(t))
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake after a warning alert: %v", err)
	}
	next(t, got)
	if h := <-hellos; h == nil || !strings.HasPrefix(h.JA4(), "t13") {
		t.Errorf("hello behind a warning alert: %+v", h)
	}

	// A ClientHello of 60,000 bytes, a byte a record: 360 KB of records,
	// all at once. crypto/tls reads it all, and refuses what it says.
	var b []byte
	for _, x := range append([]byte{1, 0, 0xea, 0x60}, make([]byte, 60000)...) {
		b = append(b, 22, 3, 1, 0, 1, x)
	}
	thin, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer thin.Close()
	go thin.Write(b)
	if h := <-hellos; h != nil {
		t.Errorf("a hello of a byte a record was captured: %+v", h)
	}
	// The server answers with an alert, and closes.
	thin.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := io.Copy(io.Discard, thin); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Error("the connection stayed open")
	}

	// The listener still serves.
	if _, err := dialTLS(t, l.Addr().String(), clientConfig(t)); err != nil {
		t.Fatalf("handshake after the odd records: %v", err)
	}
	next(t, got)
}

// thinHello is a client connection that sends its ClientHello in
// handshake records of size bytes each: a hello as TLS lets a client cut
// it, in more records than the capture reads. The records after the hello
// go as they are (encrypted ones cannot be cut). It counts the hello's
// bytes on the wire.
type thinHello struct {
	net.Conn
	size    int
	left    int // bytes of the hello message still to cut; -1 before it
	written int // bytes of the hello's records written
}

func (c *thinHello) Write(p []byte) (int, error) {
	// crypto/tls writes whole records, one or more to a Write.
	var out []byte
	for rec := p; len(rec) >= 5; {
		n := 5 + (int(rec[3])<<8 | int(rec[4]))
		payload := rec[5:n]
		if rec[0] != 22 || c.left == 0 {
			out = append(out, rec[:n]...)
			rec = rec[n:]
			continue
		}
		if c.left < 0 {
			c.left = 4 + (int(payload[1])<<16 | int(payload[2])<<8 | int(payload[3]))
		}
		for len(payload) > 0 {
			k := min(c.size, len(payload))
			out = append(out, 22, rec[1], rec[2], byte(k>>8), byte(k))
			out = append(out, payload[:k]...)
			c.written += 5 + k
			payload = payload[k:]
		}
		c.left -= n - 5
		rec = rec[n:]
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// TestCaptureHelloTooThin: a hello crypto/tls takes, but in records so
// small that they run past tlsinfo.MaxHelloBytes before it ends (Go's own,
// with long ALPN names, in records of 2 bytes), is not captured; the
// bytes read are put back, crypto/tls reads them and the rest, and the
// handshake succeeds as it would have without the capture. The
// connection says why it has no hello, and so does the outcome /hellos
// shows.
func TestCaptureHelloTooThin(t *testing.T) {
	t.Parallel()
	// As /hellos keeps it: the hello is released once the hook returns.
	handshakes := make(chan tlsinfo.Record, 1)
	l := listen(t, tlsOptions(t, listener.Options{
		Name: "tls", CaptureHello: true,
		Hooks: &listener.Hooks{Handshake: func(c *listener.Conn, hs listener.Handshake) {
			handshakes <- tlsinfo.Record{Listener: c.Listener, Err: hs.Err, Hello: c.Hello, HelloTooThin: c.HelloTooThin}
		}},
	}))
	got := acceptAll(t, l)

	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	thin := &thinHello{Conn: nc, size: 2, left: -1}
	cfg := clientConfig(t)
	for i := range 90 {
		cfg.NextProtos = append(cfg.NextProtos, fmt.Sprintf("%0250d", i))
	}
	tc := tls.Client(thin, cfg)
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake with a hello in records of 2 bytes: %v", err)
	}
	// Over the capture's bound, well within what it read before (128 KiB).
	if thin.written <= tlsinfo.MaxHelloBytes {
		t.Fatalf("the hello took %d bytes of records, not more than %d", thin.written, tlsinfo.MaxHelloBytes)
	}
	t.Logf("the hello took %d bytes of records", thin.written)
	a := next(t, got)
	if a.err != nil {
		t.Fatal(a.err)
	}
	defer a.c.Close()
	rec := <-handshakes
	if rec.Err != nil || rec.Hello != nil || !rec.HelloTooThin {
		t.Fatalf("hello of %d bytes in records of 2: handshake err %v, hello captured %v, HelloTooThin %v; want a handshake, no hello, too thin",
			thin.written, rec.Err, rec.Hello != nil, rec.HelloTooThin)
	}
	if out := rec.Outcome(); !strings.HasPrefix(out, "ok; ") || !strings.Contains(out, "not described") {
		t.Errorf("outcome %q, want ok and that the hello is not described", out)
	}
}
