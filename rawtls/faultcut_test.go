package rawtls_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// cutBound is how late after its time a timed fin may end a connection
// whose echo is writing: the wait for that write (250 ms), the discard
// of the client's last bytes (250 ms), and room for a loaded machine.
const cutBound = 3 * time.Second

// injectorFor is an Injector that gives every connection spec, as
// TLSECHO_FAULT does.
func injectorFor(t *testing.T, spec string) *fault.Injector {
	t.Helper()
	sp, err := fault.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	inj, err := fault.New(fault.Options{Default: sp})
	if err != nil {
		t.Fatal(err)
	}
	return inj
}

// waitEnded waits for the connection's end, which must come for reason
// want within bound of since (what is named), and fails the test if it
// has not come ioTimeout after that.
func waitEnded(t *testing.T, ended <-chan rawtls.EndReason, want rawtls.EndReason, since time.Time, what string, bound time.Duration) {
	t.Helper()
	select {
	case r := <-ended:
		took := time.Since(since)
		t.Logf("ended %v after %s: %v", took.Round(time.Millisecond), what, r)
		if r != want {
			t.Errorf("end reason %v, want %v", r, want)
		}
		if took > bound {
			t.Errorf("ended %v after %s, want within %v", took.Round(time.Millisecond), what, bound)
		}
	case <-time.After(time.Until(since) + bound + ioTimeout):
		t.Fatalf("still open %v after %s", bound+ioTimeout, what)
	}
}

// startFaultServer serves the raw port with spec armed for every
// connection, IdleTimeout a minute (far beyond the tests: the rule for
// writes not taken must not be what ends a connection), each socket's
// send buffer 8 KiB (so an echo to a client that reads nothing blocks at
// once), and sends on ended why each connection ended.
func startFaultServer(t *testing.T, spec string) (ts *testServer, ended chan rawtls.EndReason) {
	t.Helper()
	inj := injectorFor(t, spec)
	ended = make(chan rawtls.EndReason, 1)
	srv := &rawtls.Server{IdleTimeout: time.Minute, Faults: inj,
		Hooks: &rawtls.Hooks{
			Opened: func(c *rawtls.Conn) {
				if tc, ok := c.NetConn().(*listener.Conn).NetConn().(*net.TCPConn); ok {
					tc.SetWriteBuffer(8 << 10)
				}
			},
			Closed: func(c *rawtls.Conn) { ended <- c.EndReason() },
		},
	}
	return startServerWith(t, srv, listener.Options{Faults: inj}, certs.Options{}), ended
}

// TestTimedVerbNotTaken: fin@1s or close@1s on a connection whose echo is
// blocked writing to a client that reads nothing ends it at the verb's
// time (close: once the client has taken nothing for listener.TakeWait,
// its close_notify having to follow the record being written), not when
// the rule for writes not taken does (IdleTimeout, a minute here): both
// used to wait for the write in progress, which a client that reads
// nothing never lets end.
func TestTimedVerbNotTaken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec  string
		bound time.Duration // after the verb's time
	}{
		{"fin@1s", cutBound},
		{"close@1s", listener.TakeWait + listener.TakeLook + cutBound},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			t.Parallel()
			ts, ended := startFaultServer(t, tc.spec)
			dialed := time.Now()
			c, err := tls.DialWithDialer(smallBuffers(syscall.SO_RCVBUF), "tcp", ts.addr, ts.clientConfig())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// Sent until the connection ends: the server reads while its
			// echo is taken, so its echo blocks with the client's writes
			// going on.
			wrote := make(chan error, 1)
			go func() {
				c.SetWriteDeadline(time.Now().Add(tc.bound + 2*ioTimeout))
				msg := randomBytes(64<<10, 7)
				var err error
				for err == nil {
					_, err = c.Write(msg)
				}
				wrote <- err
			}()
			waitEnded(t, ended, rawtls.EndFault, dialed.Add(time.Second), "the verb's time", tc.bound)
			<-wrote
		})
	}
}

// TestTimedFinCutsPacedEcho: fin@1s acts at its time on a client that
// reads a paced echo as it comes, not once the record being paced has
// gone out whole (a 16 KiB record at 4 KiB/s: 4 s): the record is cut
// short, and the client finds the FIN inside it. fin used to wait for
// the write in progress, however long the pacing made it.
func TestTimedFinCutsPacedEcho(t *testing.T) {
	t.Parallel()
	// bw from 128 KiB on: that much echoed at once takes both ends past
	// crypto/tls's dynamic record sizing, which sends the first 128 KiB
	// in records of about 1 KiB, each paced apart.
	ts, ended := startFaultServer(t, "bw:4KiB@128KiB,fin@1s")
	dialed := time.Now()
	c := ts.mustDial(t, ts.clientConfig())
	if err := echo(c, randomBytes(128<<10, 8)); err != nil {
		t.Fatal(err)
	}
	// One record, echoed in one record.
	msg := randomBytes(16<<10, 9)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	at := dialed.Add(time.Second)
	c.SetReadDeadline(time.Now().Add(4*time.Second + cutBound))
	n, err := io.ReadFull(c, make([]byte, len(msg)))
	took := time.Since(at)
	t.Logf("read %d bytes, then %v, %v after fin's time", n, err, took.Round(time.Millisecond))
	switch {
	case err == nil:
		t.Fatalf("the echo came whole %v after fin's time: fin did not cut it", took.Round(time.Millisecond))
	case !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF):
		t.Errorf("read ended with %v, want the FIN", err)
	case took > cutBound:
		t.Errorf("the FIN came %v after fin's time, want within %v", took.Round(time.Millisecond), cutBound)
	}
	select {
	case r := <-ended:
		if r != rawtls.EndFault {
			t.Errorf("end reason %v, want %v", r, rawtls.EndFault)
		}
	case <-time.After(ioTimeout):
		t.Error("the connection did not end after the FIN")
	}
}

// TestTimedCloseAfterPacedRecord: close@1s on a client that reads a paced
// echo as it comes waits for the record being paced (16 KiB at 4 KiB/s,
// 4 s, longer than nothing but the close's wait would allow a client
// that reads nothing): the client gets the whole record, then
// close_notify.
func TestTimedCloseAfterPacedRecord(t *testing.T) {
	t.Parallel()
	ts, ended := startFaultServer(t, "bw:4KiB@128KiB,close@1s")
	c := ts.mustDial(t, ts.clientConfig())
	if err := echo(c, randomBytes(128<<10, 11)); err != nil {
		t.Fatal(err)
	}
	msg := randomBytes(16<<10, 12)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(4*time.Second + cutBound + ioTimeout))
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("read %d of %d bytes, then %v; want the whole record, then close_notify", len(got), len(msg), err)
	}
	// The server reads on until the client closes too.
	c.Close()
	select {
	case r := <-ended:
		if r != rawtls.EndFault {
			t.Errorf("end reason %v, want %v", r, rawtls.EndFault)
		}
	case <-time.After(ioTimeout):
		t.Error("the connection did not end after the close")
	}
}
