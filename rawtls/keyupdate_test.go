package rawtls_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/internal/tlsrecord"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestKeyUpdateClientThatDoesNotRead: a TLS 1.3 client that asks for a
// key update again and again and never reads fills the server's socket
// with KeyUpdate answers, which crypto/tls writes inside Read. The idle
// watch woke that read with a deadline, which does not reach a blocked
// write, and never fired again: the connection was held for as long as
// the client kept it open. Three such clients, so that one whose server
// happened to block in the echo's own Write (watched already) cannot
// make the test pass alone.
func TestKeyUpdateClientThatDoesNotRead(t *testing.T) {
	t.Parallel()
	// Long enough for each client's first batch to arrive on a loaded
	// machine under -race: a client whose first records came after it
	// was dropped as idle shows nothing of the write the test is about
	// (all three were, once, at 300 ms, each having sent nothing).
	const idle = time.Second
	logs := &testlog.Buffer{}
	// Small socket buffers on both sides, so that the answers stop
	// being taken after a few hundred.
	small := &listener.Hooks{Accepted: func(c *listener.Conn) { c.NetConn().(*net.TCPConn).SetWriteBuffer(4 << 10) }}
	ts := startServerWith(t, &rawtls.Server{IdleTimeout: idle, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))},
		listener.Options{Hooks: small}, certs.Options{})
	var wg sync.WaitGroup
	for range 3 {
		var keys bytes.Buffer
		cfg := ts.clientConfig()
		cfg.MinVersion, cfg.KeyLogWriter = tls.VersionTLS13, &keys
		c := dialSmallBuffers(t, ts, cfg)
		if s := c.ConnectionState().CipherSuite; s != tls.TLS_AES_128_GCM_SHA256 {
			t.Skipf("negotiated %s; this client writes TLS_AES_128_GCM_SHA256 records only", tls.CipherSuiteName(s))
		}
		// In batches (FloodKeyUpdates): a client that sent record by
		// record and was held back for the idle timeout, on a loaded
		// machine, let the server's answers go out and was dropped as
		// merely idle.
		w, err := tlsrecord.New13(c.tcp, keys.String())
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Until the server stops taking what is sent, with a byte
			// of data to echo in each round.
			c.tcp.SetWriteDeadline(time.Now().Add(ioTimeout))
			w.FloodKeyUpdates(c.tcp, []byte("x"))
		}()
	}
	waitFor(t, ioTimeout, "the server to drop the clients that take nothing", func() bool { return ts.srv.Active() == 0 })
	wg.Wait()
	// A write of the echo's own, or one inside Read, cut by the watch.
	if l := logs.String(); !strings.Contains(l, fmt.Sprintf("the client took none of a write for %v", idle)) &&
		!strings.Contains(l, fmt.Sprintf("writes cut %v after the read was woken for idleness", idle)) {
		t.Errorf("no connection's end says the watch ended a write:\n%s", l)
	}
}

// dialSmallBuffers is mustDial with a small receive buffer on the
// client's side, so that the server's answers stop being taken soon.
func dialSmallBuffers(t *testing.T, ts *testServer, cfg *tls.Config) *client {
	t.Helper()
	raw, err := smallBuffers(syscall.SO_RCVBUF).Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(raw, cfg)
	t.Cleanup(func() { raw.Close() })
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	return &client{Conn: tc, tcp: raw.(*net.TCPConn)}
}
