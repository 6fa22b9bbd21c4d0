package listener_test

import (
	"io"
	"log/slog"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/listener"
)

// heldTests are the two moments a count held back inside a window is
// written: the window's end, the listener's Close.
var heldTests = []struct {
	name   string
	window time.Duration // 0: the listener's own 10 s, which no test outlasts
}{
	{"at close", 0},
	{"at the window's end", 200 * time.Millisecond},
}

// TestHeldRefusalsAreNotWordedAsLive: refusals held back inside a window
// and written when it ends, or at Close, are told as refusals that
// happened, not with the warning's "refusing new connections", which
// would tell an operator reading the log after the pressure ended (or
// after shutdown) that the server is still refusing.
func TestHeldRefusalsAreNotWordedAsLive(t *testing.T) {
	t.Parallel()
	for _, tc := range heldTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, logs, refused := refusingListener(t)
			if tc.window > 0 {
				listener.SetWarnWindow(l, tc.window)
			}
			got := acceptAll(t, l)
			first, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
			if err != nil {
				t.Fatal(err)
			}
			defer first.Close()
			if a := next(t, got); a.err != nil {
				t.Fatalf("Accept: %v", a.err)
			}
			// Refuse until one refusal is held back: its record is
			// written before the refused connection is closed, so a
			// refusal seen closed with no new warning was held.
			n, held := 0, false
			for !held {
				if n == 100 {
					t.Fatalf("100 refusals, none held back:\n%s", logs)
				}
				before := len(logs.Records(t, limitWarn))
				c, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
				if err != nil {
					t.Fatal(err)
				}
				c.SetReadDeadline(time.Now().Add(ioTimeout))
				if _, err := c.Read(make([]byte, 1)); err != io.EOF {
					t.Fatalf("connection over the limit: read %v, want EOF", err)
				}
				c.Close()
				n++
				held = len(logs.Records(t, limitWarn)) == before
			}
			warns := len(logs.Records(t, limitWarn))
			if tc.window > 0 {
				waitFor(t, ioTimeout, "the held refusals in the log", func() bool {
					return len(logs.Records(t, limitHeld)) > 0
				})
			}
			l.Close()

			if got := len(logs.Records(t, limitWarn)); got != warns {
				t.Errorf("%d records say %q after the last refusal, want none:\n%s", got-warns, limitWarn, logs)
			}
			recs := logs.Records(t, limitHeld)
			if len(recs) == 0 {
				t.Fatalf("no record %q:\n%s", limitHeld, logs)
			}
			last := recs[len(recs)-1]
			if last["level"] != "WARN" || last["refused"].(float64) < 1 || last["max"] != 1.0 {
				t.Errorf("record of the held refusals: %v", last)
			}
			if w, ok := last["window"].(float64); !ok || w <= 0 {
				t.Errorf("record of the held refusals has no window: %v", last)
			}
			if got := sumOf(t, logs, "refused", limitWarn, limitHeld, limitInfo); got != n || refused.Load() != int64(n) {
				t.Errorf("the log counts %d refusals, the hook %d, the test made %d:\n%s", got, refused.Load(), n, logs)
			}
		})
	}
}

// TestHeldAcceptFailuresAreNotWordedAsLive: failed accepts held back
// inside a window and written when it ends, or at Close, are told as
// failures that happened, without the warning's "retrying": after the
// window, or after shutdown, nothing is being retried.
func TestHeldAcceptFailuresAreNotWordedAsLive(t *testing.T) {
	t.Parallel()
	for _, tc := range heldTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tcp, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			// 5 ms, then doubling: the five fail within 155 ms and more,
			// inside 10 s, and at least the last inside 200 ms of its
			// predecessor's record, whatever the machine's load.
			const failures = 5
			fl := &flakyListener{Listener: tcp, err: syscall.EMFILE}
			fl.failures.Store(failures)
			logs := &testlog.Buffer{}
			l := listener.New(fl, listener.Options{Name: "tls",
				Logger: slog.New(slog.NewJSONHandler(logs, nil))})
			defer l.Close()
			if tc.window > 0 {
				listener.SetWarnWindow(l, tc.window)
			}
			got := acceptAll(t, l)
			c, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if a := next(t, got); a.err != nil {
				t.Fatalf("Accept after the failures: %v", a.err)
			}
			if tc.window > 0 {
				waitFor(t, ioTimeout, "the held failures in the log", func() bool {
					return sumOf(t, logs, "failures", acceptWarn, acceptHeld) >= failures
				})
			}
			l.Close()
			if got := sumOf(t, logs, "failures", acceptWarn, acceptHeld); got != failures {
				t.Fatalf("the log counts %d failed accepts, want %d:\n%s", got, failures, logs)
			}
			if tc.window == 0 {
				// All five inside one window: the first written at once,
				// the four others at Close.
				warns, recs := logs.Records(t, acceptWarn), logs.Records(t, acceptHeld)
				if len(warns) != 1 || len(recs) != 1 {
					t.Fatalf("%d records %q and %d %q, want 1 and 1:\n%s", len(warns), acceptWarn, len(recs), acceptHeld, logs)
				}
				if r := recs[0]; r["level"] != "WARN" || r["failures"] != float64(failures-1) || r["err"] == nil {
					t.Errorf("record of the held failures: %v", r)
				}
			}
		})
	}
}
