package rawtls_test

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestIdleSparesRecordStillArriving has a client on a slow link send one
// 16 KiB record over about two IdleTimeouts, a piece every 100 ms: the
// connection has traffic all along and must not be closed as idle; the
// record must come back whole. The client runs in the test's process: a
// stall of the whole process, seen near a second at load 15 under -race,
// silences it as much as the server, and the watch now counts silence
// from the record's last byte, with no second IdleTimeout to spare.
func TestIdleSparesRecordStillArriving(t *testing.T) {
	t.Parallel()
	const idle = 2 * time.Second
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
// closed as idle IdleTimeout after the last of them, as one idle between
// records is after its last record. It used to be closed up to twice
// IdleTimeout after it: the watch looked for such bytes only when it
// fired, IdleTimeout after the last data, and then gave them a whole
// IdleTimeout more. Both of a read's waits are tried: the echo's, which
// on Linux parks the connection with the record's start held, and a
// Handler's read, which waits inside crypto/tls.
func TestIdleClosesRecordStalled(t *testing.T) {
	t.Parallel()
	// The old bound, twice IdleTimeout, is 4 s after the last byte, at
	// the least: late leaves the close 1.2 s on a busy machine under
	// -race (closes 1.1 s late were seen at load 15), 0.8 s short of it.
	const idle, late = 2 * time.Second, 1200 * time.Millisecond
	for _, tc := range []struct {
		name    string
		handler rawtls.Handler
		parks   bool
	}{
		{"echo", nil, listener.Parking},
		{"read", rawtls.HandlerFunc(copyBack), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conns := make(chan *listener.Conn, 1)
			ended := make(chan rawtls.EndReason, 1)
			ts := startServer(t, &rawtls.Server{IdleTimeout: idle, Handler: tc.handler, Hooks: &rawtls.Hooks{
				Opened: func(c *rawtls.Conn) { conns <- listener.From(c.NetConn()) },
				Closed: func(c *rawtls.Conn) { ended <- c.EndReason() },
			}}, certs.Options{})
			c := ts.mustDial(t, ts.clientConfig())
			lc := <-conns
			if err := echo(c, []byte("hello")); err != nil {
				t.Fatal(err)
			}
			sent := stallRecord(t, c.tcp)
			if tc.parks {
				waitFor(t, ioTimeout, "the connection to park with the record's start held", lc.Parked)
			}
			took := closedAfter(t, c.tcp, sent)
			switch {
			case took < idle:
				t.Errorf("closed %v after the stalled record's last byte, before the %v idle timeout", took, idle)
			case took > idle+late:
				t.Errorf("closed %v after the stalled record's last byte, more than %v after the %v idle timeout", took, late, idle)
			}
			if r := <-ended; r != rawtls.EndIdle {
				t.Errorf("the connection ended as %v, want %v", r, rawtls.EndIdle)
			}
			waitFor(t, ioTimeout, "the connection to end", func() bool { return ts.srv.Active() == 0 })
		})
	}
}

// copyBack is a Handler's echo that reads through crypto/tls, where the
// server's own echo may park: the read the idle and drain rules reach
// inside a handler.
func copyBack(c *rawtls.Conn) error {
	_, err := io.Copy(c, c)
	return err
}

// stallRecord sends the start of an application data record of 16 KiB,
// 100 bytes of it, and nothing more; it returns a time before the server
// can have read them.
func stallRecord(t *testing.T, tcp *net.TCPConn) (sent time.Time) {
	t.Helper()
	part := append([]byte{23, 3, 3, 0x40, 0x00}, make([]byte, 100)...)
	sent = time.Now()
	if _, err := tcp.Write(part); err != nil {
		t.Fatal(err)
	}
	return sent
}

// closedAfter waits until the server closes tcp and returns how long
// after sent it did.
func closedAfter(t *testing.T, tcp *net.TCPConn, sent time.Time) time.Duration {
	t.Helper()
	tcp.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := io.Copy(io.Discard, tcp); err != nil && !isClosed(err) {
		t.Fatalf("the connection with a stalled record was not closed within %v: %v", ioTimeout, err)
	}
	took := time.Since(sent)
	t.Logf("closed %v after the stalled record's last byte", took.Round(time.Millisecond))
	return took
}
