package rawtls_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// trickleConn is the socket of a client on a slow link: once slow is set,
// each write goes out in pieces of piece bytes, gap apart, so that one
// TLS record takes a while to arrive whole.
type trickleConn struct {
	net.Conn
	piece int
	gap   time.Duration
	mu    sync.Mutex
	slow  bool
	first chan struct{} // closed once the first piece of a slow write is out
	once  sync.Once
}

func (t *trickleConn) Write(p []byte) (int, error) {
	t.mu.Lock()
	slow := t.slow
	t.mu.Unlock()
	if !slow {
		return t.Conn.Write(p)
	}
	n := 0
	for len(p) > 0 {
		k := min(len(p), t.piece)
		m, err := t.Conn.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
		t.once.Do(func() { close(t.first) })
		if len(p) > 0 {
			time.Sleep(t.gap) // the link's pace, not a synchronization
		}
	}
	return n, nil
}

// slowRecord dials ts on a slow link (400-byte pieces 100 ms apart) and,
// after hello is echoed at full speed (when not empty), starts writing a
// 16 KiB record of seed's bytes, one record, which takes about 4 s to
// arrive whole. It returns once the record's first piece is out.
func slowRecord(t *testing.T, ts *testServer, hello string, seed uint64) (c *tls.Conn, msg []byte, wrote <-chan error) {
	t.Helper()
	tr := &trickleConn{piece: 400, gap: 100 * time.Millisecond, first: make(chan struct{})}
	cfg := ts.clientConfig()
	cfg.DynamicRecordSizingDisabled = true // one 16 KiB record, not a first few small ones
	c, err := ts.dialVia(cfg, func(raw net.Conn) net.Conn { tr.Conn = raw; return tr })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if hello != "" {
		if err := echo(c, []byte(hello)); err != nil {
			t.Fatal(err)
		}
	}
	msg = randomBytes(16<<10, seed)
	tr.mu.Lock()
	tr.slow = true
	tr.mu.Unlock()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	w := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		w <- err
	}()
	<-tr.first
	return c, msg, w
}

// TestShutdownDrainsRecordStillArriving has a client on a slow link begin
// a 16 KiB record before Shutdown: its bytes keep coming, a piece every
// 100 ms, for about 4 s, far longer than DrainQuiet. A client whose
// record is still arriving is not quiet, and what it sent before the
// signal must come back whole, then the server's close_notify. The drain
// once counted quiet from the last data crypto/tls returned, not from the
// last byte the client sent, and closed such a client as idle with its
// record cut.
func TestShutdownDrainsRecordStillArriving(t *testing.T) {
	t.Parallel()
	const quiet = 1500 * time.Millisecond
	ts := startServer(t, &rawtls.Server{DrainQuiet: quiet}, certs.Options{})
	c, msg, wrote := slowRecord(t, ts, "hello", 7)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- ts.srv.Shutdown(ctx) }()

	got, err := io.ReadAll(c)
	if !bytes.Equal(got, msg) {
		t.Errorf("echo: %d of the %d bytes of a record begun before Shutdown came back, then %v", len(got), len(msg), err)
	}
	if werr := <-wrote; werr != nil {
		t.Errorf("write of the record: %v", werr)
	}
	if err := <-shut; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown: %v", err)
	}
}
