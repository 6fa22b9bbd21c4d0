package rawtls_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// batchConn, while holding, keeps the writes after the first `pass` and
// sends them all in one write on flush: TLS records that reach the server
// in one TCP segment.
type batchConn struct {
	net.Conn
	mu      sync.Mutex
	holding bool
	pass    int
	held    bytes.Buffer
}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.holding || b.pass > 0 {
		b.pass--
		return b.Conn.Write(p)
	}
	return b.held.Write(p)
}

// hold starts holding the writes after the next pass.
func (b *batchConn) hold(pass int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.holding, b.pass = true, pass
}

// flush sends what was held in one write and stops holding.
func (b *batchConn) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, err := b.Conn.Write(b.held.Bytes())
	b.held.Reset()
	b.holding = false
	return err
}

// TestEchoInputWithHandshakeEnd: data that reaches the server in the same
// segment as the client's Finished is held by crypto/tls when the
// handshake ends; the echo takes it without waiting for more from the
// socket, which has nothing more to give.
func TestEchoInputWithHandshakeEnd(t *testing.T) {
	ts := startServer(t, &rawtls.Server{}, certs.Options{})
	raw, err := net.DialTimeout("tcp", ts.addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	// The ClientHello goes out; the client's second flight (its Finished)
	// is held and sent together with the first data.
	bc := &batchConn{Conn: raw}
	bc.hold(1)
	c := tls.Client(bc, ts.clientConfig())
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioTimeout))
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if err := c.HandshakeContext(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("with the Finished")); err != nil {
		t.Fatal(err)
	}
	if err := bc.flush(); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len("with the Finished"))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "with the Finished" {
		t.Fatalf("echo %q, %v", got, err)
	}
}

// TestEchoRecordsInOneSegment: several records that arrive in one segment
// are all echoed, each taken from crypto/tls without waiting on the
// socket; so are messages sent one at a time afterwards.
func TestEchoRecordsInOneSegment(t *testing.T) {
	ts := startServer(t, &rawtls.Server{}, certs.Options{})
	var bc *batchConn
	c := ts.mustDialVia(t, func(raw net.Conn) net.Conn {
		bc = &batchConn{Conn: raw}
		return bc
	})
	if err := echo(c, []byte("first")); err != nil {
		t.Fatal(err)
	}
	bc.hold(0)
	var want []byte
	for i, size := range []int{1, 100, 5000, 16 << 10, 3} {
		msg := randomBytes(size, uint64(i))
		want = append(want, msg...)
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	if err := bc.flush(); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("echo of the batch: %v, first difference at %d", err, firstDiff(got, want))
	}
	for _, size := range []int{7, 4096} {
		if err := echo(c, randomBytes(size, 99)); err != nil {
			t.Fatalf("echo of %d bytes after the batch: %v", size, err)
		}
	}
}
