package listener_test

import (
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/listener"
)

// sumOf adds up field over the records with the given messages.
func sumOf(tb testing.TB, logs *testlog.Buffer, field string, msgs ...string) int {
	tb.Helper()
	n := 0
	for _, msg := range msgs {
		for _, rec := range logs.Records(tb, msg) {
			v, ok := rec[field].(float64)
			if !ok {
				tb.Fatalf("record %v has no number %s", rec, field)
			}
			n += int(v)
		}
	}
	return n
}

const (
	limitWarn  = "connection limit reached; refusing new connections"
	limitInfo  = "connection limit no longer reached; accepting connections again"
	acceptWarn = "accept failed; retrying"
	// The records of the counts held back inside a window, written when
	// it ends or at Close.
	limitHeld  = "more connections refused at the connection limit"
	acceptHeld = "more accepts failed"
)

// refuseAtLimit fills the one slot of a listener with MaxConns 1, then
// has n more connections refused, each seen closed by its client; it
// returns the refusals the hook counted.
func refuseAtLimit(t *testing.T, l *listener.Listener, refused *atomic.Int64, n int) {
	t.Helper()
	got := acceptAll(t, l)
	first, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Close() })
	if a := next(t, got); a.err != nil {
		t.Fatalf("Accept: %v", a.err)
	}
	for i := range n {
		c, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(ioTimeout))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("connection %d over the limit: read %v, want EOF", i, err)
		}
		c.Close()
	}
	if got := refused.Load(); got != int64(n) {
		t.Fatalf("Refused hook counted %d, want %d", got, n)
	}
}

// TestRefusalCountsReachTheLogAtClose: refusals held back inside the
// window, with no connection accepted after them, are written when the
// listener closes: the log's counts add up to the hook's.
func TestRefusalCountsReachTheLogAtClose(t *testing.T) {
	t.Parallel()
	l, logs, refused := refusingListener(t)
	const n = 6
	refuseAtLimit(t, l, refused, n)
	l.Close()
	if got := sumOf(t, logs, "refused", limitWarn, limitHeld, limitInfo); got != n {
		t.Fatalf("the log counts %d refusals, the hook %d:\n%s", got, n, logs)
	}
}

// TestRefusalCountsReachTheLogAtWindowEnd: refusals held back inside the
// window are written when it ends, while the listener still runs and
// nothing else happens on it.
func TestRefusalCountsReachTheLogAtWindowEnd(t *testing.T) {
	t.Parallel()
	l, logs, refused := refusingListener(t)
	listener.SetWarnWindow(l, 100*time.Millisecond)
	const n = 6
	refuseAtLimit(t, l, refused, n)
	waitFor(t, ioTimeout, "the held refusals in the log", func() bool {
		return sumOf(t, logs, "refused", limitWarn, limitHeld, limitInfo) >= n
	})
	l.Close()
	if got := sumOf(t, logs, "refused", limitWarn, limitHeld, limitInfo); got != n {
		t.Fatalf("the log counts %d refusals, the hook %d:\n%s", got, n, logs)
	}
}

// refusingListener is a "tls" listener that takes one connection at a
// time, logging JSON into logs and counting each refusal in refused.
func refusingListener(t *testing.T) (l *listener.Listener, logs *testlog.Buffer, refused *atomic.Int64) {
	t.Helper()
	logs, refused = &testlog.Buffer{}, &atomic.Int64{}
	l = listen(t, listener.Options{Name: "tls", MaxConns: 1,
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Hooks:  &listener.Hooks{Refused: func(string) { refused.Add(1) }}})
	return l, logs, refused
}
