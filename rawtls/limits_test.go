package rawtls_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestMaxConnsRefusesOnlyTheExtra fills MaxConns, checks that one more
// connection is closed at once while the others echo on, and that a slot
// freed by a leaving client is taken by the next.
func TestMaxConnsRefusesOnlyTheExtra(t *testing.T) {
	t.Parallel()
	const maxConns = 5
	// The server closes a refused socket first and calls the hook after, so
	// the client can see the refusal before the hook has run: the test
	// waits for the hook's call rather than reading a counter.
	var refused atomic.Int64
	refusedCalls := make(chan struct{}, 10)
	ts := startServerWith(t, &rawtls.Server{}, listener.Options{
		MaxConns: maxConns,
		Hooks: &listener.Hooks{Refused: func(string) {
			refused.Add(1)
			refusedCalls <- struct{}{}
		}},
	}, certs.Options{})

	clients := make([]*client, maxConns)
	for i := range clients {
		clients[i] = ts.mustDial(t, ts.clientConfig())
		if err := echo(clients[i], []byte(fmt.Sprintf("client %d before", i))); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}

	start := time.Now()
	extra, err := ts.dial(ts.clientConfig())
	if err == nil {
		// In TLS 1.3 the client may finish before the server has read its
		// Finished; the first read then shows the refusal.
		err = echo(extra, []byte("one too many"))
		extra.Close()
	}
	if err == nil {
		t.Fatalf("connection %d echoed with MaxConns %d", maxConns+1, maxConns)
	}
	// A server that stopped accepting at the limit, instead of closing the
	// extra connection, would leave it hanging until the dial gives up after
	// ioTimeout; half of that leaves a loaded machine plenty of room.
	if took := time.Since(start); took > ioTimeout/2 {
		t.Errorf("extra connection failed after %v (%v), want at once", took, err)
	}
	select {
	case <-refusedCalls:
	case <-time.After(ioTimeout):
		t.Fatalf("Hooks.Refused not called within %v of the refusal", ioTimeout)
	}

	for i, c := range clients {
		if err := echo(c, []byte(fmt.Sprintf("client %d after", i))); err != nil {
			t.Fatalf("client %d after the refusal: %v", i, err)
		}
	}

	clients[0].Close()
	waitFor(t, ioTimeout, "the closed client's slot to be freed", func() bool {
		return ts.ln.Active() == maxConns-1
	})
	next := ts.mustDial(t, ts.clientConfig())
	if err := echo(next, []byte("taking the free slot")); err != nil {
		t.Fatalf("new client after one left: %v", err)
	}
	if n := refused.Load(); n != 1 {
		t.Errorf("Hooks.Refused called %d times, want 1", n)
	}
}

// TestIdleTimeoutClosesWithCloseNotify leaves a connection silent and
// checks that the server ends it after IdleTimeout with a clean TLS close,
// and says so in the debug log's words: the reason alone, the client
// being the record's peer.
func TestIdleTimeoutClosesWithCloseNotify(t *testing.T) {
	t.Parallel()
	const idle = time.Second
	logs := &testlog.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := startServer(t, &rawtls.Server{IdleTimeout: idle, Logger: log}, certs.Options{})
	for _, version := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			cfg := ts.clientConfig()
			cfg.MaxVersion = version
			// The client sends nothing after its handshake: a message
			// would have to reach the server within IdleTimeout of its
			// handshake, and on a loaded two-core machine under -race the
			// client once took longer than a second to send one, and was
			// rightly closed as idle before it arrived.
			//
			// The server's clock starts after the handshake, so after
			// dialing: a close before idle has passed from here is a
			// server bug, never a scheduling accident.
			dialing := time.Now()
			c := ts.mustDial(t, cfg)
			dialed := time.Now()
			c.SetReadDeadline(time.Now().Add(ioTimeout))
			n, err := c.Read(make([]byte, 1))
			if n != 0 || !errors.Is(err, io.EOF) {
				t.Fatalf("read on idle connection: %d bytes, %v; want io.EOF", n, err)
			}
			// The upper bound only tells IdleTimeout from the 5 minute
			// default; counted from the end of the handshake, which a
			// loaded machine can stretch to seconds, it leaves seconds.
			if took := time.Since(dialing); took < idle {
				t.Errorf("closed %v after the dial began, before IdleTimeout %v", took, idle)
			}
			if took := time.Since(dialed); took > idle+5*time.Second {
				t.Errorf("closed after %v of silence, want about %v", took, idle)
			}
			if err := c.wire.endsWithCloseNotify(version); err != nil {
				t.Errorf("idle close: %v", err)
			}
			// Logged before the close the client has seen.
			peer := c.LocalAddr().String()
			var ended map[string]any
			for _, r := range logs.Records(t, "connection ended") {
				if r["peer"] == peer {
					ended = r
				}
			}
			if ended == nil || ended["err"] != rawtls.ErrIdle.Error() {
				t.Errorf("the end of %s was logged as %v, want err %q:\n%s", peer, ended, rawtls.ErrIdle, logs.String())
			}
		})
	}
}
