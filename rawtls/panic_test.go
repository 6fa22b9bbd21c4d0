package rawtls_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// logBuffer collects log output from the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// records are the JSON log records written so far.
func (l *logBuffer) records(tb testing.TB) []map[string]any {
	tb.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(l.b.String()) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			tb.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// TestHandlerPanic: a handler that panics on a chosen message ends that
// connection only. The process lives on, one error record names the
// peer, the client sees its connection closed, and another client is
// still echoed.
func TestHandlerPanic(t *testing.T) {
	logs := &logBuffer{}
	srv := &rawtls.Server{
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Handler: rawtls.HandlerFunc(func(c *rawtls.Conn) error {
			buf := make([]byte, 64)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return err
				}
				if bytes.Equal(buf[:n], []byte("panic")) {
					panic("handler fails on purpose")
				}
				if _, err := c.Write(buf[:n]); err != nil {
					return err
				}
			}
		}),
	}
	ts := startServer(t, srv, certs.Options{})
	other := ts.mustDial(t, ts.clientConfig())
	if err := echo(other, []byte("before")); err != nil {
		t.Fatal(err)
	}
	victim := ts.mustDial(t, ts.clientConfig())
	if err := echo(victim, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if _, err := victim.Write([]byte("panic")); err != nil {
		t.Fatal(err)
	}
	// The server closes with close_notify: the end of the stream, and
	// nothing echoed before it.
	if rest, err := io.ReadAll(victim); err != nil || len(rest) != 0 {
		t.Errorf("after the panic the client read %q, %v; want the end of the stream", rest, err)
	}
	if err := echo(other, []byte("after")); err != nil {
		t.Fatalf("the other client after the panic: %v", err)
	}
	waitFor(t, ioTimeout, "the panicked connection to end", func() bool { return srv.Active() == 1 })

	var errs []map[string]any
	for _, r := range logs.records(t) {
		if r["level"] == "ERROR" {
			errs = append(errs, r)
		}
	}
	if len(errs) != 1 {
		t.Fatalf("%d error records, want 1: %v", len(errs), errs)
	}
	r := errs[0]
	stack, _ := r["stack"].(string)
	if r["peer"] != victim.LocalAddr().String() || r["panic"] != "handler fails on purpose" ||
		!strings.Contains(stack, "panic_test.go") {
		t.Errorf("error record %v; want peer %s, the panic value and a stack through the handler", r, victim.LocalAddr())
	}
}
