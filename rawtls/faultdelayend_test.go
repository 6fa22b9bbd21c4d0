package rawtls_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestDelayedBlackholeHolds: under delay, a blackhole that the held
// echoes bring about (@N, counted as the delay sends them) holds the
// socket until the client closes. The verb wakes the reader, blocked
// reading what comes next, whose read then fails as idle; the echo took
// that for a broken connection, because it held echoes, and returned it:
// the socket was closed at once, and its end logged as an idle timeout.
func TestDelayedBlackholeHolds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ spec, echo string }{
		{"delay:100ms,blackhole@5", "hello"},
		{"delay:10ms,blackhole@300ms", "hello world"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			t.Parallel()
			// The test's client leaves once the verb is applied, which is
			// just before it takes effect: on a loaded machine the client's
			// FIN can come first, and the connection then ends as the
			// client's, which says nothing either way. Such a run is
			// tried again.
			for try := 1; !delayedBlackholeRun(t, tc.spec, tc.echo); try++ {
				if try == 5 {
					t.Fatalf("in %d tries the client always left before blackhole took effect", try)
				}
			}
		})
	}
}

// delayedBlackholeRun is one try of TestDelayedBlackholeHolds; false when
// the client left before the verb took effect (see there).
func delayedBlackholeRun(t *testing.T, spec, echo string) bool {
	t.Helper()
	var logs testlog.Buffer
	sp, err := fault.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	blackhole := make(chan struct{})
	inj, err := fault.New(fault.Options{Default: sp, Applied: func(verb string) {
		if verb == "blackhole" {
			close(blackhole)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{})
	srv := &rawtls.Server{IdleTimeout: time.Minute, Faults: inj,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Hooks:  &rawtls.Hooks{Closed: func(*rawtls.Conn) { close(ended) }},
	}
	ts := startServerWith(t, srv, listener.Options{Faults: inj}, certs.Options{})
	c := ts.mustDial(t, ts.clientConfig())
	if _, err := c.Write([]byte("hello world")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(echo))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != echo {
		t.Fatalf("echo %q (%v), want %q", got, err, echo)
	}
	select {
	case <-blackhole:
	case <-time.After(ioTimeout):
		t.Fatalf("blackhole not applied within %v", ioTimeout)
	}
	// The client leaves: a blackhole's hold ends with its FIN.
	c.tcp.CloseWrite()
	select {
	case <-ended:
	case <-time.After(ioTimeout):
		t.Fatalf("still open %v after the client left", ioTimeout)
	}
	records := logs.Records(t, "connection ended")
	if len(records) == 0 && len(logs.Records(t, "connection closed")) == 1 {
		return false // the client's own end: it left first
	}
	if len(records) != 1 {
		t.Fatalf("%d records of the connection's end, want 1:\n%s", len(records), logs.String())
	}
	if e, _ := records[0]["err"].(string); !strings.Contains(e, "ended by a fault") {
		t.Errorf("the connection's end is logged with %q, want the fault's end", e)
	}
	return true
}
