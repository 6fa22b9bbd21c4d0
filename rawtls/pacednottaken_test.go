package rawtls_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// pacedIdle is the IdleTimeout of the paced echo tests: the bound a
// client that takes none of a paced echo is held by, and shorter than
// the echoes, each of which a client that reads must get whole however
// long it lasts.
const pacedIdle = time.Second

// startPacedServer serves the raw port with spec armed for every
// connection (as POST /faults or TLSECHO_FAULT arm it) and IdleTimeout
// pacedIdle, logging at debug level into logs, and sends on ended why
// each connection ended.
func startPacedServer(t *testing.T, spec string, logs *testlog.Buffer) (ts *testServer, ended chan rawtls.EndReason) {
	t.Helper()
	inj := injectorFor(t, spec)
	ended = make(chan rawtls.EndReason, 1)
	srv := &rawtls.Server{IdleTimeout: pacedIdle, Faults: inj,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Hooks:  &rawtls.Hooks{Closed: func(c *rawtls.Conn) { ended <- c.EndReason() }},
	}
	return startServerWith(t, srv, listener.Options{Faults: inj}, certs.Options{}), ended
}

// TestPacedEchoNotTaken: under bw a client that sends and reads none of
// the echo is dropped as any client that takes none of a write is, with
// the same reason (stuck) and words: within two IdleTimeouts after its
// receive window filled (within a moment here: a 4 KiB buffer at 64
// KiB/s). The watch used to leave paced writes alone, since they are
// slow on purpose: such a client held its connection as long as it kept
// sending (a 1 MiB echo at 1 KiB/s: 17 minutes), and for good once the
// server's send buffer was full too.
func TestPacedEchoNotTaken(t *testing.T) {
	t.Parallel()
	logs := &testlog.Buffer{}
	ts, ended := startPacedServer(t, "bw:64KiB", logs)
	c, err := tls.DialWithDialer(smallBuffers(syscall.SO_RCVBUF), "tcp", ts.addr, ts.clientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// 1 MiB is an echo of 16 s at the rate; the client's writes are
	// taken only as fast as the server echoes, so they go on beside the
	// test until the connection ends.
	msg := randomBytes(1<<20, 5)
	sent := time.Now()
	wrote := make(chan error, 1)
	go func() {
		c.SetWriteDeadline(time.Now().Add(4 * ioTimeout))
		_, err := c.Write(msg)
		wrote <- err
	}()
	// The rule's own time (two looks of the watch, IdleTimeout apart),
	// and room for a loaded machine: well short of the echo's 16 s.
	bound := 2*pacedIdle + 3*time.Second
	waitEnded(t, ended, rawtls.EndStuck, sent, "the client began sending", bound)
	if want := "the client took none of a write for " + pacedIdle.String(); !strings.Contains(logs.String(), want) {
		t.Errorf("the connection's end does not say %q:\n%s", want, logs.String())
	}
	// The client's writes end with the connection.
	<-wrote
}

// TestPacedEchoTakenSlowly: a client that reads a paced echo as it comes
// is never dropped, however long the echo lasts: it gets every byte of
// one twice IdleTimeout long, through a 4 KiB receive buffer whose
// window is full most of the time (each byte it reads is taken at once).
func TestPacedEchoTakenSlowly(t *testing.T) {
	t.Parallel()
	logs := &testlog.Buffer{}
	ts, ended := startPacedServer(t, "bw:128KiB", logs)
	c, err := tls.DialWithDialer(smallBuffers(syscall.SO_RCVBUF), "tcp", ts.addr, ts.clientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := randomBytes(256<<10, 6)
	c.SetDeadline(time.Now().Add(4 * ioTimeout))
	start := time.Now()
	wrote := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		wrote <- err
	}()
	got := make([]byte, len(msg))
	if n, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("%d of %d bytes back, %v after the echo began: %v", n, len(msg), time.Since(start).Round(time.Millisecond), err)
	}
	took := time.Since(start)
	t.Logf("echo of %d KiB in %v", len(msg)>>10, took.Round(time.Millisecond))
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo differs from byte %d", firstDiff(got, msg))
	}
	if took < pacedIdle {
		t.Errorf("the echo took %v, not longer than IdleTimeout (%v): the test proves nothing", took, pacedIdle)
	}
	select {
	case r := <-ended:
		if r == rawtls.EndStuck {
			t.Errorf("ended as a client that takes none of a write, after its echo came whole")
		}
	default:
	}
}
