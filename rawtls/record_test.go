package rawtls_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/rawtls"
)

// records counts the TLS records in a stream of whole records.
func records(stream []byte) int {
	n := 0
	for len(stream) >= 5 {
		stream = stream[min(len(stream), 5+(int(stream[3])<<8|int(stream[4]))):]
		n++
	}
	return n
}

// TestEchoOneRecordPerRecord: whatever its size, up to the 16 KiB a record
// holds, a message the client sends in one record comes back in one: the
// echo reads a small message into a small buffer, and gathers a larger
// one from crypto/tls before it writes.
func TestEchoOneRecordPerRecord(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &rawtls.Server{}, certs.Options{})
	for _, version := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		cfg := ts.clientConfig()
		cfg.MaxVersion = version
		c := ts.mustDial(t, cfg)
		// The first echo also brings what follows the handshake (session
		// tickets), and takes both ends past crypto/tls's dynamic record
		// sizing, which sends the first 128 KiB in smaller records; count
		// from after it.
		if err := echo(c, randomBytes(256<<10, 1)); err != nil {
			t.Fatal(err)
		}
		for _, size := range []int{1, 511, 512, 513, 4 << 10, 16 << 10} {
			t.Run(fmt.Sprintf("%s/%d", tls.VersionName(version), size), func(t *testing.T) {
				c.wire.mu.Lock()
				before := c.wire.buf.Len()
				c.wire.mu.Unlock()
				if err := echo(c, randomBytes(size, uint64(size))); err != nil {
					t.Fatal(err)
				}
				c.wire.mu.Lock()
				got := records(bytes.Clone(c.wire.buf.Bytes()[before:]))
				c.wire.mu.Unlock()
				if got != 1 {
					t.Errorf("a %d-byte message came back in %d records", size, got)
				}
			})
		}
	}
}

// TestClientThatDoesNotRead: a client that sends and never reads blocks
// the echo's write; it is dropped about IdleTimeout later (at most two,
// when the write began just after the watch last looked), not held.
func TestClientThatDoesNotRead(t *testing.T) {
	t.Parallel()
	const idle = 300 * time.Millisecond
	logs := &testlog.Buffer{}
	ts := startServer(t, &rawtls.Server{IdleTimeout: idle, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, certs.Options{})
	// Small buffers on the client's side, so that its writes stop being
	// taken soon after the server's echo stops being taken.
	d := smallBuffers(syscall.SO_RCVBUF, syscall.SO_SNDBUF)
	c, err := tls.DialWithDialer(d, "tcp", ts.addr, ts.clientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	chunk := randomBytes(64<<10, 3)
	// The drop is timed from the last write the server took, not from the
	// first: before the echo blocks, the server's socket buffers take
	// megabytes, each encrypted and decrypted twice, and a loaded two-core
	// machine under -race once spent 3.4s on that alone. A write not taken
	// for ioTimeout is a client held, not dropped.
	start := time.Now()
	taken := start
	for {
		c.SetWriteDeadline(time.Now().Add(ioTimeout))
		if _, err = c.Write(chunk); err != nil {
			break
		}
		taken = time.Now()
		if taken.Sub(start) > 2*ioTimeout {
			t.Fatalf("the server still takes writes %v after the client stopped reading", taken.Sub(start))
		}
	}
	took := time.Since(taken)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("still connected %v after the last write taken", took)
	}
	waitFor(t, ioTimeout, "the server to let the connection go", func() bool { return ts.srv.Active() == 0 })
	// The bound tells a drop by the idle watch from a client held until
	// the write deadline; the log below tells why it was dropped. The same
	// machine, busier, then once took 4.4s from the last write taken to
	// the drop: the watch's timer and the handler wait their turn for the
	// one processor -cpu 1 gives the whole package's tests.
	if took > 2*idle+5*time.Second {
		t.Errorf("dropped %v after the last write taken (%v after the first), want about %v", took, time.Since(start), idle)
	}
	// The log says why, not only that the socket was closed: mostly the
	// write not taken, or, when a firing of the watch came between two
	// writes, the silence that followed.
	if !strings.Contains(logs.String(), "the client took none of a write for 300ms") && !strings.Contains(logs.String(), "rawtls: idle timeout") {
		t.Errorf("the connection's end does not say why:\n%s", logs.String())
	}
	// What the server wrote before is still readable; then the end.
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := io.Copy(io.Discard, c); err != nil && !isClosed(err) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("connection not closed: %v", err)
		}
	}
}
