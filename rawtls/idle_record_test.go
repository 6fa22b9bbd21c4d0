package rawtls_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestIdleSparesRecordStillArriving has a client on a slow link send one
// 16 KiB record over about four IdleTimeouts, a piece every 100 ms: the
// connection has traffic all along and must not be closed as idle; the
// record must come back whole.
func TestIdleSparesRecordStillArriving(t *testing.T) {
	t.Parallel()
	const idle = time.Second
	ts := startServer(t, &rawtls.Server{IdleTimeout: idle}, certs.Options{})
	c, msg, wrote := slowRecord(t, ts, "", 9)
	got := make([]byte, len(msg))
	n, err := io.ReadFull(c, got)
	if err != nil || !bytes.Equal(got, msg) {
		t.Errorf("echo: %d of the %d bytes of a record still arriving came back, then %v", n, len(msg), err)
	}
	if werr := <-wrote; werr != nil {
		t.Errorf("write of the record: %v", werr)
	}
}

// TestIdleClosesRecordStalled has a client send the start of a record and
// then nothing: bytes that stopped are no traffic, and the connection is
// closed as idle (within twice IdleTimeout of the last byte: the watch
// learns of bytes when it fires).
func TestIdleClosesRecordStalled(t *testing.T) {
	t.Parallel()
	const idle = 500 * time.Millisecond
	ts := startServer(t, &rawtls.Server{IdleTimeout: idle}, certs.Options{})
	c := ts.mustDial(t, ts.clientConfig())
	if err := echo(c, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	// An application data record of 16 KiB, of which 100 bytes come.
	part := append([]byte{23, 3, 3, 0x40, 0x00}, make([]byte, 100)...)
	if _, err := c.tcp.Write(part); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c.tcp.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := io.Copy(io.Discard, c.tcp); err != nil && !isClosed(err) {
		t.Fatalf("the connection with a stalled record was not closed within %v: %v", ioTimeout, err)
	}
	t.Logf("closed %v after the stalled record's last byte", time.Since(start).Round(time.Millisecond))
	waitFor(t, ioTimeout, "the connection to end", func() bool { return ts.srv.Active() == 0 })
}
