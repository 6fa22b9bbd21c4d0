package rawtls_test

import (
	"bytes"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/rawtls"
)

// countConn tells, by closing reached, when at least n bytes have been
// read from the network (n set before the reads it is to see), and keeps
// them (wireConn's copy).
type countConn struct {
	*wireConn
	n       atomic.Int64
	once    sync.Once
	reached chan struct{}
}

func (c *countConn) Read(p []byte) (int, error) {
	k, err := c.wireConn.Read(p)
	c.mu.Lock()
	got := c.buf.Len()
	c.mu.Unlock()
	if n := c.n.Load(); n > 0 && int64(got) >= n {
		c.once.Do(func() { close(c.reached) })
	}
	return k, err
}

func (c *countConn) wireLen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Len()
}

// TestTimedClosePacedEchoEndsWithCloseNotify: under bw, close@2s that
// fires while a paced record is being written waits for that record, and
// then ends the connection with close_notify. Bytes the client sends after
// the close has fired are not echoed behind the record. Both failed: the
// echo read the late byte and wrote its echo before the close took its
// turn, and then half-closed the socket while the close_notify still
// waited in the pacer, so the client saw a bare FIN.
//
// The times follow from the pacer, which sends no piece early: the first
// message's record (1,208 bytes on the wire: crypto/tls's first record
// after the handshake holds at most 1,186) arrives no sooner than 1.18 s
// after it was sent; the second message, one record of 2,022 bytes, then
// takes two pieces a second apart, so its write starts before the close's
// time and ends at least a second after it.
func TestTimedClosePacedEchoEndsWithCloseNotify(t *testing.T) {
	t.Parallel()
	ts, ended := startFaultServer(t, "bw:1KiB,close@2s")
	cc := &countConn{reached: make(chan struct{})}
	c, err := ts.dialVia(ts.clientConfig(), func(raw net.Conn) net.Conn {
		cc.wireConn = &wireConn{Conn: raw}
		return cc
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(6*time.Second + cutBound + ioTimeout))
	first := randomBytes(1000, 21)
	if err := echo(c, first); err != nil {
		t.Fatal(err)
	}
	second := randomBytes(2000, 22)
	cc.n.Store(int64(cc.wireLen() + 5 + 1024))
	if _, err := c.Write(second); err != nil {
		t.Fatal(err)
	}
	type result struct {
		got []byte
		err error
	}
	read := make(chan result, 1)
	go func() {
		got, err := io.ReadAll(c)
		read <- result{got, err}
	}()
	select {
	case <-cc.reached:
	case r := <-read:
		t.Fatalf("the echo ended before the first piece of its second record: %d bytes, %v", len(r.got), r.err)
	}
	// The close has fired (its time is past) and waits for the record in
	// progress.
	if _, err := c.Write([]byte("!")); err != nil {
		t.Fatal(err)
	}
	r := <-read
	if r.err != nil || !bytes.Equal(r.got, second) {
		t.Fatalf("read %d bytes (the echo is %d; late byte echoed: %v), then %v; want the record whole, then the end",
			len(r.got), len(second), len(r.got) > len(second), r.err)
	}
	if err := cc.endsWithCloseNotify(c.ConnectionState().Version); err != nil {
		t.Errorf("the connection did not end with close_notify: %v", err)
	}
	c.Close()
	select {
	case reason := <-ended:
		if reason != rawtls.EndFault {
			t.Errorf("end reason %v, want %v", reason, rawtls.EndFault)
		}
	case <-time.After(ioTimeout):
		t.Error("the connection did not end after the close")
	}
}
