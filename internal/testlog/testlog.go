// Package testlog is the log sink the module's tests hand to a server:
// the server's goroutines write records into it while the test reads
// them.
package testlog

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// Buffer collects log output; it is safe for writers and readers at once.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Records are the JSON records written so far (one per line, as
// slog.JSONHandler writes them), those with message msg only unless msg
// is empty. A line that is not JSON fails the test.
func (l *Buffer) Records(tb testing.TB, msg string) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for line := range strings.Lines(l.String()) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			tb.Fatalf("log line is not JSON: %q: %v", line, err)
		}
		if msg == "" || r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}
