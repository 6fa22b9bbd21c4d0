package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
)

// interruptOnLine is standard output that cancels an interrupt context
// once a line holding last has been written: a Ctrl-C that comes right
// after the session printed its last line.
type interruptOnLine struct {
	last      string
	interrupt context.CancelFunc

	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *interruptOnLine) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.last) {
		w.interrupt()
	}
	return len(p), nil
}

// TestClientInterruptAfterSession: a Ctrl-C that comes once the session
// has ended (its last line printed, only the connection's close left)
// does not change the outcome: exit 0, no interruption reported. It was reported as
// "interrupted before the session began", exit 130. The interrupt
// context stands in for Ctrl-C, which the command turns into one.
func TestClientInterruptAfterSession(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tests := []struct {
		name, url, last string
	}{
		// The answered close_notify is the last line of a tls:// session.
		{"tls", urls(ta)["tls"], "close         close_notify, answered"},
		// The answered close is the last line of a wss:// one.
		{"wss", urls(ta)["wss"], "close         1000 (normal closure), answered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sctx, interrupt := context.WithCancel(context.Background())
			defer interrupt()
			out := &interruptOnLine{last: tt.last, interrupt: interrupt}
			var errb bytes.Buffer
			code := clientSession(context.Background(), sctx, []string{"-insecure", "-timeout", "10s", tt.url, "hello"},
				strings.NewReader(""), out, &errb)
			if sctx.Err() == nil {
				t.Fatalf("no %q on stdout:\n%s", tt.last, out.buf.String())
			}
			if code != exitOK || strings.Contains(errb.String(), "interrupted") {
				t.Errorf("exit %d, stderr %q; want exit %d and no interruption", code, errb.String(), exitOK)
			}
		})
	}
}

// TestClientInterruptBeforeSession: a Ctrl-C before the connection is
// made is still said to have come before the session began.
func TestClientInterruptBeforeSession(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	sctx, interrupt := context.WithCancel(context.Background())
	interrupt()
	var out, errb bytes.Buffer
	code := clientSession(context.Background(), sctx, []string{"-insecure", urls(ta)["tls"], "hello"}, strings.NewReader(""), &out, &errb)
	if want := "interrupted before the session began"; code != exitInterrupted || !strings.Contains(errb.String(), want) {
		t.Errorf("exit %d, stderr %q; want exit %d saying %q", code, errb.String(), exitInterrupted, want)
	}
}
